"""Idempotent recording: a retried ``record_raw_response`` stores nothing twice.

After ``OutcomeUnknownError`` a caller cannot know whether its payload was stored. With an
idempotency key the response's id is not drawn from the id factory but derived from the key
(a UUID 5 of the key within its interpretation owner and source), so the retry hits the stored
row's primary key on every backend and gets the first call's response back — no extra index,
no extra round trip on the first call.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from uuid import UUID, uuid5

from integration_store.model.responses import ExternalResponse

NAMESPACE: Final = UUID("6f1c7a52-3c2e-5d1b-9a57-2f7e4c9b8d10")
"""The UUID 5 namespace of response ids derived from idempotency keys (fixed forever: a
changed namespace would make every retry of an earlier call store a second response)."""

COMPARED: Final = (
    "source",
    "raw_response",
    "interpretation_owner",
    "interpretation_contract",
    "request_id",
    "run_id",
)
"""The arguments a retry must repeat exactly to be the same request."""


def response_id(key: str, interpretation_owner: str, source: str) -> UUID:
    """The id of the response recorded under ``key``: keys are scoped by owner and source, and
    each part is length-prefixed, so no two different triples share a name."""
    name = "".join(f"{len(part)}:{part}" for part in (interpretation_owner, source, key))
    return uuid5(NAMESPACE, name)


def is_same_request(stored: ExternalResponse, arguments: Mapping[str, Any]) -> bool:
    """Whether a stored response was recorded with exactly these (checked) arguments."""
    return all(getattr(stored, name) == arguments[name] for name in COMPARED)

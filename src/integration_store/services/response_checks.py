"""Checks of ``record_raw_response``'s arguments, and of each item of ``record_raw_responses``.

Kept apart from the service so the single and the bulk call share one validation path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, NamedTuple

from integration_store import values
from integration_store.errors import ValidationError

REQUIRED_KEYS: Final = ("source", "raw_response", "interpretation_owner")
"""Keys every item of ``record_raw_responses`` has (the required arguments of the single call)."""

OPTIONAL_KEYS: Final = ("interpretation_contract", "request_id", "run_id", "idempotency_key")
"""Keys an item of ``record_raw_responses`` may have."""

_KEYS: Final = frozenset(REQUIRED_KEYS + OPTIONAL_KEYS)


class CheckedItem(NamedTuple):
    """One item of a batch, checked: the response's fields and its idempotency key."""

    arguments: dict[str, Any]
    idempotency_key: str | None


def check_item(item: object, at: str) -> CheckedItem:
    """One item of a batch: a mapping of ``record_raw_response``'s arguments."""
    if type(item) is not dict and not isinstance(item, Mapping):
        raise ValidationError(at, f"must be a mapping, not {type(item).__name__}")
    for key in REQUIRED_KEYS:
        if key not in item:
            raise ValidationError(f"{at}.{key}", "is required")
    for key in item:
        if key not in _KEYS:
            raise ValidationError(f"{at}.{key}", "is not an argument of record_raw_response")
    fields = dict(item)
    idempotency_key = fields.pop("idempotency_key", None)
    checked_key = values.optional_identifier(idempotency_key, f"{at}.idempotency_key")
    return CheckedItem(checked_arguments(f"{at}.", **fields), checked_key)


def checked_arguments(
    prefix: str,
    source: object,
    raw_response: object,
    interpretation_owner: object,
    interpretation_contract: object = None,
    request_id: object = None,
    run_id: object = None,
) -> dict[str, Any]:
    """The fields of a new response from the call's arguments, each checked (``prefix`` names
    the item of a batch in an error)."""
    checked = {
        "source": values.identifier(source, prefix + "source"),
        "raw_response": values.json_payload(raw_response, prefix + "raw_response"),
        "interpretation_owner": values.identifier(
            interpretation_owner, prefix + "interpretation_owner"
        ),
        "interpretation_contract": values.optional_identifier(
            interpretation_contract, prefix + "interpretation_contract"
        ),
        "request_id": values.optional_identifier(request_id, prefix + "request_id"),
        "run_id": values.optional_identifier(run_id, prefix + "run_id"),
    }
    values.check_write_size(checked, prefix)
    return checked

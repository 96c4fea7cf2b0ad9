"""External responses: a raw payload with a declared interpretation owner, and its reading."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import attrs


@attrs.frozen
class ExternalResponse:
    """A raw payload received from outside; only ``interpretation_owner`` may interpret it.

    ``claimed_by`` and ``lease_expires_at`` name the claimant holding it (``claim_pending``)
    and when that lease ends; both None when nobody holds it or once it is interpreted.
    """

    id: UUID
    source: str
    raw_response: dict[str, Any]
    interpretation_owner: str
    interpretation_contract: str | None = None
    request_id: str | None = None
    run_id: str | None = None
    received_at: datetime = attrs.field(kw_only=True)
    interpreted_value: dict[str, Any] | None = None
    interpreted_at: datetime | None = None
    interpreted_by: str | None = None
    claimed_by: str | None = None
    lease_expires_at: datetime | None = None


@attrs.frozen
class InterpretedResponse:
    """What consumers read: the interpretation, never the raw payload."""

    id: UUID
    source: str
    interpretation_owner: str
    interpreted_value: dict[str, Any]
    interpreted_at: datetime
    interpreted_by: str

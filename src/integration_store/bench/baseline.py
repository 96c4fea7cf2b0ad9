"""What every baseline offers, and the few helpers hand-written code would share.

A baseline does, with its own means, exactly what one call of ours does: the same statement
shape on the same table (or the same server command on the same collection), values encoded as
our backend stores them, and the result decoded into plain Python values — JSON parsed,
timestamps as aware UTC datetimes, UUIDs as ``uuid.UUID``. Writes stamp the time themselves,
truncated to milliseconds as our services do, and responses get a fresh ``uuid4``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol, runtime_checkable
from uuid import UUID

from integration_store.records import Record

from .dataset import NewConnector, NewResponse

CONNECTOR_COLUMNS: Final = (
    "connector_id", "tenant_id", "name", "kind", "connector_type", "status", "config",
    "capabilities", "last_connected", "last_error", "connection_count", "error_count",
    "metadata", "extra", "created_at", "updated_at", "revision",
)  # fmt: skip
CONNECTOR_JSON: Final = ("config", "capabilities", "metadata", "extra")
CONNECTOR_TIMES: Final = ("last_connected", "created_at", "updated_at")

RESPONSE_COLUMNS: Final = (
    "id", "source", "raw_response", "interpretation_owner", "interpretation_contract",
    "request_id", "run_id", "received_at", "interpreted_value", "interpreted_at",
    "interpreted_by", "claimed_by", "lease_expires_at",
)  # fmt: skip
RESPONSE_JSON: Final = ("raw_response", "interpreted_value")
RESPONSE_TIMES: Final = ("received_at", "interpreted_at", "lease_expires_at")

CONNECTORS_TABLE: Final = "integration_connectors"
RESPONSES_TABLE: Final = "integration_external_responses"

EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
MILLISECOND: Final = timedelta(milliseconds=1)

ConnectorKey = tuple[str, str]
"""Where a keyset page of connectors starts: after this (name, connector_id)."""
PendingKey = tuple[datetime, UUID]
"""Where a keyset page of the pending queue starts: after this (received_at, id)."""


def dumps(value: Any) -> str:
    """JSON text as our backends write it: compact, non-ASCII kept, no NaN."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def now_ms() -> datetime:
    """Now in UTC, truncated to milliseconds (every backend keeps milliseconds)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def to_ms(value: datetime) -> int:
    """An aware datetime as integer milliseconds since the epoch (SQLite, MariaDB)."""
    return (value - EPOCH) // MILLISECOND


def from_ms(value: int) -> datetime:
    """Integer milliseconds since the epoch as an aware UTC datetime."""
    return EPOCH + timedelta(milliseconds=value)


def new_connector_row(new: NewConnector, now: datetime) -> Record:
    """A connector to insert: the caller's fields, default state and counters, stamped now."""
    return {
        **new,
        "status": "registered",
        "last_connected": None,
        "last_error": None,
        "connection_count": 0,
        "error_count": 0,
        "created_at": now,
        "updated_at": now,
        "revision": 1,
    }


def new_response_row(new: NewResponse) -> Record:
    """A response to insert: a fresh uuid4, received now, not yet interpreted."""
    return {
        "id": uuid.uuid4(), "source": new["source"], "raw_response": new["raw_response"],
        "interpretation_owner": new["interpretation_owner"], "interpretation_contract": None,
        "request_id": None, "run_id": None, "received_at": now_ms(), "interpreted_value": None,
        "interpreted_at": None, "interpreted_by": None, "claimed_by": None,
        "lease_expires_at": None,
    }  # fmt: skip


@runtime_checkable
class Baseline(Protocol):
    """One family of hand-written code doing the work of our public calls."""

    label: str
    """``raw``, ``core`` or ``orm``: the column it fills in the report."""

    def create_connector(self, new: NewConnector) -> Any: ...
    def create_connectors(self, new: Sequence[NewConnector]) -> Any: ...
    def get(self, connector_id: str) -> Any: ...
    def get_by_name(self, tenant_id: str, name: str) -> Any: ...
    def list_page(self, tenant_id: str, limit: int) -> list[Any]: ...
    def keyset_page(self, tenant_id: str, after: ConnectorKey | None, limit: int) -> list[Any]: ...
    def record_connection(self, connector_id: str) -> Any: ...
    def record_raw_response(self, new: NewResponse) -> Any: ...
    def record_raw_responses(self, new: Sequence[NewResponse]) -> Any: ...
    def pending_page(self, owner: str, limit: int) -> list[Any]: ...
    def pending_keyset_page(self, owner: str, after: PendingKey | None, limit: int) -> list[Any]:
        ...
    def interpret(self, response_id: UUID, value: dict[str, Any], by: str) -> Any: ...

    def as_record(self, result: Any) -> Record:
        """A result of this baseline as a plain record (for checking, never timed)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Seeder(Protocol):
    """A raw baseline that can also fill the tables fast, with our encoding."""

    def seed(self, connectors: Iterable[Record], responses: Iterable[Record]) -> None:
        """Insert the records in large batches."""
        ...


def batches(records: Iterable[Record], size: int) -> Iterable[list[Record]]:
    """The records in lists of at most ``size``."""
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch

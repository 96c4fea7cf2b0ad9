"""The SQL the raw baselines send and how they encode and decode rows, per placeholder style.

Hand-written code for one driver would inline these; they are shared here so the three raw SQL
baselines send character-for-character the same statements and differ only where the databases
do: the placeholder (``?`` / ``%s``) and how timestamps and UUIDs are stored (PostgreSQL natively;
SQLite and MariaDB as epoch milliseconds and lowercase hex, as our column types store them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from json import loads
from typing import Any, Final
from uuid import UUID

import attrs

from integration_store.records import Record

from .baseline import (
    CONNECTOR_COLUMNS,
    CONNECTORS_TABLE,
    RESPONSE_COLUMNS,
    RESPONSES_TABLE,
    dumps,
    from_ms,
    to_ms,
)

_C: Final = ", ".join(CONNECTOR_COLUMNS)
_R: Final = ", ".join(RESPONSE_COLUMNS)


@attrs.frozen
class Statements:
    """Every statement a raw baseline sends, written with placeholder ``p``, in the form ours
    sends: a tenant's connectors ordered by name alone (unique in a tenant, so the
    ``(tenant_id, name)`` index gives the order), keyset pages as ``a >= x AND (a > x OR b > y)``
    (every database turns it into an index range)."""

    p: str

    def _marks(self, count: int) -> str:
        return ", ".join([self.p] * count)

    @property
    def insert_connector(self) -> str:
        marks = self._marks(len(CONNECTOR_COLUMNS))
        return f"INSERT INTO {CONNECTORS_TABLE} ({_C}) VALUES ({marks})"

    @property
    def insert_response(self) -> str:
        return f"INSERT INTO {RESPONSES_TABLE} ({_R}) VALUES ({self._marks(len(RESPONSE_COLUMNS))})"

    @property
    def get(self) -> str:
        return f"SELECT {_C} FROM {CONNECTORS_TABLE} WHERE connector_id = {self.p}"

    @property
    def get_by_name(self) -> str:
        p = self.p
        return f"SELECT {_C} FROM {CONNECTORS_TABLE} WHERE tenant_id = {p} AND name = {p}"

    @property
    def list_page(self) -> str:
        return (
            f"SELECT {_C} FROM {CONNECTORS_TABLE} WHERE tenant_id = {self.p} "
            f"ORDER BY name LIMIT {self.p}"
        )

    @property
    def keyset_page(self) -> str:
        """Parameters: tenant, name, name again, connector_id, limit (``after``)."""
        p = self.p
        return (
            f"SELECT {_C} FROM {CONNECTORS_TABLE} WHERE tenant_id = {p} "
            f"AND name >= {p} AND (name > {p} OR connector_id > {p}) ORDER BY name LIMIT {p}"
        )

    @property
    def record_connection(self) -> str:
        """Without ``RETURNING``; callers add it where the database has it."""
        p = self.p
        return (
            f"UPDATE {CONNECTORS_TABLE} SET status = 'connected', last_connected = {p}, "
            f"updated_at = {p}, connection_count = connection_count + 1, revision = revision + 1 "
            f"WHERE connector_id = {p}"
        )

    @property
    def pending_page(self) -> str:
        return (
            f"SELECT {_R} FROM {RESPONSES_TABLE} WHERE interpretation_owner = {self.p} "
            f"AND interpreted_at IS NULL ORDER BY received_at, id LIMIT {self.p}"
        )

    @property
    def pending_keyset_page(self) -> str:
        """Parameters: owner, received_at, received_at again, id, limit (``after``)."""
        p = self.p
        return (
            f"SELECT {_R} FROM {RESPONSES_TABLE} WHERE interpretation_owner = {p} "
            f"AND interpreted_at IS NULL AND received_at >= {p} "
            f"AND (received_at > {p} OR id > {p}) ORDER BY received_at, id LIMIT {p}"
        )

    @property
    def interpret(self) -> str:
        """Without ``RETURNING``; callers add it where the database has it."""
        p = self.p
        return (
            f"UPDATE {RESPONSES_TABLE} SET interpreted_value = {p}, interpreted_at = {p}, "
            f"interpreted_by = {p}, claimed_by = NULL, lease_expires_at = NULL WHERE id = {p}"
        )

    @property
    def get_response(self) -> str:
        return f"SELECT {_R} FROM {RESPONSES_TABLE} WHERE id = {self.p}"

    def after(self, key: tuple[Any, Any]) -> tuple[Any, ...]:
        """A keyset page's parameters for ``key``: the first column twice, then the second."""
        return (key[0], key[0], key[1])


RETURNING_CONNECTOR: Final = f" RETURNING {_C}"
RETURNING_RESPONSE: Final = f" RETURNING {_R}"


def _same(value: Any) -> Any:
    return value


def _aware_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _uuid_from_hex(value: str) -> UUID:
    return UUID(hex=value)


def _hex(value: UUID) -> str:
    return value.hex


@attrs.frozen
class RowCodec:
    """Record ↔ driver row (a tuple in ``*_COLUMNS`` order) for one storage style."""

    time_in: Callable[[datetime], Any]
    time_out: Callable[[Any], datetime]
    uuid_in: Callable[[UUID], Any]
    uuid_out: Callable[[Any], UUID]

    def connector_params(self, row: Record) -> tuple[Any, ...]:
        time_in = self.time_in
        last = row["last_connected"]
        return (
            row["connector_id"], row["tenant_id"], row["name"], row["kind"],
            row["connector_type"], row["status"], dumps(row["config"]),
            dumps(row["capabilities"]), None if last is None else time_in(last),
            row["last_error"], row["connection_count"], row["error_count"],
            dumps(row["metadata"]), dumps(row["extra"]), time_in(row["created_at"]),
            time_in(row["updated_at"]), row["revision"],
        )  # fmt: skip

    def connector(self, row: tuple[Any, ...]) -> Record:
        time_out = self.time_out
        (connector_id, tenant_id, name, kind, connector_type, status, config, capabilities,
         last_connected, last_error, connection_count, error_count, metadata, extra,
         created_at, updated_at, revision) = row  # fmt: skip
        return {
            "connector_id": connector_id, "tenant_id": tenant_id, "name": name, "kind": kind,
            "connector_type": connector_type, "status": status, "config": loads(config),
            "capabilities": loads(capabilities),
            "last_connected": None if last_connected is None else time_out(last_connected),
            "last_error": last_error, "connection_count": connection_count,
            "error_count": error_count, "metadata": loads(metadata), "extra": loads(extra),
            "created_at": time_out(created_at), "updated_at": time_out(updated_at),
            "revision": revision,
        }  # fmt: skip

    def response_params(self, row: Record) -> tuple[Any, ...]:
        value = row["interpreted_value"]
        interpreted_at = row["interpreted_at"]
        return (
            self.uuid_in(row["id"]), row["source"], dumps(row["raw_response"]),
            row["interpretation_owner"], row["interpretation_contract"], row["request_id"],
            row["run_id"], self.time_in(row["received_at"]),
            None if value is None else dumps(value),
            None if interpreted_at is None else self.time_in(interpreted_at),
            row["interpreted_by"], row["claimed_by"],
            None if row["lease_expires_at"] is None else self.time_in(row["lease_expires_at"]),
        )  # fmt: skip

    def response(self, row: tuple[Any, ...]) -> Record:
        time_out = self.time_out
        (response_id, source, raw, owner, contract, request_id, run_id, received_at, value,
         interpreted_at, interpreted_by, claimed_by, lease_expires_at) = row  # fmt: skip
        return {
            "id": self.uuid_out(response_id), "source": source, "raw_response": loads(raw),
            "interpretation_owner": owner, "interpretation_contract": contract,
            "request_id": request_id, "run_id": run_id, "received_at": time_out(received_at),
            "interpreted_value": None if value is None else loads(value),
            "interpreted_at": None if interpreted_at is None else time_out(interpreted_at),
            "interpreted_by": interpreted_by, "claimed_by": claimed_by,
            "lease_expires_at": None if lease_expires_at is None else time_out(lease_expires_at),
        }  # fmt: skip


MILLIS_AND_HEX: Final = RowCodec(to_ms, from_ms, _hex, _uuid_from_hex)
"""SQLite and MariaDB: BIGINT epoch milliseconds, CHAR(32) hex ids."""

NATIVE: Final = RowCodec(_same, _aware_utc, _same, _same)
"""PostgreSQL: ``timestamptz`` and ``uuid`` passed as Python objects by psycopg."""

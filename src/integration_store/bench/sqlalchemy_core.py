"""Hand-written SQLAlchemy Core baseline, and the column types the ORM baseline shares.

What it does, on the tables ``create_schema()`` made, declared here as a developer would declare
them for Core (``Table`` objects with three small ``TypeDecorator``s for our stored formats):

- its own engine with SQLAlchemy's defaults (SQLite file: WAL, ``synchronous=NORMAL``, a busy
  timeout set on connect);
- reads: ``with engine.connect() as connection: connection.execute(select(...))``, rows turned
  into dicts with ``dict(row._mapping)``;
- writes: ``with engine.begin() as connection:`` one ``insert`` / ``update``; changes bring the
  row back with ``RETURNING`` (PostgreSQL, SQLite) or a ``select`` in the same transaction
  (MariaDB); bulk: one ``execute(insert(table), rows)`` (executemany) in one transaction;
- keyset pages: ``tuple_(name, connector_id) > tuple_(...)`` (MariaDB: the expanded form).

Stored formats, as ours: JSON as compact text; timestamps ``timestamptz`` on PostgreSQL, epoch
milliseconds elsewhere; response ids ``uuid`` on PostgreSQL, lowercase hex elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from json import loads
from typing import Any, Final
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine

from integration_store.records import Record

from .baseline import (
    CONNECTORS_TABLE,
    RESPONSES_TABLE,
    ConnectorKey,
    PendingKey,
    dumps,
    from_ms,
    new_connector_row,
    new_response_row,
    now_ms,
    to_ms,
)
from .dataset import NewConnector, NewResponse


class JsonText(sa.TypeDecorator[Any]):
    """A JSON value kept as compact JSON text."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else dumps(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else loads(value)


class Timestamp(sa.TypeDecorator[datetime]):
    """An aware datetime: ``timestamptz`` on PostgreSQL, epoch milliseconds elsewhere."""

    impl = sa.BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return sa.DateTime(timezone=True)
        return sa.BigInteger()

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return to_ms(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return from_ms(value)


class HexUuid(sa.TypeDecorator[UUID]):
    """A UUID: ``uuid`` on PostgreSQL, lowercase hex elsewhere."""

    impl = sa.CHAR(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return sa.Uuid()
        return sa.CHAR(32)

    def process_bind_param(self, value: UUID | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return value.hex

    def process_result_value(self, value: Any, dialect: Dialect) -> UUID | None:
        if value is None or isinstance(value, UUID):
            return value
        return UUID(hex=value)


metadata: Final = sa.MetaData()

connectors: Final = sa.Table(
    CONNECTORS_TABLE, metadata,
    sa.Column("connector_id", sa.String(255), primary_key=True),
    sa.Column("tenant_id", sa.String(255)), sa.Column("name", sa.String(255)),
    sa.Column("kind", sa.String(255)), sa.Column("connector_type", sa.String(255)),
    sa.Column("status", sa.String(255)), sa.Column("config", JsonText),
    sa.Column("capabilities", JsonText), sa.Column("last_connected", Timestamp),
    sa.Column("last_error", sa.Text), sa.Column("connection_count", sa.BigInteger),
    sa.Column("error_count", sa.BigInteger), sa.Column("metadata", JsonText),
    sa.Column("extra", JsonText), sa.Column("created_at", Timestamp),
    sa.Column("updated_at", Timestamp), sa.Column("revision", sa.BigInteger),
)  # fmt: skip

responses: Final = sa.Table(
    RESPONSES_TABLE, metadata,
    sa.Column("id", HexUuid, primary_key=True), sa.Column("source", sa.String(255)),
    sa.Column("raw_response", JsonText), sa.Column("interpretation_owner", sa.String(255)),
    sa.Column("interpretation_contract", sa.String(255)),
    sa.Column("request_id", sa.String(255)), sa.Column("run_id", sa.String(255)),
    sa.Column("received_at", Timestamp), sa.Column("interpreted_value", JsonText),
    sa.Column("interpreted_at", Timestamp), sa.Column("interpreted_by", sa.String(255)),
    sa.Column("claimed_by", sa.String(255)), sa.Column("lease_expires_at", Timestamp),
)  # fmt: skip


_DRIVERS: Final = {
    "postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql",
}  # fmt: skip


def create_engine(url: str) -> Engine:
    """An engine with SQLAlchemy's defaults; SQLite files in WAL with ``synchronous=NORMAL``."""
    parsed = sa.make_url(url)
    if "+" not in parsed.drivername and parsed.drivername in _DRIVERS:
        # Bare postgresql:// and mysql:// mean psycopg 3 and PyMySQL, as for our stores.
        parsed = parsed.set(drivername=_DRIVERS[parsed.drivername])
    engine = sa.create_engine(parsed)
    if parsed.get_backend_name() == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            for pragma in ("busy_timeout = 30000", "journal_mode = WAL", "synchronous = NORMAL"):
                dbapi_connection.execute(f"PRAGMA {pragma}")

    return engine


def connector_after(key: ConnectorKey, row_values: bool) -> sa.ColumnElement[bool]:
    """Rows after ``key`` in (name, connector_id) order."""
    name, connector_id = key
    c = connectors.c
    if row_values:
        return sa.tuple_(c.name, c.connector_id) > sa.tuple_(name, connector_id)
    return sa.and_(c.name >= name, sa.or_(c.name > name, c.connector_id > connector_id))


def pending_after(key: PendingKey, row_values: bool) -> sa.ColumnElement[bool]:
    """Rows after ``key`` in (received_at, id) order."""
    received, response_id = key
    c = responses.c
    if row_values:
        return sa.tuple_(c.received_at, c.id) > sa.tuple_(
            sa.literal(received, Timestamp), sa.literal(response_id, HexUuid)
        )
    return sa.and_(
        c.received_at >= received, sa.or_(c.received_at > received, c.id > response_id)
    )


_C = connectors.c
_R = responses.c


class SqlAlchemyCore:
    """Core statements, one connection checkout per call."""

    label = "core"

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        self._returning = self._engine.dialect.name not in ("mysql", "mariadb")
        self._row_values = self._returning

    def _first(self, statement: sa.Select[Any]) -> Record | None:
        with self._engine.connect() as connection:
            row = connection.execute(statement).first()
        return None if row is None else dict(row._mapping)

    def _all(self, statement: sa.Select[Any]) -> list[Record]:
        with self._engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(statement)]

    def _update(
        self, table: sa.Table, key: sa.ColumnElement[bool], values: dict[str, Any]
    ) -> Record | None:
        statement = sa.update(table).where(key).values(values)
        with self._engine.begin() as connection:
            if self._returning:
                row = connection.execute(statement.returning(*table.c)).first()
            elif connection.execute(statement).rowcount:
                row = connection.execute(sa.select(table).where(key)).first()
            else:
                row = None
        return None if row is None else dict(row._mapping)

    def create_connector(self, new: NewConnector) -> Record:
        row = new_connector_row(new, now_ms())
        with self._engine.begin() as connection:
            connection.execute(connectors.insert(), row)
        return row

    def create_connectors(self, new: Sequence[NewConnector]) -> list[Record]:
        now = now_ms()
        rows = [new_connector_row(item, now) for item in new]
        with self._engine.begin() as connection:
            connection.execute(connectors.insert(), rows)
        return rows

    def get(self, connector_id: str) -> Record | None:
        return self._first(sa.select(connectors).where(_C.connector_id == connector_id))

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        return self._first(
            sa.select(connectors).where(_C.tenant_id == tenant_id, _C.name == name)
        )

    def list_page(self, tenant_id: str, limit: int) -> list[Record]:
        return self._all(
            sa.select(connectors)
            .where(_C.tenant_id == tenant_id)
            .order_by(_C.name, _C.connector_id)
            .limit(limit)
        )

    def keyset_page(self, tenant_id: str, after: ConnectorKey | None, limit: int) -> list[Record]:
        statement = sa.select(connectors).where(_C.tenant_id == tenant_id)
        if after is not None:
            statement = statement.where(connector_after(after, self._row_values))
        return self._all(statement.order_by(_C.name, _C.connector_id).limit(limit))

    def record_connection(self, connector_id: str) -> Record | None:
        now = now_ms()
        values = {"status": "connected", "last_connected": now, "updated_at": now,
                  "connection_count": _C.connection_count + 1,
                  "revision": _C.revision + 1}  # fmt: skip
        return self._update(connectors, _C.connector_id == connector_id, values)

    def record_raw_response(self, new: NewResponse) -> Record:
        row = new_response_row(new)
        with self._engine.begin() as connection:
            connection.execute(responses.insert(), row)
        return row

    def record_raw_responses(self, new: Sequence[NewResponse]) -> list[Record]:
        rows = [new_response_row(item) for item in new]
        with self._engine.begin() as connection:
            connection.execute(responses.insert(), rows)
        return rows

    def _pending(self, owner: str) -> sa.Select[Any]:
        return sa.select(responses).where(
            _R.interpretation_owner == owner, _R.interpreted_at.is_(None)
        )

    def pending_page(self, owner: str, limit: int) -> list[Record]:
        return self._all(self._pending(owner).order_by(_R.received_at, _R.id).limit(limit))

    def pending_keyset_page(self, owner: str, after: PendingKey | None, limit: int) -> list[Record]:
        statement = self._pending(owner)
        if after is not None:
            statement = statement.where(pending_after(after, self._row_values))
        return self._all(statement.order_by(_R.received_at, _R.id).limit(limit))

    def interpret(self, response_id: UUID, value: dict[str, Any], by: str) -> Record | None:
        values = {"interpreted_value": value, "interpreted_at": now_ms(), "interpreted_by": by,
                  "claimed_by": None, "lease_expires_at": None}  # fmt: skip
        return self._update(responses, _R.id == response_id, values)

    def as_record(self, result: Any) -> Record:
        return dict(result)

    def close(self) -> None:
        self._engine.dispose()

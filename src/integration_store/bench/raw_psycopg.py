"""Raw psycopg 3 baseline on the store's PostgreSQL database.

What it does, on the tables ``create_schema()`` made (statements: ``sql_rows.Statements("%s")``):

- one connection in autocommit mode, session time zone UTC (as our engine sets it); psycopg
  prepares a statement after it has run a few times, as it does under SQLAlchemy;
- every call is one statement, so one round trip and one implicit transaction: ``SELECT`` for
  reads, ``INSERT`` for creates, ``UPDATE … RETURNING`` for changes with the row back;
- bulk: ``executemany`` (pipelined by psycopg) inside one explicit transaction;
- keyset pages: ``(name, connector_id) > (%s, %s)`` and ``(received_at, id) > (%s, %s)``.

Stored as our backend stores on PostgreSQL: JSON as compact text in ``text`` columns,
``timestamptz(3)`` and ``uuid`` passed natively (``sql_rows.NATIVE``); timestamps come back as
aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final
from uuid import UUID

import psycopg
import sqlalchemy as sa

from integration_store.records import Record

from .baseline import (
    ConnectorKey,
    PendingKey,
    batches,
    dumps,
    new_connector_row,
    new_response_row,
    now_ms,
)
from .dataset import NewConnector, NewResponse
from .sql_rows import NATIVE, RETURNING_CONNECTOR, RETURNING_RESPONSE, Statements

SQL: Final = Statements("%s")
_CODEC: Final = NATIVE
_RECORD_CONNECTION: Final = SQL.record_connection + RETURNING_CONNECTOR
_INTERPRET: Final = SQL.interpret + RETURNING_RESPONSE
_INSERT_CONNECTOR: Final = SQL.insert_connector
_INSERT_RESPONSE: Final = SQL.insert_response
_GET: Final = SQL.get
_GET_BY_NAME: Final = SQL.get_by_name
_LIST: Final = SQL.list_page
_KEYSET: Final = SQL.keyset_page
_PENDING: Final = SQL.pending_page
_PENDING_KEYSET: Final = SQL.pending_keyset_page


def _multi_row_insert(statement: str, rows: int) -> str:
    head, values = statement.split(" VALUES ")
    return f"{head} VALUES " + ", ".join([values] * rows)


class RawPsycopg:
    """psycopg 3, autocommit, one statement per call."""

    label = "raw"

    def __init__(self, url: str) -> None:
        parsed = sa.make_url(url)
        self._db = psycopg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            dbname=parsed.database,
            autocommit=True,
            options="-c TimeZone=UTC",
        )

    def _one(self, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
        return self._db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self._db.execute(sql, params).fetchall()

    def _write_many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        with self._db.transaction(), self._db.cursor() as cursor:
            cursor.executemany(sql, params)

    def create_connector(self, new: NewConnector) -> Record:
        row = new_connector_row(new, now_ms())
        self._db.execute(_INSERT_CONNECTOR, _CODEC.connector_params(row))
        return row

    def create_connectors(self, new: Sequence[NewConnector]) -> list[Record]:
        now = now_ms()
        rows = [new_connector_row(item, now) for item in new]
        self._write_many(_INSERT_CONNECTOR, [_CODEC.connector_params(row) for row in rows])
        return rows

    def get(self, connector_id: str) -> Record | None:
        row = self._one(_GET, (connector_id,))
        return None if row is None else _CODEC.connector(row)

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        row = self._one(_GET_BY_NAME, (tenant_id, name))
        return None if row is None else _CODEC.connector(row)

    def list_page(self, tenant_id: str, limit: int) -> list[Record]:
        return [_CODEC.connector(row) for row in self._all(_LIST, (tenant_id, limit))]

    def keyset_page(self, tenant_id: str, after: ConnectorKey | None, limit: int) -> list[Record]:
        if after is None:
            return self.list_page(tenant_id, limit)
        rows = self._all(_KEYSET, (tenant_id, *SQL.after(after), limit))
        return [_CODEC.connector(row) for row in rows]

    def record_connection(self, connector_id: str) -> Record | None:
        now = now_ms()
        row = self._one(_RECORD_CONNECTION, (now, now, connector_id))
        return None if row is None else _CODEC.connector(row)

    def record_raw_response(self, new: NewResponse) -> Record:
        row = new_response_row(new)
        self._db.execute(_INSERT_RESPONSE, _CODEC.response_params(row))
        return row

    def record_raw_responses(self, new: Sequence[NewResponse]) -> list[Record]:
        rows = [new_response_row(item) for item in new]
        self._write_many(_INSERT_RESPONSE, [_CODEC.response_params(row) for row in rows])
        return rows

    def pending_page(self, owner: str, limit: int) -> list[Record]:
        return [_CODEC.response(row) for row in self._all(_PENDING, (owner, limit))]

    def pending_keyset_page(self, owner: str, after: PendingKey | None, limit: int) -> list[Record]:
        if after is None:
            return self.pending_page(owner, limit)
        rows = self._all(_PENDING_KEYSET, (owner, *SQL.after(after), limit))
        return [_CODEC.response(row) for row in rows]

    def interpret(self, response_id: UUID, value: dict[str, Any], by: str) -> Record | None:
        row = self._one(_INTERPRET, (dumps(value), now_ms(), by, response_id))
        return None if row is None else _CODEC.response(row)

    def as_record(self, result: Any) -> Record:
        return dict(result)

    def seed(self, connectors: Iterable[Record], responses: Iterable[Record]) -> None:
        """Multi-row ``INSERT``s of 1,000 rows, one transaction per batch."""
        for records, statement, params in (
            (connectors, _INSERT_CONNECTOR, _CODEC.connector_params),
            (responses, _INSERT_RESPONSE, _CODEC.response_params),
        ):
            for batch in batches(records, 1000):
                flat = [value for record in batch for value in params(record)]
                with self._db.transaction():
                    self._db.execute(_multi_row_insert(statement, len(batch)), flat)

    def close(self) -> None:
        self._db.close()

"""Raw ``sqlite3`` baseline on the store's SQLite file.

What it does, on the tables ``create_schema()`` made (statements: ``sql_rows.Statements("?")``):

- one ``sqlite3`` connection in autocommit mode (``isolation_level=None``) with WAL,
  ``synchronous=NORMAL`` and a busy timeout, as our engine sets them;
- reads: one ``SELECT`` without an explicit transaction, each row decoded into a dict;
- writes: one transaction each, ``BEGIN IMMEDIATE`` … ``COMMIT`` (as ours does: a writer waits
  for the lock rather than failing on upgrade), an update's row back through ``RETURNING``;
- bulk: one transaction around one ``executemany``;
- keyset pages: ``(name, connector_id) > (?, ?)`` and ``(received_at, id) > (?, ?)``.

Stored as our backend stores on SQLite: JSON as compact text, timestamps as integer epoch
milliseconds, response ids as lowercase hex (``sql_rows.MILLIS_AND_HEX``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, Final
from uuid import UUID

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
from .sql_rows import MILLIS_AND_HEX, RETURNING_CONNECTOR, RETURNING_RESPONSE, Statements

SQL: Final = Statements("?")
_CODEC: Final = MILLIS_AND_HEX
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


class RawSqlite:
    """``sqlite3`` on the store's file."""

    label = "raw"

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 30000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")

    def _write(self, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            row: tuple[Any, ...] | None = db.execute(sql, params).fetchone()
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return row

    def _write_many(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(sql, params)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def create_connector(self, new: NewConnector) -> Record:
        row = new_connector_row(new, now_ms())
        self._write(_INSERT_CONNECTOR, _CODEC.connector_params(row))
        return row

    def create_connectors(self, new: Sequence[NewConnector]) -> list[Record]:
        now = now_ms()
        rows = [new_connector_row(item, now) for item in new]
        self._write_many(_INSERT_CONNECTOR, [_CODEC.connector_params(row) for row in rows])
        return rows

    def get(self, connector_id: str) -> Record | None:
        row = self._db.execute(_GET, (connector_id,)).fetchone()
        return None if row is None else _CODEC.connector(row)

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        row = self._db.execute(_GET_BY_NAME, (tenant_id, name)).fetchone()
        return None if row is None else _CODEC.connector(row)

    def list_page(self, tenant_id: str, limit: int) -> list[Record]:
        return [_CODEC.connector(row) for row in self._db.execute(_LIST, (tenant_id, limit))]

    def keyset_page(self, tenant_id: str, after: ConnectorKey | None, limit: int) -> list[Record]:
        if after is None:
            return self.list_page(tenant_id, limit)
        rows = self._db.execute(_KEYSET, (tenant_id, *SQL.after(after), limit))
        return [_CODEC.connector(row) for row in rows]

    def record_connection(self, connector_id: str) -> Record | None:
        now = _CODEC.time_in(now_ms())
        row = self._write(_RECORD_CONNECTION, (now, now, connector_id))
        return None if row is None else _CODEC.connector(row)

    def record_raw_response(self, new: NewResponse) -> Record:
        row = new_response_row(new)
        self._write(_INSERT_RESPONSE, _CODEC.response_params(row))
        return row

    def record_raw_responses(self, new: Sequence[NewResponse]) -> list[Record]:
        rows = [new_response_row(item) for item in new]
        self._write_many(_INSERT_RESPONSE, [_CODEC.response_params(row) for row in rows])
        return rows

    def pending_page(self, owner: str, limit: int) -> list[Record]:
        return [_CODEC.response(row) for row in self._db.execute(_PENDING, (owner, limit))]

    def pending_keyset_page(self, owner: str, after: PendingKey | None, limit: int) -> list[Record]:
        if after is None:
            return self.pending_page(owner, limit)
        key = (_CODEC.time_in(after[0]), _CODEC.uuid_in(after[1]))
        rows = self._db.execute(_PENDING_KEYSET, (owner, *SQL.after(key), limit))
        return [_CODEC.response(row) for row in rows]

    def interpret(self, response_id: UUID, value: dict[str, Any], by: str) -> Record | None:
        params = (dumps(value), _CODEC.time_in(now_ms()), by, _CODEC.uuid_in(response_id))
        row = self._write(_INTERPRET, params)
        return None if row is None else _CODEC.response(row)

    def as_record(self, result: Any) -> Record:
        return dict(result)

    def seed(self, connectors: Iterable[Record], responses: Iterable[Record]) -> None:
        for batch in batches(connectors, 10_000):
            self._write_many(_INSERT_CONNECTOR, [_CODEC.connector_params(row) for row in batch])
        for batch in batches(responses, 10_000):
            self._write_many(_INSERT_RESPONSE, [_CODEC.response_params(row) for row in batch])

    def close(self) -> None:
        self._db.close()

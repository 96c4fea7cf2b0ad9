"""Raw PyMySQL baseline on the store's MariaDB/MySQL database.

What it does, on the tables ``create_schema()`` made (statements: ``sql_rows.Statements("%s")``,
keyset pages in the expanded ``a >= x AND (a > x OR b > y)`` form MariaDB turns into a range):

- one connection in autocommit mode, ``utf8mb4``, the strict ``sql_mode`` our engine sets;
- reads and inserts: one statement each (its own implicit transaction);
- changes with the row back (``record_connection``, ``interpret``): MariaDB has no
  ``UPDATE … RETURNING``, so ``BEGIN``, ``UPDATE``, ``SELECT``, ``COMMIT`` — the row read inside
  the transaction that changed it, as ours does (autocommit would let another writer's change
  slip in between);
- bulk: ``executemany`` (which PyMySQL sends as multi-row ``INSERT``s) in one transaction.

Stored as our backend stores on MariaDB: JSON as compact text, timestamps as integer epoch
milliseconds, response ids as lowercase hex (``sql_rows.MILLIS_AND_HEX``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final
from uuid import UUID

import pymysql
import sqlalchemy as sa
from pymysql.constants import CLIENT

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
from .sql_rows import MILLIS_AND_HEX, Statements

SQL: Final = Statements("%s", row_values=False)
_CODEC: Final = MILLIS_AND_HEX
_SQL_MODE: Final = (
    "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ENGINE_SUBSTITUTION"
)
_INSERT_CONNECTOR: Final = SQL.insert_connector
_INSERT_RESPONSE: Final = SQL.insert_response
_GET: Final = SQL.get
_GET_BY_NAME: Final = SQL.get_by_name
_LIST: Final = SQL.list_page
_KEYSET: Final = SQL.keyset_page
_RECORD_CONNECTION: Final = SQL.record_connection
_PENDING: Final = SQL.pending_page
_PENDING_KEYSET: Final = SQL.pending_keyset_page
_INTERPRET: Final = SQL.interpret
_GET_RESPONSE: Final = SQL.get_response


class RawPyMySQL:
    """PyMySQL, autocommit, one statement per call (a transaction where a row comes back)."""

    label = "raw"

    def __init__(self, url: str) -> None:
        parsed = sa.make_url(url)
        self._db = pymysql.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 3306,
            user=parsed.username or "root",
            password=parsed.password or "",
            database=parsed.database,
            charset="utf8mb4",
            autocommit=True,
            init_command=f"SET SESSION sql_mode = '{_SQL_MODE}'",
            # Matched, not changed, rows (as SQLAlchemy asks): an UPDATE that rewrites the
            # same values still finds its row.
            client_flag=CLIENT.FOUND_ROWS,
        )
        self._cursor = self._db.cursor()

    def _one(self, sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
        cursor = self._cursor
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row

    def _all(self, sql: str, params: Sequence[Any]) -> Sequence[tuple[Any, ...]]:
        cursor = self._cursor
        cursor.execute(sql, params)
        rows: Sequence[tuple[Any, ...]] = cursor.fetchall()
        return rows

    def _update_and_read(
        self, update: str, params: Sequence[Any], read: str, key: Any
    ) -> tuple[Any, ...] | None:
        db, cursor = self._db, self._cursor
        db.begin()
        try:
            changed = cursor.execute(update, params)
            row = self._one(read, (key,)) if changed else None
        except BaseException:
            db.rollback()
            raise
        db.commit()
        return row

    def _write_many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        db = self._db
        db.begin()
        try:
            self._cursor.executemany(sql, params)
        except BaseException:
            db.rollback()
            raise
        db.commit()

    def create_connector(self, new: NewConnector) -> Record:
        row = new_connector_row(new, now_ms())
        self._cursor.execute(_INSERT_CONNECTOR, _CODEC.connector_params(row))
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
        now = _CODEC.time_in(now_ms())
        params = (now, now, connector_id)
        row = self._update_and_read(_RECORD_CONNECTION, params, _GET, connector_id)
        return None if row is None else _CODEC.connector(row)

    def record_raw_response(self, new: NewResponse) -> Record:
        row = new_response_row(new)
        self._cursor.execute(_INSERT_RESPONSE, _CODEC.response_params(row))
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
        key = (_CODEC.time_in(after[0]), _CODEC.uuid_in(after[1]))
        rows = self._all(_PENDING_KEYSET, (owner, *SQL.after(key), limit))
        return [_CODEC.response(row) for row in rows]

    def interpret(self, response_id: UUID, value: dict[str, Any], by: str) -> Record | None:
        key = _CODEC.uuid_in(response_id)
        params = (dumps(value), _CODEC.time_in(now_ms()), by, key)
        row = self._update_and_read(_INTERPRET, params, _GET_RESPONSE, key)
        return None if row is None else _CODEC.response(row)

    def as_record(self, result: Any) -> Record:
        return dict(result)

    def seed(self, connectors: Iterable[Record], responses: Iterable[Record]) -> None:
        for batch in batches(connectors, 2000):
            self._write_many(_INSERT_CONNECTOR, [_CODEC.connector_params(row) for row in batch])
        for batch in batches(responses, 2000):
            self._write_many(_INSERT_RESPONSE, [_CODEC.response_params(row) for row in batch])

    def close(self) -> None:
        self._db.close()

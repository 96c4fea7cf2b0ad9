"""Raw PyMySQL baseline on the store's MariaDB/MySQL database.

What it does, on the tables ``create_schema()`` made (statements: ``sql_rows.Statements("%s")``):

- one connection in autocommit mode, ``utf8mb4``, the strict ``sql_mode`` our engine sets;
- reads and inserts: one statement each (its own implicit transaction);
- changes with the row back (``record_connection``, ``interpret``): MariaDB has no
  ``UPDATE … RETURNING``, so ``BEGIN``, ``UPDATE``, ``SELECT``, ``COMMIT`` — the row read inside
  the transaction that changed it, as ours does (autocommit would let another writer's change
  slip in between);
- bulk: ``executemany`` (which PyMySQL sends as multi-row ``INSERT``s) in one transaction;
- statements in the form ours sends: a tenant's connectors by name alone, keyset pages as
  ``a >= x AND (a > x OR b > y)`` (``sql_rows.Statements``).

Stored as our backend stores on MariaDB: JSON as compact text, timestamps as integer epoch
milliseconds, response ids as lowercase hex (``sql_rows.MILLIS_AND_HEX``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import pymysql
import sqlalchemy as sa
from pymysql.constants import CLIENT

from .raw_sql import RawSql, Row
from .sql_rows import MILLIS_AND_HEX, Statements

_SQL_MODE: Final = (
    "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ENGINE_SUBSTITUTION"
)


class RawPyMySQL(RawSql):
    """PyMySQL, autocommit, one statement per call (a transaction where a row comes back)."""

    sql = Statements("%s")
    codec = MILLIS_AND_HEX
    returning = False

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

    def _one(self, sql: str, params: Sequence[Any]) -> Row | None:
        cursor = self._cursor
        cursor.execute(sql, params)
        row: Row | None = cursor.fetchone()
        return row

    def _all(self, sql: str, params: Sequence[Any]) -> Iterable[Row]:
        cursor = self._cursor
        cursor.execute(sql, params)
        rows: Iterable[Row] = cursor.fetchall()
        return rows

    def _insert(self, sql: str, params: Sequence[Any]) -> None:
        self._cursor.execute(sql, params)

    def _changed(self, update: str, params: Sequence[Any], read: str, key: Any) -> Row | None:
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

    def close(self) -> None:
        self._db.close()

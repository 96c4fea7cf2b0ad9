"""Raw ``sqlite3`` baseline on the store's SQLite file.

What it does, on the tables ``create_schema()`` made (statements: ``sql_rows.Statements("?")``):

- one ``sqlite3`` connection in autocommit mode (``isolation_level=None``) with WAL,
  ``synchronous=NORMAL`` and a busy timeout, as our engine sets them;
- reads: one ``SELECT`` without an explicit transaction, each row decoded into a dict;
- writes: one transaction each, ``BEGIN IMMEDIATE`` … ``COMMIT`` (as ours does: a writer waits
  for the lock rather than failing on upgrade), an update's row back through ``RETURNING``;
- bulk: one transaction around one ``executemany``;
- statements in the form ours sends: a tenant's connectors by name alone, keyset pages as
  ``a >= x AND (a > x OR b > y)`` (``sql_rows.Statements``).

Stored as our backend stores on SQLite: JSON as compact text, timestamps as integer epoch
milliseconds, response ids as lowercase hex (``sql_rows.MILLIS_AND_HEX``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from .raw_sql import RawSql, Row
from .sql_rows import MILLIS_AND_HEX, Statements


class RawSqlite(RawSql):
    """``sqlite3`` on the store's file."""

    sql = Statements("?")
    codec = MILLIS_AND_HEX
    seed_batch = 10_000

    def __init__(self, path: str) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA busy_timeout = 30000")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")

    def _one(self, sql: str, params: Sequence[Any]) -> Row | None:
        row: Row | None = self._db.execute(sql, params).fetchone()
        return row

    def _all(self, sql: str, params: Sequence[Any]) -> Iterable[Row]:
        return self._db.execute(sql, params)

    def _write(self, sql: str, params: Sequence[Any]) -> Row | None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            row: Row | None = db.execute(sql, params).fetchone()
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return row

    def _insert(self, sql: str, params: Sequence[Any]) -> None:
        self._write(sql, params)

    def _changed(self, update: str, params: Sequence[Any], read: str, key: Any) -> Row | None:
        return self._write(update, params)  # RETURNING

    def _write_many(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(sql, params)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

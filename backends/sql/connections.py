"""One DB-API connection of the store, in autocommit mode, and how statements run on it.

A single statement on it is its own atomic transaction in one round trip; work of several
statements says ``BEGIN`` itself (``execution.py``). Every failure is looked at once: one that
lost the connection marks it ``broken``, so the pool (``pool.py``) closes it instead of handing
it out again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from .prepared import Prepared, Row

StatementListener = Callable[[str], None]
"""Hears the SQL text of every statement a store's connections run (tests and tooling)."""


class DbConnection:
    """One DB-API connection in autocommit mode and what the pool knows about it."""

    __slots__ = ("_is_disconnect", "_listeners", "broken", "dbapi", "idle_since")

    def __init__(
        self,
        dbapi: Any,
        is_disconnect: Callable[[BaseException, Any], bool],
        listeners: list[StatementListener],
    ) -> None:
        self.dbapi = dbapi
        self.idle_since = time.monotonic()
        self.broken = False
        self._is_disconnect = is_disconnect
        self._listeners = listeners

    def notice(self, error: BaseException) -> None:
        """Remember that ``error`` lost the connection, so it is not reused."""
        if not self.broken and self._is_disconnect(error, self.dbapi):
            self.broken = True

    def cursor(self, sql: str) -> Any:
        """A new DB-API cursor to run ``sql`` on (a failure to get one on a lost connection is
        noticed; statement listeners hear of ``sql``)."""
        for listener in self._listeners:
            listener(sql)
        try:
            return self.dbapi.cursor()
        except Exception as error:
            self.notice(error)
            raise

    def fetch_one(self, prepared: Prepared, values: dict[str, Any]) -> Row | None:
        """Run a statement; its first row (None when there is none)."""
        cursor = self.cursor(prepared.sql)
        try:
            cursor.execute(prepared.sql, prepared.parameters(values))
            row: Row | None = cursor.fetchone()
            return row
        except Exception as error:
            self.notice(error)
            raise
        finally:
            cursor.close()

    def fetch_all(self, prepared: Prepared, values: dict[str, Any]) -> list[Row]:
        """Run a statement; all its rows."""
        cursor = self.cursor(prepared.sql)
        try:
            cursor.execute(prepared.sql, prepared.parameters(values))
            return list(cursor.fetchall())
        except Exception as error:
            self.notice(error)
            raise
        finally:
            cursor.close()

    def execute(self, prepared: Prepared, values: dict[str, Any]) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        cursor = self.cursor(prepared.sql)
        try:
            cursor.execute(prepared.sql, prepared.parameters(values))
            return int(cursor.rowcount)
        except Exception as error:
            self.notice(error)
            raise
        finally:
            cursor.close()

    def execute_many(self, prepared: Prepared, rows: list[dict[str, Any]]) -> None:
        """Run a statement once per set of values, as one batch of the driver."""
        cursor = self.cursor(prepared.sql)
        try:
            cursor.executemany(prepared.sql, [prepared.parameters(row) for row in rows])
        except Exception as error:
            self.notice(error)
            raise
        finally:
            cursor.close()

    def fetch_after(self, write: Prepared, read: Prepared, values: dict[str, Any]) -> Row | None:
        """Run ``write`` then ``read`` in one transaction and one round trip; the read's first
        row. For MariaDB/MySQL, which lack ``UPDATE … RETURNING``: the four statements go as one
        batch (the connection allows several statements per call; every value in them is
        escaped by the driver, never pasted in). Only outside a transaction: the batch begins
        and commits its own."""
        sql = f"START TRANSACTION; {write.sql}; {read.sql}; COMMIT"
        parameters = {**write.parameters(values), **read.parameters(values)}  # type: ignore[dict-item]
        cursor = self.cursor(sql)
        try:
            cursor.execute(sql, parameters)
            cursor.nextset()  # the write
            cursor.nextset()  # the read
            row: Row | None = cursor.fetchone()
            while cursor.nextset():  # COMMIT
                pass
            return row
        except Exception as error:
            self.notice(error)
            if not self.broken:
                with suppress(Exception):
                    self.dbapi.rollback()
            raise
        finally:
            cursor.close()

    def command(self, sql: str) -> None:
        """Run a fixed statement (BEGIN, COMMIT, SAVEPOINT …)."""
        cursor = self.cursor(sql)
        try:
            cursor.execute(sql)
        except Exception as error:
            self.notice(error)
            raise
        finally:
            cursor.close()

    def close(self) -> None:
        """Close the DB-API connection; a failure to close a dead one changes nothing."""
        with suppress(Exception):
            self.dbapi.close()

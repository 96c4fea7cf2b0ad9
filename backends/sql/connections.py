"""One DB-API connection of the store, in autocommit mode, and how statements run on it.

A single statement on it is its own atomic transaction in one round trip; work of several
statements says ``BEGIN`` itself (``execution.py``). Every failure is looked at once: one that
lost the connection marks it ``broken``, so the pool (``pool.py``) closes it instead of handing
it out again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from typing import Any, Final

from integration_store.errors import IntegrationStoreError

from .copying import CopyPlan
from .prepared import Prepared, Row

StatementListener = Callable[[str, bool], None]
"""Hears the SQL text of every statement a store's connections run, and whether it runs as one
``executemany`` batch (tests and tooling)."""


class DbConnection:
    """One DB-API connection in autocommit mode, its one reused cursor, and whether it is lost.

    A connection serves one call at a time, so one cursor serves all its statements: making and
    closing a cursor per statement costs more than a one-row read on some drivers.
    """

    __slots__ = (
        "_cursor",
        "_is_disconnect",
        "_listeners",
        "_max_statement_bytes",
        "broken",
        "dbapi",
        "idle_since",
        "socket",
    )

    def __init__(
        self,
        dbapi: Any,
        is_disconnect: Callable[[BaseException, Any], bool],
        listeners: list[StatementListener],
        *,
        max_statement_bytes: int | None = None,
    ) -> None:
        self.dbapi = dbapi
        self._max_statement_bytes = max_statement_bytes
        self.socket = _socket_of(dbapi)
        """The connection's socket, where the driver tells it (the pool polls it)."""
        self.idle_since = time.monotonic()
        self.broken = False
        self._is_disconnect = is_disconnect
        self._listeners = listeners
        self._cursor: Any = None

    def _new_cursor(self) -> Any:
        """The connection's cursor, made on first use; PyMySQL's told how long a statement
        its ``executemany`` may build (it splits at a megabyte otherwise)."""
        cursor = self._cursor = self.dbapi.cursor()
        if self._max_statement_bytes is not None:
            cursor.max_stmt_length = self._max_statement_bytes
        return cursor

    def notice(self, error: BaseException) -> None:
        """Remember that ``error`` lost the connection, so it is not reused."""
        if not self.broken and self._is_disconnect(error, self.dbapi):
            self.broken = True

    def _execute(self, sql: str, parameters: Any = None) -> Any:
        """Run one statement (or batch) on the connection's cursor; the cursor, for its results.
        Statement listeners hear of ``sql``; an error that lost the connection is noticed."""
        for listener in self._listeners:
            listener(sql, False)
        try:
            cursor = self._cursor
            if cursor is None:
                cursor = self._new_cursor()
            if parameters is None:
                cursor.execute(sql)
            else:
                cursor.execute(sql, parameters)
            return cursor
        except Exception as error:
            self.notice(error)
            raise

    def fetch_one(self, prepared: Prepared, values: dict[str, Any]) -> Row | None:
        """Run a statement of at most one row; that row (None when there is none).

        Always read to the end: SQLite ends a statement (and, for a write with ``RETURNING``
        outside a transaction, commits it) only once it has stepped past its last row.
        """
        cursor = self._execute(prepared.sql, prepared.parameters(values))
        try:
            rows = cursor.fetchall()
            return rows[0] if rows else None
        except Exception as error:
            self.notice(error)
            raise

    def fetch_all(self, prepared: Prepared, values: dict[str, Any]) -> list[Row]:
        """Run a statement; all its rows."""
        cursor = self._execute(prepared.sql, prepared.parameters(values))
        try:
            return list(cursor.fetchall())
        except Exception as error:
            self.notice(error)
            raise

    def execute(self, prepared: Prepared, values: dict[str, Any]) -> int:
        """Run a statement that returns no rows; how many rows it changed."""
        return int(self._execute(prepared.sql, prepared.parameters(values)).rowcount)

    def execute_many(self, prepared: Prepared, rows: list[dict[str, Any]]) -> int:
        """Run a statement once per set of values, as one batch of the driver; how many rows
        the batch changed (sqlite3, psycopg and PyMySQL sum them over the batch)."""
        for listener in self._listeners:
            listener(prepared.sql, True)
        try:
            if self._cursor is None:
                self._new_cursor()
            self._cursor.executemany(prepared.sql, [prepared.parameters(row) for row in rows])
            return int(self._cursor.rowcount)
        except Exception as error:
            self.notice(error)
            raise

    def copy_rows(self, plan: CopyPlan, records: Iterable[Mapping[str, Any]]) -> None:
        """Stream records into a PostgreSQL ``COPY … FROM STDIN`` (psycopg's copy protocol), each
        record's row made as it is written.

        Each block of psycopg's buffer goes to the server at once (not after a megabyte,
        psycopg's default), so the server stores one block while the next is made. A value a
        binary COPY cannot encode raises ``IntegrationStoreError`` naming its record (the COPY
        is aborted: nothing of it is stored), never the encoder's own error, which may quote
        it."""
        for listener in self._listeners:
            listener(plan.sql, True)
        try:
            if self._cursor is None:
                self._new_cursor()
            writer = _flushing_writer(self._cursor)
            with self._cursor.copy(plan.sql, writer=writer) as copy:
                if plan.types is not None:
                    copy.set_types(plan.types)
                row = plan.values
                for index, record in enumerate(records):
                    try:
                        copy.write_row(row(record))
                    except (TypeError, ValueError, OverflowError, AttributeError) as error:
                        raise IntegrationStoreError(
                            f"record {index} of the batch has a value its column cannot hold "
                            f"({type(error).__name__}); nothing of the batch is stored"
                        ) from None
        except Exception as error:
            self.notice(error)
            raise

    def fetch_after(self, write: Prepared, read: Prepared, values: dict[str, Any]) -> Row | None:
        """Run ``write`` then ``read`` in one transaction and one round trip; the read's first
        row. For MariaDB/MySQL, which lack ``UPDATE … RETURNING``: the four statements go as one
        batch (the connection allows several statements per call; every value in them is
        escaped by the driver, never pasted in). Only outside a transaction: the batch begins
        and commits its own."""
        sql = f"START TRANSACTION; {write.sql}; {read.sql}; COMMIT"
        parameters = {**write.parameters(values), **read.parameters(values)}  # type: ignore[dict-item]
        try:
            cursor = self._execute(sql, parameters)
            cursor.nextset()  # the write
            cursor.nextset()  # the read
            rows = cursor.fetchall()
            row: Row | None = rows[0] if rows else None
            while cursor.nextset():  # COMMIT
                pass
            return row
        except Exception as error:
            self.notice(error)
            if not self.broken:
                with suppress(Exception):
                    self.dbapi.rollback()
            raise

    def end_transaction(self) -> None:
        """Roll back whatever transaction a failed call left open (a COMMIT the database
        refused, a batch stopped half-way), so the next call does not silently join it; a
        connection that cannot even do that is marked lost."""
        try:
            if _in_transaction(self.dbapi):
                self.dbapi.rollback()
        except Exception:
            self.broken = True

    def command(self, sql: str) -> None:
        """Run a fixed statement (BEGIN, COMMIT, SAVEPOINT …)."""
        self._execute(sql)

    def close(self) -> None:
        """Close the DB-API connection; a failure to close a dead one changes nothing."""
        with suppress(Exception):
            self.dbapi.close()


def _socket_of(dbapi: Any) -> int | None:
    """The file descriptor of a driver connection's socket: psycopg's ``fileno()``, PyMySQL's
    socket object (it has no public accessor); None for SQLite and drivers that hide it."""
    fileno = getattr(dbapi, "fileno", None)
    if callable(fileno):  # psycopg
        return int(fileno())
    sock = getattr(dbapi, "_sock", None)  # PyMySQL
    return int(sock.fileno()) if sock is not None else None


def _in_transaction(dbapi: Any) -> bool:
    """Whether the driver's connection is inside a transaction (sqlite3, psycopg, PyMySQL)."""
    if hasattr(dbapi, "in_transaction"):  # sqlite3
        return bool(dbapi.in_transaction)
    info = getattr(dbapi, "info", None)
    if info is not None:  # psycopg: IDLE is 0
        return bool(info.transaction_status)
    return bool(getattr(dbapi, "server_status", 0) & _MYSQL_IN_TRANSACTION)


_MYSQL_IN_TRANSACTION: Final = 0x1
"""PyMySQL's ``SERVER_STATUS.SERVER_STATUS_IN_TRANS``."""


def _flushing_writer(cursor: Any) -> Any:
    """psycopg's COPY writer, flushing every block it is given (``flush_threshold=0``)."""
    from psycopg.copy import LibpqWriter  # only PostgreSQL connections copy

    return LibpqWriter(cursor, flush_threshold=0)

"""The store's own DB-API connections: kept in autocommit mode, handed out without a round trip.

SQLAlchemy's pool checks each connection out with a ``SELECT 1`` pre-ping and wraps it in
objects a one-row call does not need. Here a connection is made once through the engine (so the
engine's connect hooks still set SQLite's pragmas and MariaDB's SQL mode), then taken from the
engine's pool for good and kept in *autocommit* mode: a single statement is its own atomic
transaction in one round trip, and work of several statements says ``BEGIN`` itself.

A dropped connection (a server restart, a killed session) is noticed without a ping per call:
a connection idle for longer than ``PING_AFTER_IDLE_SECONDS`` is pinged before a write, a read
that fails for a lost connection is run again once on a new one (reading twice changes
nothing), and a connection that failed that way is closed with every idle one beside it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import Any, Final

from sqlalchemy.engine import Dialect, Engine

from integration_store.errors import BackendUnavailableError, StoreClosedError

from .prepared import Prepared, Row

MAX_CONNECTIONS: Final = 20
"""Connections one store opens at most; a call waits for a free one beyond that."""

WAIT_FOR_CONNECTION_SECONDS: Final = 30
"""How long a call waits for a free connection before ``BackendUnavailableError``."""

StatementListener = Callable[[str], None]
"""Hears the SQL text of every statement a store's connections run (tests and tooling)."""

PING_AFTER_IDLE_SECONDS: Final = 1.0
"""A connection idle this long may have been dropped by the server; it is pinged before a
write (a read just retries), so a restart costs no failed call."""


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


class ConnectionPool:
    """Hands out the store's connections: at most ``MAX_CONNECTIONS``, idle ones reused newest
    first. ``shared`` (``sqlite://``): one connection for the store's life, as its in-memory
    database lives in it; the store then serialises every call itself."""

    def __init__(self, engine: Engine, *, shared: bool, ping: bool) -> None:
        self._engine = engine
        self._shared: DbConnection | None = None
        self._make_shared = shared
        self._ping = ping
        self._idle: deque[DbConnection] = deque()
        self._capacity = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._closed = False
        self.listeners: list[StatementListener] = []

    def _open(self) -> DbConnection:
        pooled = self._engine.raw_connection()  # runs the engine's connect hooks
        dialect = self._engine.dialect
        dbapi = pooled.dbapi_connection
        if self._make_shared:
            pooled.close()  # back to the engine's StaticPool, which keeps it open and shares it
        else:
            pooled.detach()  # ours from now on; the engine's pool serves only schema work
        _set_autocommit(dialect.name, dbapi)
        return DbConnection(dbapi, partial(_is_disconnect, dialect), self.listeners)

    def acquire(self, *, for_write: bool) -> tuple[DbConnection, bool]:
        """A connection for one call, and whether it had been used before (so a failure for a
        lost connection may mean only that it went stale while idle)."""
        if self._closed:
            raise StoreClosedError("the store is closed")
        if self._make_shared:
            if self._shared is None:
                self._shared = self._open()
            return self._shared, True
        if not self._capacity.acquire(timeout=WAIT_FOR_CONNECTION_SECONDS):
            raise BackendUnavailableError(
                f"no database connection free within {WAIT_FOR_CONNECTION_SECONDS} s "
                f"({MAX_CONNECTIONS} in use)"
            )
        try:
            while True:
                try:
                    connection = self._idle.pop()
                except IndexError:
                    return self._open(), False
                if for_write and self._ping and self._stale(connection):
                    continue
                return connection, True
        except BaseException:
            self._capacity.release()
            raise

    def _stale(self, connection: DbConnection) -> bool:
        """Ping a connection that sat idle long enough to have been dropped; close it if so."""
        if time.monotonic() - connection.idle_since < PING_AFTER_IDLE_SECONDS:
            return False
        try:
            connection.command("SELECT 1")
        except Exception as error:
            connection.close()
            if not connection.broken:
                connection.notice(error)
            return True
        return False

    def release(self, connection: DbConnection) -> None:
        """Take a connection back; a lost one is closed, with every idle one (a server that
        dropped one has usually dropped them all)."""
        if self._make_shared:
            return
        try:
            if connection.broken or self._closed:
                connection.close()
                if connection.broken:
                    self.discard_idle()
            else:
                connection.idle_since = time.monotonic()
                self._idle.append(connection)
        finally:
            self._capacity.release()

    def discard_idle(self) -> None:
        """Close every idle connection."""
        while True:
            try:
                connection = self._idle.pop()
            except IndexError:
                return
            connection.close()

    def close(self) -> None:
        """Close idle connections now, busy ones when they come back."""
        self._closed = True
        self.discard_idle()
        if self._shared is not None:
            self._shared = None  # the engine's StaticPool owns it and closes it on dispose


def _is_disconnect(dialect: Dialect, error: BaseException, dbapi: Any) -> bool:
    """SQLAlchemy's judgement, per dialect, of whether a driver error lost the connection."""
    return isinstance(error, Exception) and dialect.is_disconnect(error, dbapi, None)  # type: ignore[arg-type]


def _set_autocommit(dialect_name: str, dbapi: Any) -> None:
    """Every statement its own transaction until a ``BEGIN``. (SQLite's connect hook already
    took transaction control from pysqlite.)"""
    if dialect_name == "postgresql":
        dbapi.autocommit = True
    elif dialect_name != "sqlite":
        dbapi.autocommit(True)

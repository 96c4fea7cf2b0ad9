"""The store's own connections: made through the engine, handed out without a round trip.

SQLAlchemy's pool checks each connection out with a ``SELECT 1`` pre-ping and wraps it in
objects a one-row call does not need. Here a connection is made once through the engine (so the
engine's connect hooks still set SQLite's pragmas and MariaDB's SQL mode), then taken from the
engine's pool for good and kept in autocommit mode. Taking an idle connection and giving it back
are single operations on a deque, with no lock; only a call that finds none idle takes one.

A dropped connection (a server restart, a killed session) is noticed without a round trip:
before a write, the connection's socket is polled (zero timeout). A healthy idle connection
receives nothing unasked, while a dropped one has the server's close (and its last words)
waiting, so only a connection with something waiting is pinged, and closed if the ping fails: the
write then goes to a live connection instead of failing with an unknown outcome. A read, or a
write that had not sent its statement or ``COMMIT``, that fails for a lost connection runs again
once on a new one (``execution.py``: nothing of it was applied), and a connection that failed
that way is closed with every idle one beside it.
For a driver whose socket is not known, a connection idle for ``PING_AFTER_IDLE_SECONDS`` is
pinged before a write instead.
"""

from __future__ import annotations

import select
import threading
import time
from collections import deque
from typing import Any, Final

from sqlalchemy.engine import Dialect, Engine

from integration_store.errors import BackendUnavailableError, StoreClosedError

from .connections import DbConnection, StatementListener
from .engine import MAX_STATEMENT_BYTES

MAX_CONNECTIONS: Final = 20
"""Connections one store opens at most; a call waits for a free one beyond that."""

WAIT_FOR_CONNECTION_SECONDS: Final = 30
"""How long a call waits for a free connection before ``BackendUnavailableError``."""

PING_AFTER_IDLE_SECONDS: Final = 1.0
"""For a driver whose socket cannot be polled: a connection idle this long may have been
dropped by the server, so it is pinged before a write."""

_RECHECK_SECONDS: Final = 0.05
"""How often a waiting call looks for a returned connection it was not woken for."""


class ConnectionPool:
    """Hands out the store's connections: at most ``MAX_CONNECTIONS``, idle ones reused newest
    first. ``shared`` (``sqlite://``): one connection for the store's life, as its in-memory
    database lives in it; the store then serialises every call itself."""

    def __init__(self, engine: Engine, *, shared: bool, ping: bool) -> None:
        self._engine = engine
        self._shared_mode = shared
        self._shared: DbConnection | None = None
        self._ping = ping
        self._idle: deque[DbConnection] = deque()
        self._opened = 0
        self._waiting = 0
        self._returned = threading.Condition(threading.Lock())
        self._closed = False
        self.listeners: list[StatementListener] = []

    def acquire(self, *, for_write: bool) -> tuple[DbConnection, bool]:
        """A connection for one call, and whether it had been used before (so a failure for a
        lost connection may mean only that it went stale while idle)."""
        if self._closed:
            raise StoreClosedError("the store is closed")
        if self._shared_mode:
            if self._shared is None:
                self._shared = self._open()
            return self._shared, True
        if not self._waiting:  # a waiting call gets the next connection back first
            while True:
                try:
                    connection = self._idle.pop()
                except IndexError:
                    break
                if not (for_write and self._ping and self._stale(connection)):
                    return connection, True
        return self._new_or_returned(for_write=for_write)

    def _new_or_returned(self, *, for_write: bool) -> tuple[DbConnection, bool]:
        """An idle connection, else a new one while fewer than the maximum are open, else wait
        for one back. (A candidate is pinged outside the lock: a ping is a round trip, and a
        failed one gives its place back under the lock.)"""
        deadline = time.monotonic() + WAIT_FOR_CONNECTION_SECONDS
        while True:
            candidate = self._reserve(deadline)
            if candidate is None:
                break
            if not (for_write and self._ping and self._stale(candidate)):
                return candidate, True
        try:
            return self._open(), False
        except BaseException:
            self._forget()
            raise

    def _reserve(self, deadline: float) -> DbConnection | None:
        """Under the lock: an idle connection, or None having counted a new one in."""
        with self._returned:
            self._waiting += 1
            try:
                while True:
                    if self._closed:
                        raise StoreClosedError("the store is closed")
                    if self._idle:
                        return self._idle.pop()
                    if self._opened < MAX_CONNECTIONS:
                        self._opened += 1
                        return None
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise BackendUnavailableError(
                            f"no database connection free within {WAIT_FOR_CONNECTION_SECONDS} s "
                            f"({MAX_CONNECTIONS} in use)"
                        )
                    self._returned.wait(min(remaining, _RECHECK_SECONDS))
            finally:
                self._waiting -= 1

    def _open(self) -> DbConnection:
        pooled = self._engine.raw_connection()  # runs the engine's connect hooks
        dialect = self._engine.dialect
        dbapi = pooled.dbapi_connection
        max_statement_bytes = pooled.info.get(MAX_STATEMENT_BYTES)
        if self._shared_mode:
            pooled.close()  # back to the engine's StaticPool, which keeps it open and shares it
        else:
            pooled.detach()  # ours from now on; the engine's pool serves only schema work
        _set_autocommit(dialect.name, dbapi)
        return DbConnection(
            dbapi,
            lambda error, raw: _is_disconnect(dialect, error, raw),
            self.listeners,
            max_statement_bytes=max_statement_bytes,
        )

    def _forget(self) -> None:
        """One connection fewer is open (closed, or never made)."""
        with self._returned:
            self._opened -= 1
            self._returned.notify()

    def _stale(self, connection: DbConnection) -> bool:
        """Whether an idle connection about to take a write was dropped (then closed): pinged
        only when ``_may_be_dropped`` says so."""
        if not _may_be_dropped(connection):
            return False
        try:
            connection.command("SELECT 1")
        except Exception:
            connection.close()
            self._forget()
            return True
        return False

    def release(self, connection: DbConnection) -> None:
        """Take a connection back; a lost one is closed, with every idle one (a server that
        dropped one has usually dropped them all)."""
        if self._shared_mode:
            connection.end_transaction()
            return
        if not connection.broken:
            connection.end_transaction()
        if connection.broken or self._closed:
            connection.close()
            self._forget()
            if connection.broken:
                self.discard_idle()
            return
        connection.idle_since = time.monotonic()
        self._idle.append(connection)
        if self._closed:  # closed meanwhile: nobody will take it
            self.discard_idle()
        if self._waiting:
            with self._returned:
                self._returned.notify()

    def discard_idle(self) -> None:
        """Close every idle connection."""
        while True:
            try:
                connection = self._idle.pop()
            except IndexError:
                return
            connection.close()
            self._forget()

    def close(self) -> None:
        """Close idle connections now, busy ones when they come back."""
        self._closed = True
        self.discard_idle()
        self._shared = None  # the engine's StaticPool owns a shared one and closes it on dispose


def _may_be_dropped(connection: DbConnection) -> bool:
    """Whether the server sent something to (or closed) an idle connection, by a zero-timeout
    poll of its socket; without a socket, whether it sat idle long enough to have been dropped."""
    if connection.socket is None:
        return time.monotonic() - connection.idle_since >= PING_AFTER_IDLE_SECONDS
    if _CAN_POLL:
        poller = select.poll()
        poller.register(connection.socket, select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))  # a hang-up or error is reported as well
    readable, _, failed = select.select([connection.socket], [], [connection.socket], 0)
    return bool(readable or failed)


_CAN_POLL: Final = hasattr(select, "poll")
"""``select.poll`` (not on Windows) takes any descriptor; ``select.select`` only those below
``FD_SETSIZE``."""


# psycopg raises this from its wait loop when the socket goes away, before libpq has marked the
# connection bad, so SQLAlchemy's check (which asks the connection) can still answer no.
_SOCKET_CLOSED: Final = "connection socket closed"


def _is_disconnect(dialect: Dialect, error: BaseException, dbapi: Any) -> bool:
    """Whether a driver error lost the connection: SQLAlchemy's judgement, per dialect, and the
    one psycopg error it can miss."""
    if not isinstance(error, Exception):
        return False
    if dialect.is_disconnect(error, dbapi, None):  # type: ignore[arg-type]
        return True
    return dialect.driver == "psycopg" and str(error) == _SOCKET_CLOSED


def _set_autocommit(dialect_name: str, dbapi: Any) -> None:
    """Every statement its own transaction until a ``BEGIN``. (SQLite's connect hook already
    took transaction control from pysqlite.)"""
    if dialect_name == "postgresql":
        dbapi.autocommit = True
    elif dialect_name != "sqlite":
        dbapi.autocommit(True)

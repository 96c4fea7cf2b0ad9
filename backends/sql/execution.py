"""How a storage call reaches the database: alone, or inside the unit of work's transaction.

Storages hand a function of a ``DbConnection`` to a ``Runner`` and say what it does: whether it
writes, and whether it is a single statement (which the database makes atomic by itself, so
outside a unit of work it runs in one round trip with no ``BEGIN``/``COMMIT``). Work of several
statements gets a transaction; inside a unit of work an insert gets a SAVEPOINT, so a conflict
does not poison the transaction. Both runners translate database errors (``errors.py``), so no
driver exception escapes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Final, NoReturn, Protocol, TypeVar

from sqlalchemy.engine import Dialect

from integration_store.errors import BackendUnavailableError, OutcomeUnknownError

from .connections import DbConnection
from .errors import translate
from .pool import ConnectionPool

T = TypeVar("T")

Work = Callable[[DbConnection], T]

_SAVEPOINT: Final = "integration_store_call"


def begin_statement(dialect: Dialect, *, write: bool) -> str:
    """``BEGIN`` as the dialect wants it. SQLite takes the write lock up front for a writer
    (waiting out the busy timeout) instead of failing to upgrade a read lock later."""
    if dialect.name == "sqlite":
        return "BEGIN IMMEDIATE" if write else "BEGIN DEFERRED"
    return "BEGIN"


def library_error(error: Exception) -> Exception:
    """The library's error for a database error (the caller raises it ``from`` the original)."""
    translated = translate(error)
    return error if translated is None else translated


def raise_translated(translated: Exception, error: Exception) -> NoReturn:
    """Raise the library's error ``from`` the database's. An error that was no database error
    (the library's own, or a bug's) is raised as it is: ``raise e from e`` would make it its own
    cause, and code walking ``__cause__`` would never stop."""
    if translated is error:
        raise error
    raise translated from error


def unknown_outcome(error: Exception) -> OutcomeUnknownError:
    """The error for a write whose connection was lost after it was sent."""
    return OutcomeUnknownError(
        f"the connection was lost after the write was sent; the database may or may not have "
        f"applied it: {library_error(error)}"
    )


def commit(connection: DbConnection) -> None:
    """``COMMIT`` a transaction: a connection lost on the way leaves the outcome unknown (the
    database may have committed before the reply was lost); any other failure means the
    database did not commit."""
    try:
        connection.command("COMMIT")
    except Exception as error:
        if connection.broken:
            raise unknown_outcome(error) from error
        raise


class _Attempt:
    """How far one call got: the connection it used, and whether its write was sent (a single
    statement) or its ``COMMIT`` was (several). Before that, a lost connection leaves nothing
    applied: the database rolls back the open transaction of a connection that goes away."""

    __slots__ = ("connection", "sent")

    def __init__(self) -> None:
        self.connection: DbConnection | None = None
        self.sent = False

    def outcome(self, error: Exception) -> Exception:
        """The library's error for how the call failed."""
        translated = library_error(error)
        if (
            self.sent
            and self.connection is not None
            and self.connection.broken
            and isinstance(translated, BackendUnavailableError)
        ):
            return unknown_outcome(error)
        return translated


class Runner(Protocol):
    """Runs a storage call's statements on a connection, atomically."""

    dialect: Dialect
    in_transaction: bool
    """True when every call runs inside the unit of work's transaction."""

    def run(self, work: Work[T], *, write: bool, single: bool = False) -> T:
        """Run ``work``; ``write``: it changes rows; ``single``: it is one statement (or one
        batch that makes itself atomic)."""
        ...

    def insert(self, work: Work[T], *, single: bool) -> T:
        """Run inserts whose conflict must leave an enclosing transaction usable; ``single``:
        one statement (atomic alone), else several (a batch) made atomic together."""
        ...


class TransactionRunner:
    """Runs every call on the unit of work's connection, inside its transaction."""

    in_transaction = True

    def __init__(self, connection: DbConnection, dialect: Dialect) -> None:
        self._connection = connection
        self.dialect = dialect

    def run(self, work: Work[T], *, write: bool, single: bool = False) -> T:
        try:
            return work(self._connection)
        except Exception as error:
            raise_translated(library_error(error), error)

    def insert(self, work: Work[T], *, single: bool) -> T:
        connection = self._connection
        try:
            connection.command(f"SAVEPOINT {_SAVEPOINT}")
            try:
                result = work(connection)
            except Exception:
                connection.command(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
                raise
            connection.command(f"RELEASE SAVEPOINT {_SAVEPOINT}")
            return result
        except Exception as error:
            raise_translated(library_error(error), error)


class AutocommitRunner:
    """Gives each call its own transaction on a connection of the store's pool."""

    in_transaction = False

    def __init__(self, pool: ConnectionPool, dialect: Dialect) -> None:
        self._pool = pool
        self.dialect = dialect

    def run(self, work: Work[T], *, write: bool, single: bool = False) -> T:
        attempt = _Attempt()
        try:
            return self._run(work, write=write, single=single, attempt=attempt)
        except Exception as error:
            raise_translated(attempt.outcome(error), error)

    def insert(self, work: Work[T], *, single: bool) -> T:
        return self.run(work, write=True, single=single)

    def _run(self, work: Work[T], *, write: bool, single: bool, attempt: _Attempt) -> T:
        connection, reused = self._pool.acquire(for_write=write)
        attempt.connection = connection
        try:
            return self._once(connection, work, write=write, single=single, attempt=attempt)
        except Exception:
            if attempt.sent or not reused or not connection.broken:
                raise
        finally:
            self._pool.release(connection)
        # A connection that went stale while idle, and nothing applied: a read, or a write that
        # never sent its single statement or its COMMIT (the database rolled the rest back when
        # the connection went). Running it again on a new connection changes nothing twice.
        connection, _ = self._pool.acquire(for_write=write)
        attempt.connection = connection
        try:
            return self._once(connection, work, write=write, single=single, attempt=attempt)
        finally:
            self._pool.release(connection)

    def _once(
        self,
        connection: DbConnection,
        work: Work[T],
        *,
        write: bool,
        single: bool,
        attempt: _Attempt,
    ) -> T:
        if single:
            attempt.sent = write
            return work(connection)
        connection.command(begin_statement(self.dialect, write=write))
        try:
            result = work(connection)
            attempt.sent = write
            connection.command("COMMIT")
        except BaseException:
            # The work's (or COMMIT's) own error is the one to report; a transaction still
            # open after a failed ROLLBACK is ended when the pool takes the connection back.
            with suppress(Exception):
                connection.command("ROLLBACK")
            raise
        return result

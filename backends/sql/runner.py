"""How a storage call reaches the database: in its own transaction, or inside a shared one.

Storages hand a function of a ``Connection`` to a ``Runner``. The autocommit runner gives each
call its own transaction; the transaction runner runs every call on the unit of work's connection,
guarding inserts with a SAVEPOINT so a conflict does not poison the transaction. Both translate
database errors into the library's errors, so no driver exception escapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Engine

from integration_store.errors import (
    BackendUnavailableError,
    ConflictError,
    IntegrationStoreError,
)

from .dialects import is_schema_error, is_unavailable, is_unique_violation

T = TypeVar("T")

Work = Callable[[Connection], T]

READ_ONLY_OPTION = "integration_store_read_only"
"""Execution option marking a connection whose transaction only reads (SQLite begins it
DEFERRED instead of IMMEDIATE, so readers do not queue behind writers)."""

_UNAVAILABLE = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,
)


@contextmanager
def translated_errors(dbapi_error: type[BaseException] | None = None) -> Iterator[None]:
    """Turn SQLAlchemy and driver exceptions into the library's, chaining the original.

    A duplicate key becomes the bare ``ConflictError`` (the service picks the specific one); a
    lost or refused connection becomes ``BackendUnavailableError``; anything else from the
    database becomes ``IntegrationStoreError``.
    """
    try:
        yield
    except sa_exc.IntegrityError as error:
        if is_unique_violation(error):
            raise ConflictError(f"unique key violated: {error.orig}") from error
        raise IntegrationStoreError(f"the database refused the write: {error.orig}") from error
    except sa_exc.DBAPIError as error:
        if is_unavailable(error):
            raise BackendUnavailableError(f"the database is unavailable: {error.orig}") from error
        hint = " (has store.create_schema() been run?)" if is_schema_error(error) else ""
        raise IntegrationStoreError(f"the database failed: {error.orig}{hint}") from error
    except _UNAVAILABLE as error:
        raise BackendUnavailableError(f"the database is unavailable: {error}") from error
    except sa_exc.SQLAlchemyError as error:
        raise IntegrationStoreError(f"the database layer failed: {error}") from error
    except Exception as error:
        # A driver exception SQLAlchemy did not wrap (raised in a connect hook, say).
        if dbapi_error is not None and isinstance(error, dbapi_error):
            if _looks_like_connection_error(error):
                raise BackendUnavailableError(f"the database is unavailable: {error}") from error
            raise IntegrationStoreError(f"the database failed: {error}") from error
        raise


def _looks_like_connection_error(error: BaseException) -> bool:
    return type(error).__name__ in ("OperationalError", "InterfaceError")


class Runner(Protocol):
    """Runs a storage call's statements on a connection, atomically."""

    def run(self, work: Work[T], *, write: bool, savepoint: bool = False) -> T:
        """Run ``work``; ``write`` says whether it changes rows, ``savepoint`` that a failure
        (a conflict) must leave an enclosing transaction usable."""
        ...


class TransactionRunner:
    """Runs every call on the unit of work's connection."""

    def __init__(self, connection: Connection, dbapi_error: type[BaseException] | None) -> None:
        self._connection = connection
        self._dbapi_error = dbapi_error

    def run(self, work: Work[T], *, write: bool, savepoint: bool = False) -> T:
        with translated_errors(self._dbapi_error):
            if savepoint:
                with self._connection.begin_nested():
                    return work(self._connection)
            return work(self._connection)


class AutocommitRunner:
    """Gives each call its own transaction on a pooled connection."""

    def __init__(self, engine: Engine, dbapi_error: type[BaseException] | None) -> None:
        self._engine = engine
        self._dbapi_error = dbapi_error

    def run(self, work: Work[T], *, write: bool, savepoint: bool = False) -> T:
        with translated_errors(self._dbapi_error), self._engine.connect() as connection:
            connection.execution_options(**{READ_ONLY_OPTION: not write})
            with connection.begin():
                return work(connection)

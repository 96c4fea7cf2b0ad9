"""Database errors → the library's errors, in one place, so no driver exception escapes.

* a concurrent transaction won (PostgreSQL SQLSTATE 40001/40P01, MariaDB errno 1020/1213) →
  ``TransactionConflictError``: nothing was applied, the work may be run again;
* a refused login, a missing permission or database (PostgreSQL SQLSTATE 28000/28P01/3D000/42501,
  or a connection refused with such a ``FATAL:`` message; MariaDB errno 1044/1045/1049/1142/1143/
  1698) → ``BackendAccessError``: retrying cannot help;
* a duplicate key (SQLite ``SQLITE_CONSTRAINT_UNIQUE``/``_PRIMARYKEY``, PostgreSQL SQLSTATE
  23505, MariaDB errno 1022/1062/1586) → bare ``ConflictError``: the service picks the subclass;
* the database cannot serve us now → ``BackendUnavailableError``: a connection SQLAlchemy
  invalidated, a pool timeout, and the driver's ``OperationalError``/``InterfaceError`` when its
  code says so — any of psycopg's (SQLSTATE classes 08 connection, other 40 rollbacks, 53 resources,
  55P03 lock, 57P0x shutdown, and client-side failures without a SQLSTATE); PyMySQL's by errno
  (client errors 2000-2999 and the server's connection and lock-wait errors); SQLite's by
  primary result code (busy, locked, can't open, I/O, full, read-only);
* a missing table → ``IntegrationStoreError`` hinting at ``create_schema()``;
* anything else from the database or SQLAlchemy → ``IntegrationStoreError``.

Errors are told apart by the driver's codes and by the classes of the DB-API module that raised
them, whether SQLAlchemy wrapped them or not (a connect hook raises the driver's own). The
original is always chained as ``__cause__``.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from types import ModuleType
from typing import Any, Final

from sqlalchemy import exc as sa_exc

from integration_store.errors import (
    BackendAccessError,
    BackendUnavailableError,
    ConflictError,
    IntegrationStoreError,
    TransactionConflictError,
)

DRIVERS: Final = ("sqlite3", "psycopg", "pymysql")
"""The DB-API modules the backend uses; a driver that is not imported raised nothing."""

_SQLITE_DUPLICATE_KEY: Final = frozenset(
    {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}
)
_SQLITE_OUTAGE: Final = frozenset(
    {
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_READONLY,
    }
)
"""Primary result codes meaning the file cannot be used right now. SQLite's OperationalError
also covers statement errors (a SUM overflow, a missing table), which are not outages."""

_POSTGRESQL_DUPLICATE_KEY: Final = "23505"
_POSTGRESQL_UNDEFINED_TABLE: Final = "42P01"
_POSTGRESQL_RETRYABLE: Final = frozenset({"40001", "40P01"})
"""Serialization failure and deadlock: the transaction was rolled back for a concurrent one."""
_POSTGRESQL_ACCESS: Final = frozenset({"28000", "28P01", "3D000", "42501"})
"""Invalid authorization or password, no such database, insufficient privilege."""
_POSTGRESQL_REFUSED_LOGIN: Final = (
    "password authentication failed",
    "no pg_hba.conf entry",
    "does not exist",  # role "x" / database "x" does not exist
    "is not permitted to log in",
    "permission denied for database",
)
"""libpq reports a refused connection without a SQLSTATE, only the server's ``FATAL:`` text
(in the server's ``lc_messages`` language; these are the English ones)."""

_MYSQL_DUPLICATE_KEY: Final = frozenset({1022, 1062, 1586})
_MYSQL_NO_SUCH_TABLE: Final = 1146
_MYSQL_RETRYABLE: Final = frozenset({1020, 1213})
"""Record changed since read (snapshot isolation) and deadlock: the work was rolled back."""
_MYSQL_ACCESS: Final = frozenset({1044, 1045, 1049, 1142, 1143, 1698})
"""Access denied to a database / for a user, unknown database, a command or column denied."""
_MYSQL_CLIENT_ERRORS: Final = range(2000, 3000)
"""PyMySQL's own errors: all about the connection."""
_MYSQL_OUTAGE: Final = frozenset(
    {
        1040,  # too many connections
        1043,  # bad handshake
        1047,  # unknown command
        1053,  # server shutdown in progress
        1077,  # normal shutdown
        1080,  # forcing close of a thread
        *range(1152, 1162),  # aborted connection; network read/write errors and timeouts
        1184,  # aborted new connection
        1205,  # lock wait timeout
        1927,  # connection killed
        3032,  # server offline
        4031,  # disconnected for inactivity
    }
)
"""Server errors that are about the connection, not the statement: PyMySQL raises
OperationalError for every server error it has no class for (an out-of-range BIGINT, say)."""


class _Failure(Enum):
    RETRYABLE = "the database aborted the work for a concurrent one; run it again: {}"
    ACCESS = "the database refused this store (login, permission or database name): {}"
    CONFLICT = "unique key violated: {}"
    REFUSED = "the database refused the write: {}"
    UNAVAILABLE = "the database is unavailable: {}"
    MISSING_SCHEMA = "the database failed: {} (has store.create_schema() been run?)"
    FAILED = "the database failed: {}"


def loaded_driver(error: BaseException) -> ModuleType | None:
    """The imported DB-API module that raised ``error`` (None: not a driver error)."""
    for name in DRIVERS:
        module = sys.modules.get(name)
        if module is not None and isinstance(error, module.Error):
            return module
    return None


def _mysql_errno(error: BaseException) -> int | None:
    """PyMySQL's errors carry ``(errno, message)``; its sqlstate is too coarse (23000)."""
    code = error.args[0] if error.args else None
    return code if isinstance(code, int) else None


def _is_duplicate_key(error: BaseException, driver: str) -> bool:
    if driver == "sqlite3":
        return getattr(error, "sqlite_errorcode", None) in _SQLITE_DUPLICATE_KEY
    if driver == "pymysql":
        return _mysql_errno(error) in _MYSQL_DUPLICATE_KEY
    return getattr(error, "sqlstate", None) == _POSTGRESQL_DUPLICATE_KEY


def _is_outage(error: BaseException, driver: str) -> bool:
    """For a driver's OperationalError or InterfaceError: does its code mean an outage?"""
    if driver == "sqlite3":
        code = getattr(error, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_OUTAGE
    if driver == "pymysql":
        errno = _mysql_errno(error)
        return errno is None or errno in _MYSQL_OUTAGE or errno in _MYSQL_CLIENT_ERRORS
    return True  # psycopg (see the module docstring), or a driver we do not know


def _is_retryable(error: BaseException, driver: str) -> bool:
    if driver == "pymysql":
        return _mysql_errno(error) in _MYSQL_RETRYABLE
    if driver == "sqlite3":
        return False
    return getattr(error, "sqlstate", None) in _POSTGRESQL_RETRYABLE


def _is_refused_access(error: BaseException, driver: str) -> bool:
    if driver == "pymysql":
        return _mysql_errno(error) in _MYSQL_ACCESS
    if driver == "sqlite3":
        return False
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _POSTGRESQL_ACCESS
    message = str(error)
    return "FATAL:" in message and any(text in message for text in _POSTGRESQL_REFUSED_LOGIN)


def _is_missing_table(error: BaseException, driver: str) -> bool:
    if driver == "sqlite3":
        # SQLite has no result code of its own for these (SQLITE_ERROR), only the message.
        message = str(error)
        return isinstance(error, sqlite3.OperationalError) and (
            message.startswith("no such ") or "syntax error" in message
        )
    if driver == "pymysql":
        return _mysql_errno(error) == _MYSQL_NO_SUCH_TABLE
    return getattr(error, "sqlstate", None) == _POSTGRESQL_UNDEFINED_TABLE


def _failure(error: BaseException, classes: Any, driver: str) -> _Failure:
    """Classify by the DB-API classes of ``classes`` (a driver module, or ``sqlalchemy.exc``,
    whose wrappers mirror them, for an error of no known driver) and the driver's codes."""
    if isinstance(error, classes.IntegrityError):
        return _Failure.CONFLICT if _is_duplicate_key(error, driver) else _Failure.REFUSED
    if _is_retryable(error, driver):
        return _Failure.RETRYABLE
    if _is_refused_access(error, driver):
        return _Failure.ACCESS
    if isinstance(error, classes.OperationalError | classes.InterfaceError) and _is_outage(
        error, driver
    ):
        return _Failure.UNAVAILABLE
    if _is_missing_table(error, driver):
        return _Failure.MISSING_SCHEMA
    return _Failure.FAILED


def _library_error(failure: _Failure, error: BaseException) -> IntegrationStoreError:
    message = failure.value.format(error)
    if failure is _Failure.CONFLICT:
        return ConflictError(message)
    if failure is _Failure.UNAVAILABLE:
        return BackendUnavailableError(message)
    if failure is _Failure.RETRYABLE:
        return TransactionConflictError(message)
    if failure is _Failure.ACCESS:
        return BackendAccessError(message)
    return IntegrationStoreError(message)


def translate(error: BaseException) -> IntegrationStoreError | None:
    """The library error for a database error (the caller raises it ``from`` the original);
    None when ``error`` came from neither SQLAlchemy nor a driver."""
    if isinstance(error, sa_exc.DBAPIError):
        original = error if error.orig is None else error.orig
        driver = loaded_driver(original)
        if driver is None:
            failure = _failure(error, sa_exc, "")
        else:
            failure = _failure(original, driver, driver.__name__)
        if error.connection_invalidated and failure in (_Failure.FAILED, _Failure.MISSING_SCHEMA):
            failure = _Failure.UNAVAILABLE
        return _library_error(failure, original)
    if isinstance(error, sa_exc.DisconnectionError | sa_exc.TimeoutError):
        return BackendUnavailableError(f"the database is unavailable: {error}")
    if isinstance(error, sa_exc.SQLAlchemyError):
        return IntegrationStoreError(f"the database layer failed: {error}")
    driver = loaded_driver(error)
    if driver is not None:  # raised outside SQLAlchemy (in a connect hook, say)
        return _library_error(_failure(error, driver, driver.__name__), error)
    return None


@contextmanager
def translated_errors() -> Iterator[None]:
    """Run a block of database calls, re-raising database errors as library errors (chained)."""
    try:
        yield
    except Exception as error:
        translated = translate(error)
        if translated is None:
            raise
        raise translated from error

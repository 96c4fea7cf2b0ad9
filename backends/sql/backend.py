"""The SQL backend: one SQLAlchemy engine per open store, three storages, real transactions.

URLs: ``sqlite://`` (a private in-memory database per store, one connection shared by threads
under a lock), ``sqlite:///path.db`` (WAL, busy timeout, ``BEGIN IMMEDIATE`` for writes),
``postgresql[+psycopg]://…`` (psycopg 3) and ``mysql[+pymysql]://…`` / ``mariadb[+pymysql]://…``
(PyMySQL). Engines pre-ping pooled connections, so the first call after a server restart works.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from integration_store.errors import IntegrationStoreError
from integration_store.protocols import TRANSACTIONS, Storages

from . import migrations
from .connectors import SqlConnectorStorage
from .dialects import MYSQL_FAMILY, schema_lock
from .external_responses import SqlExternalResponseStorage
from .runner import (
    READ_ONLY_OPTION,
    AutocommitRunner,
    Runner,
    TransactionRunner,
    translated_errors,
)
from .tables import ALL_TABLES
from .workers import SqlWorkerStorage

__all__ = ["SqlBackend", "create_sql_engine", "engine_url"]

SQLITE_BUSY_TIMEOUT_MS: Final = 30_000
"""How long a SQLite writer waits for another writer (thread or process) before giving up."""

CONNECT_TIMEOUT_SECONDS: Final = 10
"""How long to wait for a database server to accept a connection."""

_DEFAULT_DRIVERS: Final = {"postgresql": "psycopg", "mysql": "pymysql", "mariadb": "pymysql"}
_DRIVER_EXTRAS: Final = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}

_MYSQL_SQL_MODE: Final = (
    "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ENGINE_SUBSTITUTION"
)


def storages_over(runner: Runner) -> Storages:
    """The three SQL storages whose statements go through ``runner``."""
    return Storages(
        connectors=SqlConnectorStorage(runner),
        external_responses=SqlExternalResponseStorage(runner),
        workers=SqlWorkerStorage(runner),
    )


def engine_url(url: str) -> URL:
    """Parse a store URL; a bare ``postgresql``/``mysql``/``mariadb`` scheme gets this library's
    driver (psycopg 3, PyMySQL) rather than SQLAlchemy's default."""
    try:
        parsed = sa.make_url(url)
    except ArgumentError as error:
        raise IntegrationStoreError(f"not a valid SQL store URL: {url!r}") from error
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql", *MYSQL_FAMILY):
        raise IntegrationStoreError(
            f"the SQL backend serves sqlite, postgresql, mysql and mariadb URLs, not {url!r}"
        )
    if "+" not in parsed.drivername and backend in _DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=f"{backend}+{_DEFAULT_DRIVERS[backend]}")
    return parsed


def _is_sqlite_memory(url: URL) -> bool:
    """``sqlite://`` and ``sqlite:///:memory:``: a database only this store's connection sees.
    (A named ``mode=memory`` URI database is shared in the process, so it is treated as a
    file.)"""
    return (url.database or "") in ("", ":memory:")


class _MigratedTemplate:
    """One in-memory database per process, migrated to head once; every new private
    ``sqlite://`` store starts as a copy of it (SQLite's backup API), which is much cheaper than
    running the migrations for each store the test suites open."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def _build(self) -> sqlite3.Connection:
        connection = sqlite3.connect(":memory:", check_same_thread=False)
        engine = sa.create_engine("sqlite://", creator=lambda: connection, poolclass=StaticPool)
        _install_sqlite_hooks(engine, file_backed=False)
        with engine.connect() as migrating, migrating.begin():
            migrations.upgrade(migrating)
        return connection

    def copy_into(self, target: sqlite3.Connection) -> None:
        """Fill the empty database behind ``target`` with the migrated schema."""
        with self._lock:
            if self._connection is None:
                self._connection = self._build()
            self._connection.backup(target)


_TEMPLATE: Final = _MigratedTemplate()


def _install_sqlite_hooks(engine: Engine, file_backed: bool) -> None:
    """Take transaction control from pysqlite: it would BEGIN lazily (DEFERRED) and a reader
    upgrading to a writer fails with "database is locked" instead of waiting. We BEGIN
    IMMEDIATE for writes (waiting up to the busy timeout) and DEFERRED for pure reads."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if file_backed:
                cursor.execute("PRAGMA journal_mode = WAL")
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


def _create_parent_directory_on_connect(engine: Engine, url: URL) -> None:
    """SQLite creates a missing database file but not its directory; do that too, so
    ``sqlite:///data/app.db`` works in a fresh checkout. (Only when connecting, as SQLite
    itself would; a directory that cannot be made is left for SQLite to report.)"""
    database = url.database or ""
    if database.startswith("file:") or url.query.get("uri") == "true":
        return  # a URI filename: SQLite's business

    @event.listens_for(engine, "do_connect")
    def _make_directory(*_args: Any) -> None:
        with suppress(OSError):
            Path(database).parent.mkdir(parents=True, exist_ok=True)


def create_sql_engine(url: URL, **options: Any) -> Engine:
    """An engine for the URL with the settings the backend relies on (see module docstring);
    ``options`` go to ``create_engine`` as well."""
    backend = url.get_backend_name()
    try:
        if backend == "sqlite":
            if _is_sqlite_memory(url):
                engine = sa.create_engine(
                    url,
                    poolclass=StaticPool,
                    connect_args={"check_same_thread": False},
                    pool_pre_ping=True,
                )
                _install_sqlite_hooks(engine, file_backed=False)

                @event.listens_for(engine, "connect")
                def _born_migrated(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
                    # Nobody else can reach this database to create its schema, and it dies
                    # with the store, so it starts migrated.
                    _TEMPLATE.copy_into(dbapi_connection)

            else:
                engine = sa.create_engine(
                    url,
                    pool_pre_ping=True,
                    connect_args={
                        "check_same_thread": False,
                        "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                    },
                )
                _install_sqlite_hooks(engine, file_backed=True)
                _create_parent_directory_on_connect(engine, url)
            return engine
        if backend == "postgresql":
            return sa.create_engine(
                url,
                pool_pre_ping=True,
                **options,
                connect_args={
                    "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                    "client_encoding": "utf8",
                    "options": "-c TimeZone=UTC",
                },
            )
        return sa.create_engine(
            url,
            pool_pre_ping=True,
            pool_recycle=3600,
            **options,
            connect_args={
                "charset": "utf8mb4",
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                "init_command": f"SET SESSION sql_mode = '{_MYSQL_SQL_MODE}'",
            },
        )
    except (ImportError, NoSuchModuleError) as missing:
        extra = _DRIVER_EXTRAS.get(backend, "sql")
        raise IntegrationStoreError(
            f"the {backend} driver is not installed; pip install 'integration-store[{extra}]'"
        ) from missing
    except ArgumentError as error:
        raise IntegrationStoreError(f"cannot open {url!r}: {error}") from error


class SqlBackend:
    """An open SQL store; every storage call is one transaction unless inside ``transaction()``.

    ``sqlite://`` has one shared connection, so it is not thread-safe: the store serialises its
    calls (and holds the lock across a transaction).
    """

    def __init__(self, url: URL) -> None:
        self._engine = create_sql_engine(url)
        self._thread_safe = not (url.get_backend_name() == "sqlite" and _is_sqlite_memory(url))
        self._dbapi_error: type[BaseException] | None = getattr(
            self._engine.dialect.loaded_dbapi, "Error", None
        )
        self._storages = storages_over(AutocommitRunner(self._engine, self._dbapi_error))
        self._closed = False

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and tooling)."""
        return self._engine

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset({TRANSACTIONS})

    @property
    def thread_safe(self) -> bool:
        return self._thread_safe

    @property
    def storages(self) -> Storages:
        return self._storages

    @contextmanager
    def transaction(self) -> Iterator[Storages]:
        """One database transaction on one connection for the block."""
        with translated_errors(self._dbapi_error):
            connection = self._engine.connect()
        try:
            with translated_errors(self._dbapi_error):
                transaction = connection.begin()
            try:
                yield storages_over(TransactionRunner(connection, self._dbapi_error))
            except BaseException:
                # The block's exception is what the caller must see; a failed rollback
                # (connection gone) changes nothing, the server discards the work.
                with suppress(Exception):
                    transaction.rollback()
                raise
            with translated_errors(self._dbapi_error):
                transaction.commit()
        finally:
            with suppress(Exception):
                connection.close()

    def create_schema(self) -> None:
        """Upgrade to the newest migration (idempotent; concurrent callers take turns)."""
        with (
            translated_errors(self._dbapi_error),
            self._engine.connect() as connection,
            schema_lock(connection),
            connection.begin(),
        ):
            migrations.upgrade(connection)

    def clear_all(self) -> None:
        """Delete every row of every table, in one transaction (test support)."""
        with translated_errors(self._dbapi_error), self._engine.begin() as connection:
            for table in ALL_TABLES:
                connection.execute(table.delete())

    def close(self) -> None:
        """Close pooled connections; an in-memory SQLite database goes with them."""
        if not self._closed:
            self._closed = True
            with translated_errors(self._dbapi_error):
                self._engine.dispose()

"""Engines: store URL → a SQLAlchemy engine with the settings the backend relies on.

URLs: ``sqlite://`` (a private in-memory database per store, one connection shared by threads),
``sqlite:///path.db`` (WAL, busy timeout — ``?timeout=`` seconds — ``BEGIN IMMEDIATE`` for
writes),
``postgresql[+psycopg]://…`` (psycopg 3) and ``mysql[+pymysql]://…`` / ``mariadb[+pymysql]://…``
(PyMySQL). The engine and its pre-pinging pool serve schema work; storage calls run on the
store's own connections (``connections.py``).
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from contextlib import suppress
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from integration_store import values
from integration_store.discovery import redacted
from integration_store.errors import IntegrationStoreError, ValidationError

from . import migrations
from .column_types import MYSQL_FAMILY

SQLITE_BUSY_TIMEOUT_MS: Final = 30_000
"""How long a SQLite writer waits for another writer (thread or process) before giving up,
unless the URL says otherwise (``sqlite:///app.db?timeout=5``, in seconds)."""

SQLITE_MAX_TIMEOUT_SECONDS: Final = 86_400
"""Longest busy timeout a URL may ask for (a day)."""

CONNECT_TIMEOUT_SECONDS: Final = 10
"""How long to wait for a database server to accept a connection."""

READ_ONLY_OPTION: Final = "integration_store_read_only"
"""Execution option marking a connection whose transaction only reads (SQLite begins it
DEFERRED instead of IMMEDIATE, so readers do not queue behind writers)."""

MYSQL_MIN_MAX_ALLOWED_PACKET: Final = 2 * values.MAX_WRITE_BYTES + 128 * 1024
"""Smallest MariaDB/MySQL ``max_allowed_packet`` (16 MiB, MariaDB's default) that holds every
write below the core's cap: a statement quotes a payload of ``"`` at twice its size, and a
response row read back holds a payload and its interpretation."""

_DEFAULT_DRIVERS: Final = {"postgresql": "psycopg", "mysql": "pymysql", "mariadb": "pymysql"}
_DRIVER_EXTRAS: Final = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}

_MYSQL_CLIENT_FLAGS: Final = 0x2 | 0x10000
"""PyMySQL's ``CLIENT.FOUND_ROWS | CLIENT.MULTI_STATEMENTS`` (numbers, so the driver need not
be installed to build the options)."""

_MYSQL_SQL_MODE: Final = (
    "STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,"
    "NO_ENGINE_SUBSTITUTION"
)


def engine_url(url: str) -> URL:
    """Parse a store URL; a bare ``postgresql``/``mysql``/``mariadb`` scheme gets this library's
    driver (psycopg 3, PyMySQL) rather than SQLAlchemy's default."""
    try:
        parsed = sa.make_url(url)
        parsed.port  # noqa: B018 -- a port that is not a number fails here, not on connect
    except (ArgumentError, ValueError):
        raise IntegrationStoreError(f"not a valid SQL store URL: {redacted(url)!r}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql", *MYSQL_FAMILY):
        raise IntegrationStoreError(
            "the SQL backend serves sqlite, postgresql, mysql and mariadb URLs, "
            f"not {redacted(url)!r}"
        )
    if "+" not in parsed.drivername and backend in _DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=f"{backend}+{_DEFAULT_DRIVERS[backend]}")
    return parsed


def is_sqlite_memory(url: URL) -> bool:
    """``sqlite://`` and ``sqlite:///:memory:``: a database only this store's connection sees.
    (A named ``mode=memory`` URI database is shared in the process, so it is treated as a
    file.)"""
    return url.get_backend_name() == "sqlite" and (url.database or "") in ("", ":memory:")


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
        _install_sqlite_hooks(engine, file_backed=False, busy_timeout_ms=SQLITE_BUSY_TIMEOUT_MS)
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


def _install_sqlite_hooks(engine: Engine, file_backed: bool, busy_timeout_ms: int) -> None:
    """Take transaction control from pysqlite: it would BEGIN lazily (DEFERRED) and a reader
    upgrading to a writer fails with "database is locked" instead of waiting. We BEGIN
    IMMEDIATE for writes (waiting up to the busy timeout) and DEFERRED for pure reads."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
            if file_backed:
                _switch_to_wal(cursor, busy_timeout_ms)
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


MAX_STATEMENT_BYTES: Final = "integration_store_max_statement_bytes"
"""Under this key of a MariaDB/MySQL connection's pool record: the longest statement it may
send, so a bulk INSERT is split (by PyMySQL) only past the server's ``max_allowed_packet``."""

_MYSQL_PACKET_MARGIN: Final = 1024
"""Bytes of a packet besides the statement (its command byte), with room to spare."""


def _install_mysql_hooks(engine: Engine) -> None:
    """Refuse a server whose ``max_allowed_packet`` cannot hold a write every other backend
    stores: a clear error when connecting, not a lost connection on the first large write.
    Else note the longest statement the connection may send (``MAX_STATEMENT_BYTES``)."""

    @event.listens_for(engine, "connect")
    def _check_max_allowed_packet(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT @@max_allowed_packet")
            (size,) = cursor.fetchone()
        finally:
            cursor.close()
        if int(size) < MYSQL_MIN_MAX_ALLOWED_PACKET:
            raise IntegrationStoreError(
                f"the server's max_allowed_packet is {int(size):,} bytes; integration-store "
                f"needs at least {MYSQL_MIN_MAX_ALLOWED_PACKET:,} to store every value below "
                f"its cap: SET GLOBAL max_allowed_packet = {MYSQL_MIN_MAX_ALLOWED_PACKET} "
                "(and in the server's configuration)"
            )
        # PyMySQL refuses to send a packet beyond its own limit too.
        limit = min(int(size), int(dbapi_connection.max_allowed_packet))
        record.info[MAX_STATEMENT_BYTES] = limit - _MYSQL_PACKET_MARGIN


def _switch_to_wal(cursor: Any, busy_timeout_ms: int) -> None:
    """Put the file in WAL mode. Several connections doing this at once to a new file get
    SQLITE_BUSY at once, without the busy handler, so wait here as the busy timeout would."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    pause = 0.001
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorcode in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if not busy or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _start_migrated(engine: Engine) -> None:
    """Nobody else can reach a private in-memory database to create its schema, and it dies
    with the store, so it starts migrated."""

    @event.listens_for(engine, "connect")
    def _born_migrated(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        _TEMPLATE.copy_into(dbapi_connection)


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


def sqlite_busy_timeout(url: URL) -> tuple[URL, int]:
    """The URL without its ``timeout`` query parameter, and the busy timeout in milliseconds
    it asks for (seconds, a decimal number in 0..a day; ``SQLITE_BUSY_TIMEOUT_MS`` when absent).
    ``ValidationError`` naming ``timeout`` for anything else."""
    given = url.query.get("timeout")
    if given is None:
        return url, SQLITE_BUSY_TIMEOUT_MS
    try:
        seconds = float(given) if isinstance(given, str) else math.nan
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= SQLITE_MAX_TIMEOUT_SECONDS:  # NaN fails too
        raise ValidationError(
            "timeout",
            f"must be a number of seconds from 0 to {SQLITE_MAX_TIMEOUT_SECONDS:,}, "
            f"not {values.quoted(given)}",
        )
    return url.difference_update_query(["timeout"]), round(seconds * 1000)


def _engine_options(url: URL, busy_timeout_ms: int) -> dict[str, Any]:
    """Pool and connect options per dialect."""
    backend = url.get_backend_name()
    if is_sqlite_memory(url):
        return {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
    if backend == "sqlite":
        timeout = busy_timeout_ms / 1000
        return {"connect_args": {"check_same_thread": False, "timeout": timeout}}
    if backend == "postgresql":
        return {
            "connect_args": {
                "connect_timeout": CONNECT_TIMEOUT_SECONDS,
                "client_encoding": "utf8",
                "options": "-c TimeZone=UTC",
            }
        }
    return {
        "pool_recycle": 3600,
        "connect_args": {
            # SQLAlchemy's own FOUND_ROWS (an UPDATE counts matched rows), plus several
            # statements per call: a write and its read-back go as one batch (connections.py).
            "client_flag": _MYSQL_CLIENT_FLAGS,
            "charset": "utf8mb4",
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "init_command": f"SET SESSION sql_mode = '{_MYSQL_SQL_MODE}'",
        },
    }


def create_sql_engine(url: URL, **options: Any) -> Engine:
    """An engine for the URL with the settings the backend relies on (see module docstring);
    ``options`` go to ``create_engine`` as well, over the defaults."""
    backend = url.get_backend_name()
    busy_timeout_ms = SQLITE_BUSY_TIMEOUT_MS
    if backend == "sqlite":
        url, busy_timeout_ms = sqlite_busy_timeout(url)
    try:
        # hide_parameters: a statement error must never quote the values (credentials).
        defaults = {
            "pool_pre_ping": True,
            "hide_parameters": True,
            **_engine_options(url, busy_timeout_ms),
        }
        engine = sa.create_engine(url, **{**defaults, **options})
    except (ImportError, NoSuchModuleError) as missing:
        extra = _DRIVER_EXTRAS.get(backend, "sql")
        raise IntegrationStoreError(
            f"the {backend} driver is not installed; pip install 'integration-store[{extra}]'"
        ) from missing
    except ArgumentError as error:
        raise IntegrationStoreError(f"cannot open {url!r}: {error}") from error
    if backend in MYSQL_FAMILY:
        _install_mysql_hooks(engine)
    if backend == "sqlite":
        _install_sqlite_hooks(
            engine, file_backed=not is_sqlite_memory(url), busy_timeout_ms=busy_timeout_ms
        )
        if is_sqlite_memory(url):
            _start_migrated(engine)
        else:
            _create_parent_directory_on_connect(engine, url)
    return engine

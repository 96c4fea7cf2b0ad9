"""Database administration: the schema (migrations under a lock) and throw-away test databases.

``create_schema`` upgrades to the newest migration while holding a lock, so concurrent callers
on one database take turns; ``isolated_database`` makes a fresh, uniquely named database on a
server for one test session and drops it afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

from integration_store.errors import UnsupportedOperationError

from . import migrations
from .column_types import MYSQL_FAMILY, MYSQL_TEXT_COLLATION, is_mysql
from .engine import create_sql_engine
from .errors import translated_errors

_SCHEMA_LOCK_KEY: Final = 0x15_70_2E_5C_4E_3A  # any fixed 63-bit number names the advisory lock
_SCHEMA_LOCK_NAME: Final = "integration_store.schema"

_MYSQL_DATABASE_DDL: Final = (
    f"CREATE DATABASE `{{name}}` CHARACTER SET utf8mb4 COLLATE {MYSQL_TEXT_COLLATION}",
    "DROP DATABASE IF EXISTS `{name}`",
)
_DATABASE_DDL: Final[dict[str, tuple[str, str]]] = {
    # UTF-8 so every code point fits; dropped even if a forgotten connection still uses it.
    "postgresql": (
        "CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0",
        'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
    ),
    **{dialect: _MYSQL_DATABASE_DDL for dialect in MYSQL_FAMILY},
}
"""Per dialect: (create, drop) statements for a test database named ``{name}``."""


def database_ddl(dialect_name: str, name: str) -> tuple[str, str]:
    """The statements that create and drop a fresh, empty database called ``name``."""
    if dialect_name not in _DATABASE_DDL:
        raise UnsupportedOperationError(f"cannot create databases on SQL dialect {dialect_name!r}")
    create, drop = _DATABASE_DDL[dialect_name]
    return create.format(name=name), drop.format(name=name)


@contextmanager
def isolated_database(url: URL) -> Iterator[str]:
    """The name of a fresh, uniquely named database on the server of ``url``, dropped on
    exit."""
    name = f"istore_test_{uuid.uuid4().hex[:20]}"
    create, drop = database_ddl(url.get_backend_name(), name)
    # No pooled admin connection may linger: PostgreSQL cannot drop a database in use.
    admin = create_sql_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with translated_errors(), admin.connect() as connection:
            connection.exec_driver_sql(create)
        try:
            yield name
        finally:
            with translated_errors(), admin.connect() as connection:
                connection.exec_driver_sql(drop)
    finally:
        admin.dispose()


@contextmanager
def isolated_sqlite_file(url: URL) -> Iterator[URL]:
    """A new database file beside the one the URL names, removed on exit with its WAL files.

    Test runs (``verify``, the contract suite) clear every table between tests, so they must
    never run on the file a user named. A URI filename is refused: where its file lives is
    SQLite's business, so no safe sibling can be named."""
    database = url.database or ""
    if database.startswith("file:") or url.query.get("uri") == "true":
        raise UnsupportedOperationError(
            f"cannot make a private test database beside the URI filename of {url!r}; "
            "name a plain file path instead"
        )
    named = Path(database)
    sibling = named.with_name(f"{named.stem}.istore-test-{uuid.uuid4().hex[:12]}.db")
    try:
        yield url.set(database=str(sibling))
    finally:
        for leftover in (sibling, Path(f"{sibling}-wal"), Path(f"{sibling}-shm")):
            leftover.unlink(missing_ok=True)


def _lock_statements(connection: Connection) -> tuple[str, str, dict[str, Any]] | None:
    """(lock, unlock, parameters) of a session-level lock that outlives transactions."""
    if connection.dialect.name == "postgresql":
        key = {"key": _SCHEMA_LOCK_KEY}
        return "SELECT pg_advisory_lock(:key)", "SELECT pg_advisory_unlock(:key)", key
    if is_mysql(connection.dialect):
        name = {"name": _SCHEMA_LOCK_NAME}
        return "SELECT GET_LOCK(:name, 60)", "SELECT RELEASE_LOCK(:name)", name
    return None


@contextmanager
def schema_lock(connection: Connection) -> Iterator[None]:
    """Make concurrent ``create_schema`` calls on one database take turns.

    PostgreSQL: a session advisory lock; MariaDB/MySQL: ``GET_LOCK`` (DDL commits implicitly
    there, so the lock must outlive transactions); SQLite: ``BEGIN IMMEDIATE`` already
    serialises writers.
    """
    statements = _lock_statements(connection)
    if statements is None:
        yield
        return
    lock, unlock, parameters = statements
    connection.execute(sa.text(lock), parameters)
    connection.commit()
    try:
        yield
    finally:
        connection.execute(sa.text(unlock), parameters)
        connection.commit()


def create_schema(engine: Engine) -> None:
    """Upgrade the engine's database to the newest migration (idempotent; concurrent callers
    take turns)."""
    with (
        translated_errors(),
        engine.connect() as connection,
        schema_lock(connection),
        connection.begin(),
    ):
        migrations.upgrade(connection)

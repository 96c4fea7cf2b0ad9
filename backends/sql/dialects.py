"""Everything that differs between SQLite, PostgreSQL and MariaDB/MySQL, in one place.

The rest of the backend writes portable SQLAlchemy Core; it asks this module for column types
(exact JSON text, millisecond UTC timestamps, UUID keys, code-point collated text), the upsert
statement, whether ``RETURNING`` works, how to spot a unique-key violation and how to create or
drop a database for an isolated test run.

How values are stored, per dialect:

- identifiers: SQLite VARCHAR(255) (BINARY collation); PostgreSQL VARCHAR(255) COLLATE "C";
  MariaDB VARCHAR(255) utf8mb4_nopad_bin.
- free text: SQLite TEXT; PostgreSQL TEXT COLLATE "C"; MariaDB LONGTEXT utf8mb4_nopad_bin.
- JSON: jsoncodec text everywhere (TEXT; MariaDB LONGTEXT utf8mb4_bin).
- timestamps: PostgreSQL TIMESTAMP(3) WITH TIME ZONE; SQLite and MariaDB BIGINT milliseconds
  since the Unix epoch.
- UUIDs: PostgreSQL UUID; SQLite CHAR(32) lowercase hex; MariaDB CHAR(32) ascii_bin hex.
- bools / ints: BOOLEAN (SQLite INTEGER, MariaDB TINYINT(1)) / BIGINT.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import IntegrityError

from integration_store import jsoncodec
from integration_store.errors import UnsupportedOperationError

MYSQL_FAMILY = ("mysql", "mariadb")

MYSQL_TEXT_COLLATION = "utf8mb4_nopad_bin"
"""Code-point order that also keeps trailing spaces significant (``utf8mb4_bin`` pads)."""

MYSQL_TABLE_OPTIONS: dict[str, Any] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": MYSQL_TEXT_COLLATION,
}
"""Table options so columns without their own collation still compare by code point."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def is_mysql(dialect: Dialect) -> bool:
    """MariaDB is served by SQLAlchemy's mysql dialect (named ``mariadb`` for mariadb:// URLs)."""
    return dialect.name in MYSQL_FAMILY


# ---- column types ------------------------------------------------------------------------


def identifier_type() -> sa.types.TypeEngine[str]:
    """Identifiers (≤ 255 characters), compared and sorted by code point."""
    return (
        sa.String(255)
        .with_variant(sa.String(255, collation="C"), "postgresql")
        .with_variant(
            mysql.VARCHAR(255, charset="utf8mb4", collation=MYSQL_TEXT_COLLATION), *MYSQL_FAMILY
        )
    )


def free_text_type() -> sa.types.TypeEngine[str]:
    """Uncapped text (MariaDB's TEXT stops at 64 KiB, so LONGTEXT there)."""
    return (
        sa.Text()
        .with_variant(sa.Text(collation="C"), "postgresql")
        .with_variant(
            mysql.LONGTEXT(charset="utf8mb4", collation=MYSQL_TEXT_COLLATION), *MYSQL_FAMILY
        )
    )


# ``load_dialect_impl`` below returns the types themselves: ``dialect.type_descriptor`` would
# adapt them to the dialect's generic classes and drop details (PostgreSQL TEXT became VARCHAR,
# TIMESTAMP(3) lost its precision).


class JsonText(sa.types.TypeDecorator[Any]):
    """A JSON value kept as exact text (``jsoncodec``).

    Native JSON types change values: PostgreSQL ``jsonb`` rejects ``\\u0000`` and normalises
    numbers, MariaDB parses numbers its own way. Text written by ``jsoncodec`` keeps 1 vs 1.0,
    -0.0, 1e308 and 64-bit ints exactly, and every read decodes a fresh object.
    """

    impl = sa.Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if is_mysql(dialect):
            return mysql.LONGTEXT(charset="utf8mb4", collation="utf8mb4_bin")
        return sa.Text()

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else jsoncodec.dumps(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else jsoncodec.loads(value)


class UtcTimestamp(sa.types.TypeDecorator[datetime]):
    """An aware UTC datetime at millisecond precision.

    PostgreSQL keeps it as ``timestamptz(3)``; SQLite and MariaDB as integer milliseconds since
    the epoch, which is exact over Python's whole datetime range (MariaDB's DATETIME starts at
    year 1000 and SQLite has no datetime type) and sorts like the datetimes.
    """

    impl = sa.BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return postgresql.TIMESTAMP(timezone=True, precision=3)
        return sa.BigInteger()

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return value.astimezone(UTC)
        return (value - _EPOCH) // _MILLISECOND

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        return _EPOCH + timedelta(milliseconds=int(value))


class UuidKey(sa.types.TypeDecorator[uuid.UUID]):
    """A ``uuid.UUID``, sorting like ``UUID.int``.

    PostgreSQL's ``uuid`` compares bytewise, i.e. by ``UUID.int``. Elsewhere it is fixed-width
    lowercase hex under a binary collation, which sorts the same way. (MariaDB's own UUID type
    is avoided: it orders time-based UUIDs by swapped segments.)
    """

    impl = sa.CHAR(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "postgresql":
            return postgresql.UUID(as_uuid=True)
        if is_mysql(dialect):
            return mysql.CHAR(32, charset="ascii", collation="ascii_bin")
        return sa.CHAR(32)

    def process_bind_param(self, value: uuid.UUID | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            return value
        return value.hex

    def process_result_value(self, value: Any, dialect: Dialect) -> uuid.UUID | None:
        if value is None:
            return None
        if isinstance(value, uuid.UUID):
            return uuid.UUID(int=value.int)  # a plain UUID, whatever class the driver used
        return uuid.UUID(hex=value)


# ---- statements --------------------------------------------------------------------------


def upsert(
    dialect: Dialect,
    table: sa.Table,
    key_columns: tuple[str, ...],
    insert: Mapping[str, Any],
    changes: Mapping[str, Any],
) -> sa.Insert:
    """One ``INSERT`` that stores ``insert`` when the key is free, else sets only ``changes``.

    ``ON CONFLICT … DO UPDATE`` on SQLite and PostgreSQL (with ``RETURNING`` the stored row),
    ``ON DUPLICATE KEY UPDATE`` on MariaDB/MySQL (the caller reads the row back).
    """
    # Nothing to change still has to be a valid update clause: set a key to itself.
    assignments: dict[str, Any] = dict(changes) or {key_columns[0]: table.c[key_columns[0]]}
    if dialect.name == "postgresql":
        pg_statement = postgresql.insert(table).values(dict(insert))
        return pg_statement.on_conflict_do_update(
            index_elements=[table.c[key] for key in key_columns], set_=assignments
        ).returning(*table.c)
    if dialect.name == "sqlite":
        lite_statement = sqlite.insert(table).values(dict(insert))
        return lite_statement.on_conflict_do_update(
            index_elements=[table.c[key] for key in key_columns], set_=assignments
        ).returning(*table.c)
    if is_mysql(dialect):
        my_statement = mysql.insert(table).values(dict(insert))
        return my_statement.on_duplicate_key_update(assignments)
    raise UnsupportedOperationError(f"no upsert for SQL dialect {dialect.name!r}")


def upsert_returns_row(dialect: Dialect) -> bool:
    """Whether the statement of ``upsert`` hands back the stored row."""
    return dialect.name in ("postgresql", "sqlite")


def update_returns_row(dialect: Dialect) -> bool:
    """Whether ``UPDATE … RETURNING`` works (not on MariaDB/MySQL)."""
    return bool(dialect.update_returning)


def summed(dialect: Dialect, column: sa.ColumnElement[int]) -> list[sa.ColumnElement[Any]]:
    """Aggregate columns that ``sum_of`` adds up to ``SUM(column)`` exactly.

    SQLite's SUM is a 64-bit integer that raises on overflow, and counter totals may pass 2**63;
    there the high and low 32 bits of the (non-negative) counters are summed apart. PostgreSQL
    and MariaDB sum BIGINT into NUMERIC/DECIMAL, which is exact.
    """
    if dialect.name == "sqlite":
        return [sa.func.sum(column.op(">>")(32)), sa.func.sum(column.op("&")(0xFFFFFFFF))]
    return [sa.func.sum(column)]


def sum_of(dialect: Dialect, parts: Sequence[Any]) -> int:
    """The exact total from the values of the ``summed`` columns."""
    if dialect.name == "sqlite":
        high, low = parts
        return int(high) * 2**32 + int(low)
    (total,) = parts
    return int(total)


def record_of(row: sa.Row[Any] | None) -> dict[str, Any] | None:
    """A fetched row as a fresh record (None stays None)."""
    return None if row is None else dict(row._mapping)


def update_row(
    connection: Connection,
    table: sa.Table,
    condition: sa.ColumnElement[bool],
    values: Mapping[str, Any],
) -> dict[str, Any] | None:
    """One ``UPDATE`` of the row matching ``condition``; returns the row after it, or None.

    ``RETURNING`` where the dialect has it; elsewhere the row is read back in the same
    transaction — our UPDATE holds its lock until commit, so the read sees our own change.
    """
    statement = sa.update(table).where(condition).values(dict(values))
    if update_returns_row(connection.dialect):
        return record_of(connection.execute(statement.returning(*table.c)).first())
    if connection.execute(statement).rowcount == 0:
        return None
    return record_of(connection.execute(sa.select(table).where(condition)).first())


def is_unique_violation(error: IntegrityError) -> bool:
    """True when the integrity error is a duplicate key (the only constraint we rely on)."""
    original = error.orig
    args = getattr(original, "args", ())
    if args and isinstance(args[0], int):  # PyMySQL: (errno, message); its sqlstate is 23000
        return args[0] in (1022, 1062, 1586)
    sqlstate = getattr(original, "sqlstate", None)  # psycopg
    if sqlstate is not None:
        return bool(sqlstate == "23505")
    name = getattr(original, "sqlite_errorname", None)  # sqlite3
    if name is not None:
        return name in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")
    return "UNIQUE constraint failed" in str(original)


_MYSQL_UNAVAILABLE_ERRNOS: frozenset[int] = frozenset(
    {
        1040,  # too many connections
        1043,
        1047,
        1053,
        1077,
        1080,  # bad handshake, unknown command, shutdown in progress
        1044,
        1045,
        1049,  # access denied, unknown database (as PostgreSQL reports them)
        1152,
        1153,
        1154,
        1155,
        1156,
        1157,
        1158,
        1159,
        1160,
        1161,  # network read/write
        1184,
        1205,
        1213,  # aborted connection, lock wait timeout, deadlock
        1927,
        3032,
        4031,  # connection killed, server offline, disconnected for inactivity
    }
)


_SQLITE_UNAVAILABLE = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_CANTOPEN",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_READONLY",
    "SQLITE_NOTADB",
    "SQLITE_CORRUPT",
)


def is_unavailable(error: sa.exc.DBAPIError) -> bool:
    """Whether the error means the database cannot serve us now (down, unreachable, killed
    connection, lock timeout, deadlock), rather than a problem with the statement.

    PyMySQL reports every server error it has no class for as OperationalError (an
    out-of-range BIGINT, say), so MariaDB errors are told apart by number; its client errors
    (2000-2999) are all about the connection. SQLite's OperationalError also covers a missing
    table. Elsewhere the DB-API classes say it.
    """
    if error.connection_invalidated:
        return True
    if not isinstance(
        error, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.DisconnectionError
    ):
        return False
    if isinstance(error.orig, sqlite3.Error):
        # SQLite's OperationalError also covers statement errors (a SUM overflow, a missing
        # table); only these result codes mean the file cannot be used right now.
        name: str = getattr(error.orig, "sqlite_errorname", "")
        return name.startswith(_SQLITE_UNAVAILABLE)
    args = getattr(error.orig, "args", ())
    if args and isinstance(args[0], int):  # PyMySQL: (errno, message)
        errno: int = args[0]
        return errno in _MYSQL_UNAVAILABLE_ERRNOS or 2000 <= errno < 3000
    return not is_schema_error(error)


def is_schema_error(error: sa.exc.DBAPIError) -> bool:
    """SQLite reports a missing table (no ``create_schema()``) as an OperationalError, like a
    lost file or a lock; that one is a usage error, not an unavailable database."""
    if not isinstance(error.orig, sqlite3.OperationalError):
        return False
    message = str(error.orig)
    return message.startswith("no such ") or "syntax error" in message


# ---- isolated databases for test runs ----------------------------------------------------


def create_database_sql(dialect_name: str, name: str) -> str:
    """DDL for a fresh, empty database (UTF-8 so every code point fits)."""
    if dialect_name == "postgresql":
        return f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0"
    if dialect_name in MYSQL_FAMILY:
        return f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE {MYSQL_TEXT_COLLATION}"
    raise UnsupportedOperationError(f"cannot create databases on SQL dialect {dialect_name!r}")


def drop_database_sql(dialect_name: str, name: str) -> str:
    """DDL dropping a test database even if a forgotten connection still uses it."""
    if dialect_name == "postgresql":
        return f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    if dialect_name in MYSQL_FAMILY:
        return f"DROP DATABASE IF EXISTS `{name}`"
    raise UnsupportedOperationError(f"cannot drop databases on SQL dialect {dialect_name!r}")


# ---- schema migrations -------------------------------------------------------------------

_SCHEMA_LOCK_KEY = 0x15_70_2E_5C_4E_3A  # any fixed 63-bit number names the advisory lock
_SCHEMA_LOCK_NAME = "integration_store.schema"


@contextmanager
def schema_lock(connection: sa.Connection) -> Iterator[None]:
    """Make concurrent ``create_schema`` calls on one database take turns.

    PostgreSQL: a session advisory lock; MariaDB/MySQL: ``GET_LOCK`` (DDL commits implicitly
    there, so the lock must outlive transactions); SQLite: ``BEGIN IMMEDIATE`` already
    serialises writers.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(
                sa.text("SELECT pg_advisory_unlock(:key)"), {"key": _SCHEMA_LOCK_KEY}
            )
            connection.commit()
    elif is_mysql(connection.dialect):
        connection.execute(sa.text("SELECT GET_LOCK(:name, 60)"), {"name": _SCHEMA_LOCK_NAME})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": _SCHEMA_LOCK_NAME})
            connection.commit()
    else:
        yield

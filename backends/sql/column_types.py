"""Column types: how each kind of stored value is kept on SQLite, PostgreSQL and MariaDB/MySQL.

The tables ask ``column_type(kind)`` for the type of each field of the record schema; the
types below keep values exactly and make text compare by code point on every dialect:

- identifiers: SQLite VARCHAR(255) (BINARY collation); PostgreSQL VARCHAR(255) COLLATE "C";
  MariaDB VARCHAR(255) utf8mb4_nopad_bin.
- free text: SQLite TEXT; PostgreSQL TEXT COLLATE "C"; MariaDB LONGTEXT utf8mb4_nopad_bin.
- JSON: jsoncodec text everywhere (TEXT; MariaDB LONGTEXT utf8mb4_bin).
- timestamps: PostgreSQL TIMESTAMP(3) WITH TIME ZONE; SQLite and MariaDB BIGINT milliseconds
  since the Unix epoch.
- UUIDs: PostgreSQL UUID; SQLite CHAR(32) lowercase hex; MariaDB CHAR(32) ascii_bin hex.
- bools / ints / floats: BOOLEAN (SQLite INTEGER, MariaDB TINYINT(1)) / BIGINT / DOUBLE.
- bytes: SQLite BLOB; PostgreSQL BYTEA; MariaDB LONGBLOB (BLOB stops at 64 KiB).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.engine import Dialect

from integration_store import jsoncodec
from integration_store.model.schema import FieldKind

MYSQL_FAMILY: Final = ("mysql", "mariadb")
"""SQLAlchemy's names for MariaDB/MySQL (``mariadb`` for mariadb:// URLs)."""

MYSQL_TEXT_COLLATION: Final = "utf8mb4_nopad_bin"
"""Code-point order that also keeps trailing spaces significant (``utf8mb4_bin`` pads)."""

MYSQL_TABLE_OPTIONS: Final[dict[str, Any]] = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": MYSQL_TEXT_COLLATION,
}
"""Table options so columns without their own collation still compare by code point."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND: Final = timedelta(milliseconds=1)


def is_mysql(dialect: Dialect) -> bool:
    """MariaDB is served by SQLAlchemy's mysql dialect (named ``mariadb`` for mariadb:// URLs)."""
    return dialect.name in MYSQL_FAMILY


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


def binary_type() -> sa.types.TypeEngine[bytes]:
    """Binary data of any length, kept byte for byte."""
    return sa.LargeBinary().with_variant(mysql.LONGBLOB(), *MYSQL_FAMILY)


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

    # The processors are plain functions (not SQLAlchemy's wrappers around
    # ``process_bind_param``): the store calls them for every value it writes and reads.
    def bind_processor(self, dialect: Dialect) -> Callable[[Any], str | None]:
        return _json_text

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        # Still the conversion SQLAlchemy uses when it renders a literal value.
        return _json_text(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return _json_value


class IeeeDouble(sa.types.TypeDecorator[float]):
    """A finite float as an IEEE double (DOUBLE PRECISION, DOUBLE, REAL), which every driver
    writes and reads as a Python float. No processors: SQLAlchemy's own PostgreSQL float type
    picks its reader by the column's type code in a result, which a statement compiled once
    (``prepared``) does not have, and refused to build one."""

    impl = sa.Double
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


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

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        return _aware_utc if dialect.name == "postgresql" else _milliseconds

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        return self.bind_processor(dialect)(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return _aware_utc if dialect.name == "postgresql" else _from_milliseconds


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

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        return None if dialect.name == "postgresql" else _uuid_hex

    def process_bind_param(self, value: uuid.UUID | None, dialect: Dialect) -> Any:
        return value if dialect.name == "postgresql" else _uuid_hex(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return _plain_uuid if dialect.name == "postgresql" else _uuid_from_hex


def _json_text(value: Any) -> str | None:
    return None if value is None else jsoncodec.dumps(value)


def _json_value(text: Any) -> Any:
    return None if text is None else jsoncodec.loads(text)


def _aware_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


def _milliseconds(value: datetime | None) -> int | None:
    return None if value is None else (value - _EPOCH) // _MILLISECOND


def _from_milliseconds(value: int | None) -> datetime | None:
    return None if value is None else _EPOCH + timedelta(milliseconds=int(value))


def _uuid_hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def _uuid_from_hex(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(hex=value)


def _plain_uuid(value: Any) -> uuid.UUID | None:
    """A plain UUID, whatever the driver gave (a UUID subclass, or text)."""
    if value is None or type(value) is uuid.UUID:
        return value
    return uuid.UUID(str(value))


_COLUMN_TYPES: Final[dict[FieldKind, Callable[[], sa.types.TypeEngine[Any]]]] = {
    FieldKind.IDENTIFIER: identifier_type,
    FieldKind.ENUM: identifier_type,  # an enum's value is stored like an identifier
    FieldKind.TEXT: free_text_type,
    FieldKind.JSON: JsonText,
    FieldKind.TIMESTAMP: UtcTimestamp,
    FieldKind.UUID: UuidKey,
    FieldKind.INTEGER: sa.BigInteger,
    FieldKind.FLOAT: IeeeDouble,  # finite floats round-trip on every dialect
    FieldKind.BOOLEAN: sa.Boolean,
    FieldKind.BYTES: binary_type,
}


def column_type(kind: FieldKind) -> sa.types.TypeEngine[Any]:
    """A fresh column type for a field of ``kind``."""
    return _COLUMN_TYPES[kind]()


POSTGRESQL_COPY_TYPES: Final[dict[FieldKind, str]] = {
    FieldKind.IDENTIFIER: "text",  # varchar takes text's binary form
    FieldKind.ENUM: "text",
    FieldKind.TEXT: "text",
    FieldKind.JSON: "text",
    FieldKind.TIMESTAMP: "timestamptz",
    FieldKind.UUID: "uuid",
    FieldKind.INTEGER: "int8",
    FieldKind.FLOAT: "float8",
    FieldKind.BOOLEAN: "bool",
    FieldKind.BYTES: "bytea",
}
"""For a binary ``COPY`` on PostgreSQL: the type whose binary form psycopg writes for the values
the bind converters above give a column of each kind. It must be the column's own type (the
server reads a binary value by it), so it is kept beside ``_COLUMN_TYPES``, and
``tests/test_postgres_copy.py`` holds both to the server's catalogue."""

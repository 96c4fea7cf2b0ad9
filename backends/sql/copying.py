"""PostgreSQL's ``COPY … FROM STDIN`` of a table: the bulk insert of ``TableRows.insert_many``.

Binary where every column's type is known here: psycopg then picks each column's dumper once
for the whole COPY (``Copy.set_types``) instead of looking one up for every value, and the
server parses no text. Measured on 1,000 connector rows (17 columns, in one process): psycopg
formatted them in 7.8 ms as text, 5.1 ms of it the two timestamps, and in 0.6 ms as binary;
the client's CPU time for the whole COPY fell from 8.7 to 3.9 ms. The wall time stayed the
server's, about 10 ms either way, but a two-core machine shares its CPU with the server.
A table with a column of another type is copied as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from .prepared import column_values


class CopyPlan(NamedTuple):
    """How a table's rows are copied: the statement, a record's values in column order, and
    the PostgreSQL type of each column for a binary COPY (None: text)."""

    sql: str
    values: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    types: tuple[str, ...] | None


def copy_plan(table: sa.Table, dialect: Dialect) -> CopyPlan:
    """The COPY of every column of ``table``."""
    quote = dialect.identifier_preparer.quote
    columns = list(table.c)
    names = ", ".join(quote(column.name) for column in columns)
    types = [binary_copy_type(column.type, dialect) for column in columns]
    known = None if None in types else tuple(str(name) for name in types)
    sql = f"COPY {quote(table.name)} ({names}) FROM STDIN"
    if known is not None:
        sql += " (FORMAT BINARY)"
    return CopyPlan(sql, column_values(columns, dialect), known)


_BINARY_TYPES: Final = {
    "varchar": "text",  # the same bytes as text
    "text": "text",
    "timestamp with time zone": "timestamptz",
    "uuid": "uuid",
    "bigint": "int8",
    "boolean": "bool",
    "double precision": "float8",
    "bytea": "bytea",
}
"""The column types ``column_types`` gives PostgreSQL (as its DDL writes them), and the type
psycopg sends each one's values as."""


def binary_copy_type(column_type: sa.types.TypeEngine[Any], dialect: Dialect) -> str | None:
    """The PostgreSQL type name whose binary form psycopg writes for ``column_type``'s values,
    or None for a type not listed in ``_BINARY_TYPES``.

    Read from the type as ``CREATE TABLE`` writes it, because it must be exact, not merely
    compatible: the server reads a binary value by its column's own type, so an ``int4`` sent
    to a ``bigint`` column is refused, and a naive ``timestamp`` sent to a ``timestamptz`` one
    would be misread. ``tests/test_postgres_copy.py`` holds every kind's type to the server's
    catalogue."""
    written = dialect.type_compiler_instance.process(column_type)
    name = _LENGTH.sub("", written).split(" COLLATE ", 1)[0].lower()
    return _BINARY_TYPES.get(name)


_LENGTH: Final = re.compile(r"\(\d+\)")
"""A length or precision: ``VARCHAR(255)``, ``TIMESTAMP(3) WITH TIME ZONE``."""

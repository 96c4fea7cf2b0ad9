"""PostgreSQL's ``COPY … FROM STDIN`` of a table: the bulk insert of ``TableRows.insert_many``.

Binary where every column is a record field's (``tables.kind_column``): the server then parses
no text, and psycopg writes each value in its column's binary form with one dumper per column
for the whole COPY (``Copy.set_types``). As text, psycopg looked up a dumper for every value
and formatted an aware datetime as text, most of a batch's client-side COPY time
(CHANGELOG). A table with another column is copied as text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from integration_store.model.schema import FieldKind

from .column_types import POSTGRESQL_COPY_TYPES
from .prepared import column_values
from .tables import KIND


class CopyPlan(NamedTuple):
    """How a table's rows are copied: the statement, a record's values in column order, and
    for a binary COPY the PostgreSQL type of each column (None: the statement is text)."""

    sql: str
    values: Callable[[Mapping[str, Any]], tuple[Any, ...]]
    types: tuple[str, ...] | None


def copy_plan(table: sa.Table, dialect: Dialect) -> CopyPlan:
    """The COPY of every column of ``table``."""
    quote = dialect.identifier_preparer.quote
    columns = list(table.c)
    names = ", ".join(quote(column.name) for column in columns)
    sql = f"COPY {quote(table.name)} ({names}) FROM STDIN"
    types = binary_copy_types(columns)
    if types is not None:
        sql += " (FORMAT BINARY)"
    return CopyPlan(sql, column_values(columns, dialect), types)


def binary_copy_types(columns: list[sa.Column[Any]]) -> tuple[str, ...] | None:
    """Each column's type for a binary COPY, by its field's kind; None when a column has no
    kind (not made by ``tables.kind_column``)."""
    kinds: list[FieldKind | None] = [column.info.get(KIND) for column in columns]
    if None in kinds:
        return None
    return tuple(POSTGRESQL_COPY_TYPES[kind] for kind in kinds if kind is not None)

"""Statements whose SQL differs by dialect, and the dialect facts the storages branch on.

The storages write portable SQLAlchemy Core; where a dialect lacks a feature (``RETURNING`` on
MariaDB, SQLite's overflowing 64-bit ``SUM``) the helpers here hide the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect

from integration_store.errors import UnsupportedOperationError

from .column_types import is_mysql


def upsert(
    dialect: Dialect,
    table: sa.Table,
    key_columns: tuple[str, ...],
    changed: Sequence[str],
    incremented: Sequence[str] = (),
    *,
    returning: bool = True,
) -> sa.Insert:
    """One ``INSERT`` of a whole row (bound by column name) that, when the key is taken, sets
    only the ``changed`` columns, to the values of the row it tried to insert (each value is
    sent once: a large payload twice could pass MariaDB's ``max_allowed_packet``), and adds to
    each ``incremented`` column the value the row tried to insert for it (the increment).

    ``ON CONFLICT … DO UPDATE`` on SQLite and PostgreSQL (with ``RETURNING`` the stored row,
    unless ``returning`` is False: a statement run as an ``executemany`` batch returns nothing),
    ``ON DUPLICATE KEY UPDATE`` on MariaDB/MySQL (the caller reads the row back).
    """
    if is_mysql(dialect):
        on_duplicate = mysql.insert(table)
        return on_duplicate.on_duplicate_key_update(
            _assignments(table, key_columns, changed, incremented, on_duplicate.inserted)
        )
    on_conflict: postgresql.Insert | sqlite.Insert
    if dialect.name == "postgresql":
        on_conflict = postgresql.insert(table)
    elif dialect.name == "sqlite":
        on_conflict = sqlite.insert(table)
    else:
        raise UnsupportedOperationError(f"no upsert for SQL dialect {dialect.name!r}")
    statement = on_conflict.on_conflict_do_update(
        index_elements=[table.c[key] for key in key_columns],
        set_=_assignments(table, key_columns, changed, incremented, on_conflict.excluded),
    )
    return statement.returning(*table.c) if returning else statement


def _assignments(
    table: sa.Table,
    key_columns: tuple[str, ...],
    changed: Sequence[str],
    incremented: Sequence[str],
    proposed: Any,
) -> dict[str, Any]:
    assignments: dict[str, Any] = {column: proposed[column] for column in changed}
    for column in incremented:
        assignments[column] = table.c[column] + proposed[column]
    # Nothing to change still has to be a valid update clause: set a key to itself.
    return assignments or {key_columns[0]: table.c[key_columns[0]]}


def upsert_returns_row(dialect: Dialect) -> bool:
    """Whether the statement of ``upsert`` hands back the stored row."""
    return dialect.name in ("postgresql", "sqlite")


def update_returns_row(dialect: Dialect) -> bool:
    """Whether ``UPDATE … RETURNING`` works (not on MariaDB/MySQL)."""
    return bool(dialect.update_returning)


def claims_skip_locked(dialect: Dialect) -> bool:
    """Whether claims lock their rows ``FOR UPDATE SKIP LOCKED`` (PostgreSQL, MariaDB ≥ 10.6,
    MySQL 8); SQLite has no row locks: its one writer at a time makes a claim atomic."""
    return dialect.name != "sqlite"


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


def strictly_after(
    columns: tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]], names: tuple[str, str]
) -> sa.ColumnElement[bool]:
    """Rows sorting strictly after the key bound as ``names`` in ``ORDER BY first, second``:
    portable SQL ``first > :a OR (first = :a AND second > :b)``, plus the implied
    ``first >= :a`` so every dialect starts an index range scan at the key instead of
    filtering from the start. Values bind through the columns' types, so they compare as
    stored (milliseconds, hex ids, ...)."""
    first, second = columns
    a = sa.bindparam(names[0], type_=first.type)
    b = sa.bindparam(names[1], type_=second.type)
    return sa.and_(first >= a, sa.or_(first > a, sa.and_(first == a, second > b)))

"""Statements whose SQL differs by dialect, and the row helpers the storages share.

The storages write portable SQLAlchemy Core; where a dialect lacks a feature (``RETURNING`` on
MariaDB, SQLite's overflowing 64-bit ``SUM``) the helpers here hide the difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect

from integration_store.errors import UnsupportedOperationError

from .column_types import is_mysql


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
    if is_mysql(dialect):
        return mysql.insert(table).values(dict(insert)).on_duplicate_key_update(assignments)
    on_conflict: postgresql.Insert | sqlite.Insert
    if dialect.name == "postgresql":
        on_conflict = postgresql.insert(table).values(dict(insert))
    elif dialect.name == "sqlite":
        on_conflict = sqlite.insert(table).values(dict(insert))
    else:
        raise UnsupportedOperationError(f"no upsert for SQL dialect {dialect.name!r}")
    return on_conflict.on_conflict_do_update(
        index_elements=[table.c[key] for key in key_columns], set_=assignments
    ).returning(*table.c)


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


def strictly_after(
    columns: tuple[sa.ColumnElement[Any], sa.ColumnElement[Any]], key: tuple[Any, Any]
) -> sa.ColumnElement[bool]:
    """Rows sorting strictly after ``key`` in ``ORDER BY first, second``: portable SQL
    ``first > :a OR (first = :a AND second > :b)``, plus the implied ``first >= :a`` so every
    dialect can start an index range scan at the key instead of filtering from the start.
    Values bind through the columns' types, so they compare as stored (ms, hex ids, ...)."""
    first, second = columns
    a, b = key
    return sa.and_(first >= a, sa.or_(first > a, sa.and_(first == a, second > b)))


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

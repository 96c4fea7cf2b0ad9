"""Statements compiled once per store, run on the DB-API cursor with no per-call SQLAlchemy work.

A storage describes each statement once with SQLAlchemy Core, its inputs as named
``bindparam`` s. ``Prepared`` compiles it for the store's dialect when the store opens and keeps
what every call needs: the SQL text, the order of the parameters, and the column types' own
converters for what goes in (JSON to text, datetimes to milliseconds, …) and what comes back. A
call then only converts its values and runs the text on the driver's cursor, which is what
hand-written DB-API code does — SQLAlchemy's expression building, compilation cache lookup and
result objects cost several times the database's own work on a one-row call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

from integration_store.records import Record

Converter = Callable[[Any], Any]
Row = Sequence[Any]


def _bind_converter(column_type: sa.types.TypeEngine[Any], dialect: Dialect) -> Converter | None:
    converter: Converter | None = column_type.dialect_impl(dialect).bind_processor(dialect)
    return converter


def _result_converter(column_type: sa.types.TypeEngine[Any], dialect: Dialect) -> Converter | None:
    converter: Converter | None = column_type.dialect_impl(dialect).result_processor(dialect, None)
    return converter


class RowDecoder:
    """Turns a fetched row (a tuple, in the statement's column order) into a record."""

    __slots__ = ("_plan",)

    def __init__(self, columns: Sequence[sa.ColumnElement[Any]], dialect: Dialect) -> None:
        self._plan: Final = tuple(
            (index, str(column.key), _result_converter(column.type, dialect))
            for index, column in enumerate(columns)
        )

    def record(self, row: Row) -> Record:
        """The record of one row; each value converted as its column type reads it."""
        return {
            name: row[index] if convert is None else convert(row[index])
            for index, name, convert in self._plan
        }


class Prepared:
    """One statement compiled for one dialect: its SQL text, how to bind a call's values, and
    (for a statement that returns rows) how to decode them."""

    __slots__ = ("_binders", "_constants", "_positional", "decoder", "sql")

    def __init__(
        self,
        statement: sa.ClauseElement,
        dialect: Dialect,
        returns: Sequence[sa.ColumnElement[Any]] = (),
    ) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql: Final = compiled.string
        self._positional: Final = bool(compiled.positional)
        names = list(compiled.positiontup or ()) if self._positional else list(compiled.binds)
        self._binders: Final = tuple(
            (name, _bind_converter(compiled.binds[name].type, dialect)) for name in names
        )
        self.decoder: Final = RowDecoder(returns, dialect) if returns else None
        # Literals written into the statement (``SUM(x >> 32)``) are bound values too.
        self._constants: Final = {
            name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
        }

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        """The driver's parameters for one call: a tuple for positional paramstyles (SQLite's
        ``?``), a dict for named ones (``%(name)s``)."""
        if self._constants:
            values = {**self._constants, **values}
        if self._positional:
            return tuple(
                values[name] if convert is None else convert(values[name])
                for name, convert in self._binders
            )
        return {
            name: values[name] if convert is None else convert(values[name])
            for name, convert in self._binders
        }

    def record(self, row: Row) -> Record:
        """Decode one row this statement returned."""
        assert self.decoder is not None, "this statement returns no rows"
        return self.decoder.record(row)

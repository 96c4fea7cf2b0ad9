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


def _written_out(source: str, namespace: dict[str, Any]) -> Callable[[Any], Any]:
    """Compile a one-expression function ``f`` written for one statement (as attrs writes a
    class's ``__init__``): no loop, no per-value branch at call time."""
    exec(compile(source, "<integration_store statement>", "exec"), namespace)
    function: Callable[[Any], Any] = namespace["f"]
    return function


def column_values(
    columns: Sequence[sa.Column[Any]], dialect: Dialect
) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """The function giving a record's values for ``columns``, in their order, each converted as
    its column type binds it: the rows a PostgreSQL ``COPY`` takes, written out once per table
    so a bulk insert builds no parameter dict per row."""
    namespace: dict[str, Any] = {}
    items = []
    for index, column in enumerate(columns):
        value = f"record[{column.key!r}]"
        convert = _bind_converter(column.type, dialect)
        if convert is not None:
            namespace[f"c{index}"] = convert
            value = f"c{index}({value})"
        items.append(value)
    return _written_out(f"def f(record):\n    return ({', '.join(items)},)\n", namespace)


class RowDecoder:
    """Turns a fetched row (a tuple, in the statement's column order) into a record."""

    __slots__ = ("record",)

    def __init__(self, columns: Sequence[sa.ColumnElement[Any]], dialect: Dialect) -> None:
        namespace: dict[str, Any] = {}
        items = []
        for index, column in enumerate(columns):
            convert = _result_converter(column.type, dialect)
            value = f"row[{index}]"
            if convert is not None:
                namespace[f"c{index}"] = convert
                value = f"c{index}({value})"
            items.append(f"{str(column.key)!r}: {value}")
        self.record: Final[Callable[[Row], Record]] = _written_out(
            f"def f(row):\n    return {{{', '.join(items)}}}\n", namespace
        )
        """The record of one row; each value converted as its column type reads it."""


class Prepared:
    """One statement compiled for one dialect: its SQL text, how to bind a call's values, and
    (for a statement that returns rows) how to decode them."""

    __slots__ = ("decoder", "parameters", "sql")

    def __init__(
        self,
        statement: sa.ClauseElement,
        dialect: Dialect,
        returns: Sequence[sa.ColumnElement[Any]] = (),
    ) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        self.sql: Final = compiled.string
        positional = bool(compiled.positional)
        names = list(compiled.positiontup or ()) if positional else list(compiled.binds)
        namespace: dict[str, Any] = {}
        values = []
        for index, name in enumerate(names):
            bind = compiled.binds[name]
            if bind.required:
                value = f"values[{name!r}]"
            else:  # a literal written into the statement (``SUM(x >> 32)``) is bound too
                namespace[f"k{index}"] = bind.effective_value
                value = f"k{index}"
            convert = _bind_converter(bind.type, dialect)
            if convert is not None:
                namespace[f"c{index}"] = convert
                value = f"c{index}({value})"
            values.append(value if positional else f"{name!r}: {value}")
        if positional:
            body = f"({', '.join(values)},)" if values else "()"
        else:
            body = f"{{{', '.join(values)}}}"
        self.parameters: Final[Callable[[Mapping[str, Any]], Sequence[Any] | dict[str, Any]]] = (
            _written_out(f"def f(values):\n    return {body}\n", namespace)
        )
        """The driver's parameters for one call: a tuple for positional paramstyles (SQLite's
        ``?``), a dict for named ones (``%(name)s``)."""
        self.decoder: Final = RowDecoder(returns, dialect) if returns else None

    def record(self, row: Row) -> Record:
        """Decode one row this statement returned."""
        assert self.decoder is not None, "this statement returns no rows"
        return self.decoder.record(row)

"""The calls every SQL storage makes on its table, each one atomic through a ``Runner``.

The storages describe *which* rows as statement builders: functions returning a SQLAlchemy Core
statement whose inputs are named ``bindparam`` s. Each builder is compiled once per store
(``StatementCache``) and afterwards only its values travel, so the per-call plumbing — and the
per-call cost — is written once, here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from integration_store.records import Record

from .connections import DbConnection
from .copying import CopyPlan, copy_plan
from .execution import Runner, T, Work
from .prepared import Prepared
from .statements import update_returns_row

Builder = Callable[[], sa.ClauseElement]
"""Builds a statement (inputs as named bindparams) — run once per store and key."""


class RowCondition(NamedTuple):
    """A further condition on the row ``TableRows.set_fields`` changes: its cache ``key`` (one
    per shape of the clause), the clause ``build`` makes, and the values it binds by name."""

    key: Hashable
    build: Callable[[], sa.ColumnElement[bool]]
    values: Mapping[str, Any]


class StatementCache:
    """Every statement a store has compiled, by key; one per store, shared by its runners."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._prepared: dict[Hashable, Prepared] = {}

    def get(self, key: Hashable, build: Builder, returns: sa.Table | None = None) -> Prepared:
        """The compiled statement for ``key`` (``build`` is called the first time only);
        ``returns``: it returns whole rows of that table."""
        prepared = self._prepared.get(key)
        if prepared is None:
            columns = [] if returns is None else list(returns.c)
            prepared = self._prepared[key] = Prepared(build(), self.dialect, columns)
        return prepared


class TableRows:
    """Insert, fetch, update and delete rows of one table."""

    def __init__(self, runner: Runner, statements: StatementCache, table: sa.Table) -> None:
        self._runner = runner
        self._statements = statements
        self.table = table
        self.dialect = statements.dialect

    def prepared(self, key: Hashable, build: Builder, *, rows: bool = False) -> Prepared:
        """The compiled statement for ``key``; ``rows``: it returns whole rows of the table."""
        return self._statements.get((self.table.name, key), build, self.table if rows else None)

    def run(self, work: Work[T], *, write: bool, single: bool = False) -> T:
        """Any other call on the table (an upsert, an aggregate)."""
        return self._runner.run(work, write=write, single=single)

    def insert(self, record: Record) -> None:
        """Insert one row; a key or unique constraint raises the conflict (in a savepoint inside
        a unit of work, so its transaction stays usable)."""
        statement = self.prepared("insert", self.table.insert)
        self._runner.insert(lambda connection: connection.execute(statement, record), single=True)

    def insert_many(self, records: Sequence[Record]) -> None:
        """Insert every row in one batch, all or nothing: the driver's ``executemany`` (one
        C-level loop on SQLite; PyMySQL rewrites it into multi-row INSERTs), and on PostgreSQL
        one ``COPY … FROM STDIN`` — a single statement, several times faster than psycopg's
        pipelined executemany or a multi-row INSERT, whose 16,000 placeholders psycopg parses
        in Python."""
        statement = self.prepared("insert", self.table.insert)
        rows = list(records)
        if self.dialect.name != "postgresql":
            self._runner.insert(
                lambda connection: connection.execute_many(statement, rows), single=False
            )
            return
        plan = self._copy
        self._runner.insert(
            lambda connection: connection.copy_rows(plan, rows), single=True
        )  # one statement: atomic alone

    @functools.cached_property
    def _copy(self) -> CopyPlan:
        """PostgreSQL's ``COPY`` of every column of the table (``copying``)."""
        return copy_plan(self.table, self.dialect)

    def first(self, key: Hashable, build: Builder, values: dict[str, Any]) -> Record | None:
        """The first row the select returns (None if none)."""
        statement = self.prepared(key, build, rows=True)

        def work(connection: DbConnection) -> Record | None:
            row = connection.fetch_one(statement, values)
            return None if row is None else statement.record(row)

        return self._runner.run(work, write=False, single=True)

    def all(self, key: Hashable, build: Builder, values: dict[str, Any]) -> list[Record]:
        """Every row the (ordered, limited) select returns."""
        statement = self.prepared(key, build, rows=True)

        def work(connection: DbConnection) -> list[Record]:
            return [statement.record(row) for row in connection.fetch_all(statement, values)]

        return self._runner.run(work, write=False, single=True)

    def update(
        self, key: Hashable, build_update: Builder, build_select: Builder, values: dict[str, Any]
    ) -> Record | None:
        """Run the update of at most one row; the row after it, or None when none matched.

        One ``UPDATE … RETURNING`` where the dialect has it (one round trip, atomic alone);
        MariaDB/MySQL read the row back with ``build_select`` in the same transaction, where
        our UPDATE holds the row's lock until commit (one batch, so one round trip too).
        """
        if update_returns_row(self.dialect):
            returning = self.prepared(
                (key, "returning"),
                lambda: build_update().returning(*self.table.c),  # type: ignore[attr-defined]
                rows=True,
            )

            def returned(connection: DbConnection) -> Record | None:
                row = connection.fetch_one(returning, values)
                return None if row is None else returning.record(row)

            return self._runner.run(returned, write=True, single=True)
        update = self.prepared(key, build_update)
        select = self.prepared((key, "select"), build_select, rows=True)
        return self.write_then_read(update, select, values)

    def set_fields(
        self,
        key_column: str,
        key: Any,
        changes: Mapping[str, Any],
        condition: RowCondition | None = None,
        increments: Mapping[str, int] | None = None,
    ) -> Record | None:
        """Set ``changes`` and add ``increments`` on the row whose ``key_column`` is ``key``
        (and that meets ``condition``, tested by the UPDATE itself); the row after it, or None
        when there is none (``update`` with the statements of that shape)."""
        fields = tuple(changes)
        added = tuple(increments or {})
        column = self.table.c[key_column]

        def where() -> sa.ColumnElement[bool]:
            by_key = column == sa.bindparam("key", type_=column.type)
            return by_key if condition is None else sa.and_(by_key, condition.build())

        def build_select() -> sa.ClauseElement:
            select = sa.select(self.table).where(column == sa.bindparam("key", type_=column.type))
            if condition is not None:
                # Read back after MariaDB's UPDATE: the row only when the UPDATE matched it (a
                # row that failed the condition is there, but must not come back as written).
                select = select.where(sa.func.row_count() > 0)
            return select

        def build_update() -> sa.ClauseElement:
            assignments: dict[str, Any] = {
                field: sa.bindparam(f"set_{field}", type_=self.table.c[field].type)
                for field in fields
            }
            for field in added:
                assignments[field] = self.table.c[field] + sa.bindparam(
                    f"add_{field}", type_=sa.BigInteger
                )
            return sa.update(self.table).where(where()).values(assignments)

        values: dict[str, Any] = {f"set_{field}": value for field, value in changes.items()}
        values.update({f"add_{field}": amount for field, amount in (increments or {}).items()})
        values["key"] = key
        if condition is not None:
            values.update(condition.values)
        return self.update(
            ("set_fields", key_column, fields, added, None if condition is None else condition.key),
            build_update,
            build_select,
            values,
        )

    def write_then_read(
        self, write: Prepared, select: Prepared, values: dict[str, Any]
    ) -> Record | None:
        """Run ``write``, then ``select`` (the row it wrote), atomically; for dialects whose
        write cannot return the row itself."""
        if not self._runner.in_transaction:

            def batch(connection: DbConnection) -> Record | None:
                row = connection.fetch_after(write, select, values)
                return None if row is None else select.record(row)

            return self._runner.run(batch, write=True, single=True)

        def read_back(connection: DbConnection) -> Record | None:
            if connection.execute(write, values) == 0:
                return None
            row = connection.fetch_one(select, values)
            return None if row is None else select.record(row)

        return self._runner.run(read_back, write=True)

    def delete(self, key: Hashable, build: Builder, values: Mapping[str, Any]) -> int:
        """Delete the matching rows; how many there were."""
        statement = self.prepared(key, build)
        return self._runner.run(
            lambda connection: connection.execute(statement, dict(values)), write=True, single=True
        )

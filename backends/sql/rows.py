"""The calls every SQL storage makes on its table, each one atomic through a ``Runner``.

The storages describe *which* rows (conditions, an ordered select); this class runs the
statement and hands back fresh records, so the per-call plumbing is written once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from integration_store.records import Record

from .execution import Runner, T, Work
from .statements import record_of, update_row


class TableRows:
    """Insert, fetch, update and delete rows of one table."""

    def __init__(self, runner: Runner, table: sa.Table) -> None:
        self._runner = runner
        self.table = table

    def run(self, work: Work[T], *, write: bool) -> T:
        """Any other call on the table (an upsert, an aggregate)."""
        return self._runner.run(work, write=write)

    def insert(self, record: Record) -> None:
        """Insert one row; a key or unique constraint raises the conflict, in a savepoint so an
        enclosing transaction stays usable."""

        def work(connection: Connection) -> None:
            connection.execute(self.table.insert(), [dict(record)])

        self._runner.run(work, write=True, savepoint=True)

    def insert_many(self, records: Sequence[Record]) -> None:
        """Insert rows with one executemany, all or nothing: the call's own transaction (or, in
        a unit of work, a savepoint) is rolled back on a conflict with any of them."""

        def work(connection: Connection) -> None:
            connection.execute(self.table.insert(), [dict(record) for record in records])

        self._runner.run(work, write=True, savepoint=True)

    def first(self, *conditions: sa.ColumnElement[bool]) -> Record | None:
        """The row matching every condition (None if none does)."""
        return self._runner.run(
            lambda connection: select_first(connection, self.table, *conditions), write=False
        )

    def all(self, statement: sa.Select[Any]) -> list[Record]:
        """Every row of an (ordered, limited) select on the table."""

        def work(connection: Connection) -> list[Record]:
            return [dict(row._mapping) for row in connection.execute(statement)]

        return self._runner.run(work, write=False)

    def update(self, condition: sa.ColumnElement[bool], values: Mapping[str, Any]) -> Record | None:
        """Update the row matching ``condition``; the row after the update, or None."""
        return self._runner.run(
            lambda connection: update_row(connection, self.table, condition, values), write=True
        )

    def delete(self, condition: sa.ColumnElement[bool]) -> int:
        """Delete the matching rows; how many there were."""

        def work(connection: Connection) -> int:
            return int(connection.execute(sa.delete(self.table).where(condition)).rowcount)

        return self._runner.run(work, write=True)


def select_first(
    connection: Connection, table: sa.Table, *conditions: sa.ColumnElement[bool]
) -> Record | None:
    """The first row of ``table`` matching every condition, as a fresh record."""
    return record_of(connection.execute(sa.select(table).where(*conditions)).first())

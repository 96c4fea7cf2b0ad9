"""Vector storage on SQL: a connector's vectors keyed by (connector_id, vector_id), and its
generation in ``integration_vector_sets``.

Each write is one transaction that moves the generation on and stores the vectors, so a reader
that sees a generation sees every vector written before it (the commit shows both at once). The
generation goes first: its row lock then orders the writers of one connector before any of them
locks a vector row, so writers of overlapping ids in different orders wait for each other
instead of deadlocking. Loading is the hot path (a
search loads every vector of a connector, page by page): one range scan of the primary key per
page, each row decoded straight into its record by the prepared statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import sqlalchemy as sa

from integration_store.model.schema import VECTOR, VECTOR_SET
from integration_store.records import Record

from .connections import DbConnection
from .execution import Runner
from .prepared import Prepared
from .rows import StatementCache, TableRows
from .statements import upsert, upsert_returns_row
from .tables import vector_sets, vectors

_V = vectors
_S = vector_sets
_P = sa.bindparam

REPLACED: Final = tuple(name for name in VECTOR.names if name not in VECTOR.key)
"""What an upsert of a stored vector_id replaces: every field but the key."""


def load_statement(after: bool) -> sa.Select[Any]:
    """One page of a connector's vectors in vector_id order (code point, by the column's
    collation), after the keyset ``after`` when given: a range scan of the primary key."""
    statement = sa.select(_V).where(_V.c.connector_id == _P("connector_id"))
    if after:
        statement = statement.where(_V.c.vector_id > _P("after", type_=_V.c.vector_id.type))
    return statement.order_by(_V.c.vector_id).limit(_P("limit", type_=sa.Integer))


def _generation_statement() -> sa.Select[Any]:
    return sa.select(_S.c.generation).where(_S.c.connector_id == _P("connector_id"))


class SqlVectorStorage:
    """``VectorStorage`` on the ``integration_vectors`` and ``integration_vector_sets`` tables."""

    def __init__(self, runner: Runner, statements: StatementCache) -> None:
        self._vectors = TableRows(runner, statements, _V)
        self._sets = TableRows(runner, statements, _S)
        self._dialect = statements.dialect

    def upsert(self, connector_id: str, records: Sequence[Record]) -> int:
        """One transaction: the generation's upsert, then the dialect's upsert of every row as
        one ``executemany`` batch."""
        dialect = self._dialect
        statement = self._vectors.prepared(
            "upsert", lambda: upsert(dialect, _V, VECTOR.key, REPLACED, returning=False)
        )
        rows = list(records)

        def work(connection: DbConnection) -> int:
            generation = self._bump(connection, connector_id)
            connection.execute_many(statement, rows)
            return generation

        return self._vectors.run(work, write=True)

    def delete(self, connector_id: str, vector_ids: Sequence[str]) -> int:
        """One transaction: the generation's upsert, then one ``DELETE`` per id as one batch
        (the driver sums the rows each removed)."""
        statement = self._vectors.prepared(
            "delete",
            lambda: sa.delete(_V).where(
                _V.c.connector_id == _P("connector_id"), _V.c.vector_id == _P("vector_id")
            ),
        )
        keys = [{"connector_id": connector_id, "vector_id": vector_id} for vector_id in vector_ids]

        def work(connection: DbConnection) -> int:
            self._bump(connection, connector_id)
            return connection.execute_many(statement, keys)

        return self._vectors.run(work, write=True)

    def delete_all(self, connector_id: str) -> int:
        """One transaction: the connector's vectors, then its generation moves on (if it has
        one: the row is kept, so a client holding the old vectors sees the change)."""
        vectors_of = self._vectors.prepared(
            "delete_all", lambda: sa.delete(_V).where(_V.c.connector_id == _P("connector_id"))
        )
        set_of = self._sets.prepared(
            "bump_existing",
            lambda: sa.update(_S)
            .where(_S.c.connector_id == _P("connector_id"))
            .values(generation=_S.c.generation + 1),
        )
        key = {"connector_id": connector_id}

        def work(connection: DbConnection) -> int:
            removed = connection.execute(vectors_of, key)
            connection.execute(set_of, key)
            return removed

        return self._vectors.run(work, write=True)

    def generation(self, connector_id: str) -> int:
        statement = self._sets.prepared("generation", _generation_statement)

        def work(connection: DbConnection) -> int:
            row = connection.fetch_one(statement, {"connector_id": connector_id})
            return 0 if row is None else int(row[0])

        return self._sets.run(work, write=False, single=True)

    def load(self, connector_id: str, after: str | None, limit: int) -> list[Record]:
        return self._vectors.all(
            ("load", after is not None),
            lambda: load_statement(after is not None),
            {"connector_id": connector_id, "after": after, "limit": limit},
        )

    def _bump(self, connection: DbConnection, connector_id: str) -> int:
        """Add 1 to the connector's generation (its row made at 1 when missing), inside the
        caller's transaction; the new generation. The row's lock, held to commit, makes
        concurrent writers of one connector take turns."""
        dialect = self._dialect
        returned = upsert_returns_row(dialect)
        bump: Prepared = self._sets.prepared(
            "bump",
            lambda: upsert(dialect, _S, VECTOR_SET.key, (), ("generation",), returning=returned),
            rows=returned,
        )
        values = {"connector_id": connector_id, "generation": 1}
        if returned:
            row = connection.fetch_one(bump, values)
            assert row is not None, "an upsert always leaves a row"
            return int(bump.record(row)["generation"])
        # MariaDB/MySQL: read back in the same transaction, under the row's lock.
        connection.execute(bump, values)
        generation = self._sets.prepared("generation", _generation_statement)
        read = connection.fetch_one(generation, values)
        assert read is not None, "an upsert always leaves a row"
        return int(read[0])

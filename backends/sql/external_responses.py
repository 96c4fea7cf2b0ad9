"""External response storage on SQL; the pending queue is one indexed, ordered, limited query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from integration_store.records import Record

from .execution import Runner
from .statements import record_of, update_row
from .tables import external_responses

_T = external_responses


class SqlExternalResponseStorage:
    """``ExternalResponseStorage`` on the ``integration_external_responses`` table."""

    def __init__(self, runner: Runner) -> None:
        self._runner = runner

    def insert(self, record: Record) -> None:
        def work(connection: Connection) -> None:
            connection.execute(_T.insert(), [dict(record)])

        self._runner.run(work, write=True, savepoint=True)

    def get(self, response_id: UUID) -> Record | None:
        def work(connection: Connection) -> Record | None:
            statement = sa.select(_T).where(_T.c.id == response_id)
            return record_of(connection.execute(statement).first())

        return self._runner.run(work, write=False)

    def update(self, response_id: UUID, changes: Mapping[str, Any]) -> Record | None:
        condition = _T.c.id == response_id

        def work(connection: Connection) -> Record | None:
            return update_row(connection, _T, condition, changes)

        return self._runner.run(work, write=True)

    def find_pending(self, interpretation_owner: str, limit: int) -> list[Record]:
        """Oldest first; ties by id, whose stored form sorts like ``UUID.int``."""
        statement = (
            sa.select(_T)
            .where(_T.c.interpretation_owner == interpretation_owner, _T.c.interpreted_at.is_(None))
            .order_by(_T.c.received_at, _T.c.id)
            .limit(limit)
        )

        def work(connection: Connection) -> list[Record]:
            return [dict(row._mapping) for row in connection.execute(statement)]

        return self._runner.run(work, write=False)

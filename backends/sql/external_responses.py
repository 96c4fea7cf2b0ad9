"""External response storage on SQL; the pending queue is one indexed, ordered, limited query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from integration_store.records import Record

from .execution import Runner
from .rows import TableRows
from .statements import strictly_after
from .tables import external_responses

_T = external_responses


def pending_statement(
    interpretation_owner: str, limit: int, after: tuple[datetime, UUID] | None = None
) -> sa.Select[Any]:
    """The pending queue: oldest first, ties by id, whose stored form sorts like ``UUID.int``
    (so the keyset condition on it compares the same way); served by the partial index."""
    statement = sa.select(_T).where(
        _T.c.interpretation_owner == interpretation_owner, _T.c.interpreted_at.is_(None)
    )
    if after is not None:
        statement = statement.where(strictly_after((_T.c.received_at, _T.c.id), after))
    return statement.order_by(_T.c.received_at, _T.c.id).limit(limit)


class SqlExternalResponseStorage:
    """``ExternalResponseStorage`` on the ``integration_external_responses`` table."""

    def __init__(self, runner: Runner) -> None:
        self._rows = TableRows(runner, _T)

    def insert(self, record: Record) -> None:
        self._rows.insert(record)

    def insert_many(self, records: Sequence[Record]) -> None:
        """One executemany in one transaction; any conflict stores none of them."""
        self._rows.insert_many(records)

    def get(self, response_id: UUID) -> Record | None:
        return self._rows.first(_T.c.id == response_id)

    def update(self, response_id: UUID, changes: Mapping[str, Any]) -> Record | None:
        return self._rows.update(_T.c.id == response_id, changes)

    def find_pending(
        self,
        interpretation_owner: str,
        limit: int,
        after: tuple[datetime, UUID] | None = None,
    ) -> list[Record]:
        return self._rows.all(pending_statement(interpretation_owner, limit, after))

"""External response storage on SQL; the pending queue is one indexed, ordered, limited query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from integration_store.records import Record

from .execution import Runner
from .rows import TableRows
from .tables import external_responses

_T = external_responses


class SqlExternalResponseStorage:
    """``ExternalResponseStorage`` on the ``integration_external_responses`` table."""

    def __init__(self, runner: Runner) -> None:
        self._rows = TableRows(runner, _T)

    def insert(self, record: Record) -> None:
        self._rows.insert(record)

    def get(self, response_id: UUID) -> Record | None:
        return self._rows.first(_T.c.id == response_id)

    def update(self, response_id: UUID, changes: Mapping[str, Any]) -> Record | None:
        return self._rows.update(_T.c.id == response_id, changes)

    def find_pending(self, interpretation_owner: str, limit: int) -> list[Record]:
        """Oldest first; ties by id, whose stored form sorts like ``UUID.int``."""
        return self._rows.all(
            sa.select(_T)
            .where(_T.c.interpretation_owner == interpretation_owner, _T.c.interpreted_at.is_(None))
            .order_by(_T.c.received_at, _T.c.id)
            .limit(limit)
        )

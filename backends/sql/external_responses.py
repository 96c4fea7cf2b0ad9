"""External response storage on SQL; the pending queue is one indexed, ordered, limited query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from integration_store.records import Record

from .execution import Runner
from .rows import StatementCache, TableRows
from .statements import strictly_after
from .tables import external_responses

_T = external_responses
_P = sa.bindparam


def _by_id(key: str) -> sa.ColumnElement[bool]:
    return _T.c.id == _P(key, type_=_T.c.id.type)


def pending_statement(after: bool) -> sa.Select[Any]:
    """The pending queue: the owner's uninterpreted responses, oldest first, ties by id, whose
    stored form sorts like ``UUID.int`` (so the keyset condition on it compares the same way);
    served by the partial index. Values bind by name (``pending_values``)."""
    statement = sa.select(_T).where(
        _T.c.interpretation_owner == _P("owner"), _T.c.interpreted_at.is_(None)
    )
    if after:
        statement = statement.where(
            strictly_after((_T.c.received_at, _T.c.id), ("after_received_at", "after_id"))
        )
    return statement.order_by(_T.c.received_at, _T.c.id).limit(_P("limit", type_=sa.Integer))


def pending_values(
    interpretation_owner: str, limit: int, after: tuple[datetime, UUID] | None
) -> dict[str, Any]:
    """The values ``pending_statement`` binds."""
    after_received_at, after_id = after or (None, None)
    return {
        "owner": interpretation_owner,
        "limit": limit,
        "after_received_at": after_received_at,
        "after_id": after_id,
    }


class SqlExternalResponseStorage:
    """``ExternalResponseStorage`` on the ``integration_external_responses`` table."""

    def __init__(self, runner: Runner, statements: StatementCache) -> None:
        self._rows = TableRows(runner, statements, _T)

    def insert(self, record: Record) -> None:
        self._rows.insert(record)

    def get(self, response_id: UUID) -> Record | None:
        return self._rows.first(
            "get", lambda: sa.select(_T).where(_by_id("id_")), {"id_": response_id}
        )

    def update(self, response_id: UUID, changes: Mapping[str, Any]) -> Record | None:
        return self._rows.set_fields("id", response_id, changes)

    def insert_many(self, records: Sequence[Record]) -> None:
        """One executemany in one transaction; any conflict stores none of them."""
        self._rows.insert_many(records)

    def find_pending(
        self,
        interpretation_owner: str,
        limit: int,
        after: tuple[datetime, UUID] | None = None,
    ) -> list[Record]:
        return self._rows.all(
            ("pending", after is not None),
            lambda: pending_statement(after is not None),
            pending_values(interpretation_owner, limit, after),
        )

"""Invocation storage on SQL: records keyed by ``request_id``; a status change is one
conditional ``UPDATE``, so two processes finishing one invocation cannot both win."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from integration_store.protocols import Changes
from integration_store.records import Record

from .execution import Runner
from .rows import RowCondition, StatementCache, TableRows
from .tables import invocations

_T = invocations
_P = sa.bindparam


def _by_id() -> sa.Select[Any]:
    return sa.select(_T).where(_T.c.request_id == _P("request_id", type_=_T.c.request_id.type))


def _with_status(expected_status: str) -> RowCondition:
    """The row's stored status is ``expected_status`` (tested by the UPDATE itself)."""
    return RowCondition(
        "status",
        lambda: _T.c.status == _P("expected_status", type_=_T.c.status.type),
        {"expected_status": expected_status},
    )


class SqlInvocationStorage:
    """``InvocationStorage`` on the ``integration_invocations`` table."""

    def __init__(self, runner: Runner, statements: StatementCache) -> None:
        self._rows = TableRows(runner, statements, _T)

    def insert(self, record: Record) -> None:
        """Insert; the primary key raises the conflict for a taken request_id."""
        self._rows.insert(record)

    def get(self, request_id: UUID) -> Record | None:
        return self._rows.first("get", _by_id, {"request_id": request_id})

    def update(
        self, request_id: UUID, changes: Changes, expected_status: str | None = None
    ) -> Record | None:
        """One ``UPDATE … WHERE request_id = :key [AND status = :expected_status]``
        (``RETURNING`` the row, or read back in the same transaction on MariaDB)."""
        if not changes:  # nothing to write: the row as it is, if it meets the condition
            record = self.get(request_id)
            if record is None or expected_status not in (None, record["status"]):
                return None
            return record
        condition = None if expected_status is None else _with_status(expected_status)
        return self._rows.set_fields("request_id", request_id, changes, condition)

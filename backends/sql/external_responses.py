"""External response storage on SQL; the pending queue is one indexed, ordered, limited query."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from integration_store.protocols import ResponseCondition
from integration_store.records import Record

from .connections import DbConnection
from .execution import Runner
from .rows import RowCondition, StatementCache, TableRows
from .statements import claims_skip_locked, strictly_after, update_returns_row
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


def claimable_statement(skip_locked: bool, whole_rows: bool = False) -> sa.Select[Any]:
    """The ids (or ``whole_rows``) of the first ``limit`` responses of the owner that nobody
    holds at ``now``, in pending order; with ``skip_locked``, locked ``FOR UPDATE`` as they are
    read, passing over rows another transaction has locked (PostgreSQL, MariaDB) instead of
    waiting for them."""
    statement = (
        (sa.select(_T) if whole_rows else sa.select(_T.c.id))
        .where(
            _T.c.interpretation_owner == _P("owner"),
            _T.c.interpreted_at.is_(None),
            sa.or_(
                _T.c.lease_expires_at.is_(None),
                _T.c.lease_expires_at <= _P("now", type_=_T.c.lease_expires_at.type),
            ),
        )
        .order_by(_T.c.received_at, _T.c.id)
        .limit(_P("limit", type_=sa.Integer))
    )
    return statement.with_for_update(skip_locked=True) if skip_locked else statement


def _lease_values() -> dict[str, Any]:
    return {
        "claimed_by": _P("claimant", type_=_T.c.claimed_by.type),
        "lease_expires_at": _P("expires", type_=_T.c.lease_expires_at.type),
    }


def claim_statement(skip_locked: bool) -> sa.ClauseElement:
    """One ``UPDATE … WHERE id IN (claimable) RETURNING *``: the database picks, leases and
    returns the rows in one atomic statement (SQLite: a writer holds the database's write lock
    throughout; PostgreSQL: the subquery locks each row it picks, re-checking it)."""
    chosen = claimable_statement(skip_locked)
    return sa.update(_T).where(_T.c.id.in_(chosen)).values(_lease_values()).returning(*_T.c)


def _condition(condition: ResponseCondition) -> RowCondition:
    """The WHERE clause a row meets when its record meets ``condition``."""
    holder = condition.lease_holder

    def build() -> sa.ColumnElement[bool]:
        parts: list[sa.ColumnElement[bool]] = []
        if condition.uninterpreted:
            parts.append(_T.c.interpreted_at.is_(None))
        if holder is not None:
            parts.append(_T.c.claimed_by == _P("holder", type_=_T.c.claimed_by.type))
            parts.append(
                _T.c.lease_expires_at > _P("live_at", type_=_T.c.lease_expires_at.type)
            )
        return sa.and_(sa.true(), *parts)

    values = {} if holder is None else {"holder": holder, "live_at": condition.live_at}
    return RowCondition((condition.uninterpreted, holder is not None), build, values)


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

    def update(
        self,
        response_id: UUID,
        changes: Mapping[str, Any],
        condition: ResponseCondition | None = None,
    ) -> Record | None:
        where = None if condition is None else _condition(condition)
        return self._rows.set_fields("id", response_id, changes, where)

    def insert_many(self, records: Sequence[Record]) -> None:
        """One batch statement (``TableRows.insert_many``); any conflict stores none of them."""
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

    def claim(
        self,
        interpretation_owner: str,
        claimant: str,
        now: datetime,
        lease_expires_at: datetime,
        limit: int,
    ) -> list[Record]:
        values = {
            "owner": interpretation_owner,
            "now": now,
            "limit": limit,
            "claimant": claimant,
            "expires": lease_expires_at,
        }
        skip_locked = claims_skip_locked(self._rows.dialect)
        if update_returns_row(self._rows.dialect):
            claim = self._rows.prepared("claim", lambda: claim_statement(skip_locked), rows=True)

            def leased(connection: DbConnection) -> list[Record]:
                return [claim.record(row) for row in connection.fetch_all(claim, values)]

            return self._rows.run(leased, write=True, single=True)
        return self._claim_then_lease(values)

    def _claim_then_lease(self, values: dict[str, Any]) -> list[Record]:
        """MariaDB/MySQL, without ``UPDATE … RETURNING``: in one transaction, read the whole
        rows ``FOR UPDATE SKIP LOCKED`` (they stay locked to us until commit), then set the
        lease on each of them by id."""
        pick = self._rows.prepared(
            "claim_pick", lambda: claimable_statement(True, whole_rows=True), rows=True
        )
        lease = self._rows.prepared(
            "claim_lease",
            lambda: sa.update(_T).where(_by_id("id_")).values(_lease_values()),
        )

        def work(connection: DbConnection) -> list[Record]:
            records = [pick.record(row) for row in connection.fetch_all(pick, values)]
            if records:
                connection.execute_many(
                    lease, [{**values, "id_": record["id"]} for record in records]
                )
            for record in records:
                record["claimed_by"] = values["claimant"]
                record["lease_expires_at"] = values["expires"]
            return records

        return self._rows.run(work, write=True)

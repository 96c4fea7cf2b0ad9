"""Connector storage on SQL: filters, order, paging and statistics run in the database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from integration_store.protocols import Changes, ConnectorGroupCount, ConnectorQuery, Increments
from integration_store.records import Record

from .execution import Runner
from .rows import TableRows
from .statements import strictly_after, sum_of, summed
from .tables import connectors

_T = connectors


def _scope(connector_id: str, tenant_id: str | None) -> sa.ColumnElement[bool]:
    """The row with that id, and only within the tenant when one is given."""
    condition = _T.c.connector_id == connector_id
    if tenant_id is not None:
        condition = sa.and_(condition, _T.c.tenant_id == tenant_id)
    return condition


def get_by_name_statement(tenant_id: str, name: str) -> sa.Select[Any]:
    """The lookup by (tenant_id, name), served by the unique constraint's index."""
    return sa.select(_T).where(_T.c.tenant_id == tenant_id, _T.c.name == name)


def find_statement(query: ConnectorQuery) -> sa.Select[Any]:
    """The filtered, ordered, paged listing of ``find``; ``query.after`` is a keyset condition
    on the (name, connector_id) order."""
    statement = sa.select(_T)
    if query.tenant_id is not None:
        statement = statement.where(_T.c.tenant_id == query.tenant_id)
    if query.connector_type is not None:
        statement = statement.where(_T.c.connector_type == query.connector_type)
    if query.status is not None:
        statement = statement.where(_T.c.status == query.status)
    if query.after is not None:
        statement = statement.where(strictly_after((_T.c.name, _T.c.connector_id), query.after))
    if query.tenant_id is not None:
        # Names are unique within a tenant, so ordering by name alone is the same total order,
        # and the (tenant_id, name) unique index serves it without a sort step.
        statement = statement.order_by(_T.c.name)
    else:
        statement = statement.order_by(_T.c.name, _T.c.connector_id)
    return statement.limit(query.limit).offset(query.offset)


class SqlConnectorStorage:
    """``ConnectorStorage`` on the ``integration_connectors`` table."""

    def __init__(self, runner: Runner) -> None:
        self._rows = TableRows(runner, _T)

    def insert(self, record: Record) -> None:
        """Insert; the primary key and the (tenant_id, name) constraint raise the conflict."""
        self._rows.insert(record)

    def insert_many(self, records: Sequence[Record]) -> None:
        """One executemany in one transaction; any conflict stores none of them."""
        self._rows.insert_many(records)

    def get(self, connector_id: str) -> Record | None:
        return self._rows.first(_T.c.connector_id == connector_id)

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        rows = self._rows.all(get_by_name_statement(tenant_id, name))
        return rows[0] if rows else None

    def find(self, query: ConnectorQuery) -> list[Record]:
        return self._rows.all(find_statement(query))

    def update(
        self, connector_id: str, tenant_id: str | None, changes: Changes, increments: Increments
    ) -> Record | None:
        """One ``UPDATE … SET n = n + :k``; the row is read back in the same transaction."""
        values: dict[str, Any] = dict(changes)
        for field, amount in increments.items():
            values[field] = _T.c[field] + amount
        return self._rows.update(_scope(connector_id, tenant_id), values)

    def delete(self, connector_id: str, tenant_id: str | None) -> bool:
        return bool(self._rows.delete(_scope(connector_id, tenant_id)))

    def delete_tenant(self, tenant_id: str) -> int:
        return self._rows.delete(_T.c.tenant_id == tenant_id)

    def count_groups(self, tenant_id: str | None) -> list[ConnectorGroupCount]:
        """``GROUP BY`` (connector_type, status) with exact counter sums."""

        def work(connection: Connection) -> list[ConnectorGroupCount]:
            dialect = connection.dialect
            connections = summed(dialect, _T.c.connection_count)
            errors = summed(dialect, _T.c.error_count)
            statement = sa.select(
                _T.c.connector_type, _T.c.status, sa.func.count(), *connections, *errors
            )
            if tenant_id is not None:
                statement = statement.where(_T.c.tenant_id == tenant_id)
            statement = statement.group_by(_T.c.connector_type, _T.c.status).order_by(
                _T.c.connector_type, _T.c.status
            )
            groups = []
            for row in connection.execute(statement):
                kind, status, count, *sums = row
                groups.append(
                    ConnectorGroupCount(
                        str(kind),
                        str(status),
                        int(count),
                        sum_of(dialect, sums[: len(connections)]),
                        sum_of(dialect, sums[len(connections) :]),
                    )
                )
            return groups

        return self._rows.run(work, write=False)

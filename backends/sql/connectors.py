"""Connector storage on SQL: filters, order, paging and statistics run in the database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from integration_store.protocols import Changes, ConnectorGroupCount, ConnectorQuery, Increments
from integration_store.records import Record

from .connections import DbConnection
from .execution import Runner
from .rows import StatementCache, TableRows
from .statements import strictly_after, sum_of, summed
from .tables import connectors

_T = connectors
_P = sa.bindparam


def _by_id() -> sa.Select[Any]:
    return sa.select(_T).where(_T.c.connector_id == _P("connector_id"))


def get_by_name_statement() -> sa.Select[Any]:
    """The lookup by (tenant_id, name), served by the unique constraint's index."""
    return sa.select(_T).where(_T.c.tenant_id == _P("tenant_id"), _T.c.name == _P("name"))


def _scope(scoped: bool) -> sa.ColumnElement[bool]:
    """The row with that id, and only within the tenant when ``scoped``."""
    condition = _T.c.connector_id == _P("key_connector_id")
    if scoped:
        condition = sa.and_(condition, _T.c.tenant_id == _P("key_tenant_id"))
    return condition


def find_statement(query: ConnectorQuery) -> sa.Select[Any]:
    """The listing for queries shaped like ``query`` (which filters are given, whether a keyset
    ``after`` is): filtered, ordered by (name, connector_id), paged; values bind by name
    (``find_values``)."""
    statement = sa.select(_T)
    if query.tenant_id is not None:
        statement = statement.where(_T.c.tenant_id == _P("tenant_id"))
    if query.connector_type is not None:
        statement = statement.where(_T.c.connector_type == _P("connector_type"))
    if query.status is not None:
        statement = statement.where(_T.c.status == _P("status"))
    if query.after is not None:
        statement = statement.where(
            strictly_after((_T.c.name, _T.c.connector_id), ("after_name", "after_id"))
        )
    if query.tenant_id is not None:
        # Names are unique within a tenant, so ordering by name alone is the same total order,
        # and the (tenant_id, name) unique index serves it without a sort step.
        statement = statement.order_by(_T.c.name)
    else:
        statement = statement.order_by(_T.c.name, _T.c.connector_id)
    return statement.limit(_P("limit", type_=sa.Integer)).offset(_P("offset", type_=sa.Integer))


def find_shape(query: ConnectorQuery) -> tuple[bool, bool, bool, bool]:
    """What distinguishes one compiled listing statement from another."""
    return (
        query.tenant_id is not None,
        query.connector_type is not None,
        query.status is not None,
        query.after is not None,
    )


def find_values(query: ConnectorQuery) -> dict[str, Any]:
    """The values ``find_statement`` binds for ``query``."""
    after_name, after_id = query.after or (None, None)
    return {
        "tenant_id": query.tenant_id,
        "connector_type": query.connector_type,
        "status": query.status,
        "after_name": after_name,
        "after_id": after_id,
        "limit": query.limit,
        "offset": query.offset,
    }


class SqlConnectorStorage:
    """``ConnectorStorage`` on the ``integration_connectors`` table."""

    def __init__(self, runner: Runner, statements: StatementCache) -> None:
        self._rows = TableRows(runner, statements, _T)

    def insert(self, record: Record) -> None:
        """Insert; the primary key and the (tenant_id, name) constraint raise the conflict."""
        self._rows.insert(record)

    def get(self, connector_id: str) -> Record | None:
        return self._rows.first("get", _by_id, {"connector_id": connector_id})

    def insert_many(self, records: Sequence[Record]) -> None:
        """One batch statement (``TableRows.insert_many``); any conflict stores none of them."""
        self._rows.insert_many(records)

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        return self._rows.first(
            "get_by_name", get_by_name_statement, {"tenant_id": tenant_id, "name": name}
        )

    def find(self, query: ConnectorQuery) -> list[Record]:
        return self._rows.all(
            ("find", find_shape(query)), lambda: find_statement(query), find_values(query)
        )

    def update(
        self,
        connector_id: str,
        tenant_id: str | None,
        changes: Changes,
        increments: Increments,
        expected_revision: int | None = None,
    ) -> Record | None:
        """One ``UPDATE … SET n = n + :k`` (``RETURNING`` the row, or read back in the same
        transaction); with ``expected_revision``, ``… AND revision = :expected_revision`` in
        the same statement."""
        scoped = tenant_id is not None
        conditional = expected_revision is not None
        shape = (tuple(changes), tuple(increments), scoped, conditional)

        def where() -> sa.ColumnElement[bool]:
            if not conditional:
                return _scope(scoped)
            return sa.and_(_scope(scoped), _T.c.revision == _P("expected_revision"))

        def build_update() -> sa.Update:
            assignments: dict[str, Any] = {
                field: _P(f"set_{field}", type_=_T.c[field].type) for field in changes
            }
            for field in increments:
                assignments[field] = _T.c[field] + _P(f"add_{field}", type_=sa.BigInteger)
            return sa.update(_T).where(where()).values(assignments)

        def build_select() -> sa.Select[Any]:
            select = sa.select(_T).where(_scope(scoped))
            if conditional:
                # Read back after MariaDB's UPDATE: the row only when the UPDATE matched it (a
                # row at another revision is there, but must not come back as written).
                select = select.where(sa.func.row_count() > 0)
            return select

        values: dict[str, Any] = {"key_connector_id": connector_id, "key_tenant_id": tenant_id}
        for field, value in changes.items():
            values[f"set_{field}"] = value
        for field, amount in increments.items():
            values[f"add_{field}"] = amount
        if conditional:
            values["expected_revision"] = expected_revision
        return self._rows.update(("update", shape), build_update, build_select, values)

    def delete(self, connector_id: str, tenant_id: str | None) -> bool:
        scoped = tenant_id is not None
        values = {"key_connector_id": connector_id, "key_tenant_id": tenant_id}
        return bool(
            self._rows.delete(
                ("delete", scoped), lambda: sa.delete(_T).where(_scope(scoped)), values
            )
        )

    def delete_tenant(self, tenant_id: str) -> int:
        return self._rows.delete(
            "delete_tenant",
            lambda: sa.delete(_T).where(_T.c.tenant_id == _P("tenant_id")),
            {"tenant_id": tenant_id},
        )

    def count_groups(self, tenant_id: str | None) -> list[ConnectorGroupCount]:
        """``GROUP BY`` (connector_type, status) with exact counter sums."""
        dialect = self._rows.dialect
        connections = summed(dialect, _T.c.connection_count)
        errors = summed(dialect, _T.c.error_count)
        scoped = tenant_id is not None

        def build() -> sa.Select[Any]:
            statement = sa.select(
                _T.c.connector_type, _T.c.status, sa.func.count(), *connections, *errors
            )
            if scoped:
                statement = statement.where(_T.c.tenant_id == _P("tenant_id"))
            return statement.group_by(_T.c.connector_type, _T.c.status).order_by(
                _T.c.connector_type, _T.c.status
            )

        statement = self._rows.prepared(("count_groups", scoped), build)

        def work(connection: DbConnection) -> list[ConnectorGroupCount]:
            groups = []
            for row in connection.fetch_all(statement, {"tenant_id": tenant_id}):
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

        return self._rows.run(work, write=False, single=True)

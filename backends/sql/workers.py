"""Worker and tenant worker-config storage on SQL; the config upsert is one statement."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from integration_store.model.schema import WORKER_CONFIG
from integration_store.protocols import Changes, Increments
from integration_store.records import Record

from .connections import DbConnection
from .execution import Runner
from .rows import RowCondition, StatementCache, TableRows
from .statements import upsert, upsert_returns_row
from .tables import worker_configs, workers

_W = workers
_C = worker_configs
_P = sa.bindparam


def _worker(key: str) -> sa.ColumnElement[bool]:
    return _W.c.id == _P(key)


def _config_key() -> tuple[sa.ColumnElement[bool], ...]:
    return (_C.c.tenant_id == _P("key_tenant_id"), _C.c.worker_id == _P("key_worker_id"))


def find_workers_statement(status: bool, public_only: bool) -> sa.Select[Any]:
    """Workers with the given status and visibility, ordered by (name, id)."""
    statement = sa.select(_W)
    if status:
        statement = statement.where(_W.c.status == _P("status"))
    if public_only:
        # "= true", not "IS TRUE": an equality the (status, is_public, name) index can use.
        statement = statement.where(_W.c.is_public == sa.true())
    return statement.order_by(_W.c.name, _W.c.id)


class SqlWorkerStorage:
    """``WorkerStorage`` on the workers and worker-configs tables."""

    def __init__(self, runner: Runner, statements: StatementCache) -> None:
        self._workers = TableRows(runner, statements, _W)
        self._configs = TableRows(runner, statements, _C)

    def insert_worker(self, record: Record) -> None:
        self._workers.insert(record)

    def get_worker(self, worker_id: str) -> Record | None:
        return self._workers.first(
            "get", lambda: sa.select(_W).where(_worker("id_")), {"id_": worker_id}
        )

    def find_workers(self, status: str | None, public_only: bool) -> list[Record]:
        shape = (status is not None, public_only)
        return self._workers.all(
            ("find", shape), lambda: find_workers_statement(*shape), {"status": status}
        )

    def update_worker(
        self,
        worker_id: str,
        changes: Changes,
        increments: Increments,
        expected_revision: int | None = None,
    ) -> Record | None:
        return self._workers.set_fields(
            "id", worker_id, changes, _at_revision(_W, expected_revision), increments
        )

    def get_config(self, tenant_id: str, worker_id: str) -> Record | None:
        return self._configs.first(
            "get",
            lambda: sa.select(_C).where(*_config_key()),
            {"key_tenant_id": tenant_id, "key_worker_id": worker_id},
        )

    def upsert_config(self, insert: Record, changes: Changes, increments: Increments) -> Record:
        """``INSERT … ON CONFLICT DO UPDATE`` / ``ON DUPLICATE KEY UPDATE`` of ``changes`` only
        (plus ``increments``)."""
        dialect = self._configs.dialect
        changed = tuple(changes)
        incremented = tuple(increments)
        statement = self._configs.prepared(
            ("upsert", changed, incremented),
            lambda: upsert(dialect, _C, WORKER_CONFIG.key, changed, incremented),
            rows=upsert_returns_row(dialect),
        )
        # The changed columns take the inserted row's values, which are the changes; the
        # incremented ones add the inserted row's values, which the protocol makes the
        # increments.
        values: dict[str, Any] = dict(insert)
        values["key_tenant_id"] = insert["tenant_id"]
        values["key_worker_id"] = insert["worker_id"]
        if upsert_returns_row(dialect):

            def returned(connection: DbConnection) -> Record:
                row = connection.fetch_one(statement, values)
                assert row is not None, "an upsert always leaves a row"
                return statement.record(row)

            return self._configs.run(returned, write=True, single=True)
        select = self._configs.prepared(
            "get", lambda: sa.select(_C).where(*_config_key()), rows=True
        )
        record = self._configs.write_then_read(statement, select, values)
        assert record is not None, "an upsert always leaves a row"
        return record

    def update_config(
        self,
        tenant_id: str,
        worker_id: str,
        changes: Changes,
        increments: Increments,
        expected_revision: int,
    ) -> Record | None:
        """One ``UPDATE … WHERE key AND revision = :expected_revision`` (``RETURNING`` the row,
        or read back in the same transaction)."""
        shape = (tuple(changes), tuple(increments))

        def build_update() -> sa.Update:
            assignments: dict[str, Any] = {
                field: _P(f"set_{field}", type_=_C.c[field].type) for field in changes
            }
            for field in increments:
                assignments[field] = _C.c[field] + _P(f"add_{field}", type_=sa.BigInteger)
            condition = _C.c.revision == _P("expected_revision")
            return sa.update(_C).where(*_config_key(), condition).values(assignments)

        def build_select() -> sa.Select[Any]:
            # Read back after MariaDB's UPDATE only when it matched the row (see set_fields).
            return sa.select(_C).where(*_config_key(), sa.func.row_count() > 0)

        values: dict[str, Any] = {f"set_{field}": value for field, value in changes.items()}
        values.update({f"add_{field}": amount for field, amount in increments.items()})
        values["key_tenant_id"] = tenant_id
        values["key_worker_id"] = worker_id
        values["expected_revision"] = expected_revision
        return self._configs.update(("update", shape), build_update, build_select, values)

    def find_configs(self, tenant_id: str) -> list[Record]:
        return self._configs.all(
            "find",
            lambda: sa.select(_C).where(_C.c.tenant_id == _P("tenant_id")).order_by(_C.c.worker_id),
            {"tenant_id": tenant_id},
        )


def _at_revision(table: sa.Table, expected_revision: int | None) -> RowCondition | None:
    """The condition that the row is at ``expected_revision`` (None: no condition)."""
    if expected_revision is None:
        return None
    return RowCondition(
        "at_revision",
        lambda: table.c.revision == _P("expected_revision"),
        {"expected_revision": expected_revision},
    )

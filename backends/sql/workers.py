"""Worker and tenant worker-config storage on SQL; the config upsert is one statement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from integration_store.records import Record

from .execution import Runner
from .statements import record_of, update_row, upsert, upsert_returns_row
from .tables import worker_configs, workers

_W = workers
_C = worker_configs


class SqlWorkerStorage:
    """``WorkerStorage`` on the workers and worker-configs tables."""

    def __init__(self, runner: Runner) -> None:
        self._runner = runner

    def insert_worker(self, record: Record) -> None:
        def work(connection: Connection) -> None:
            connection.execute(_W.insert(), [dict(record)])

        self._runner.run(work, write=True, savepoint=True)

    def get_worker(self, worker_id: str) -> Record | None:
        def work(connection: Connection) -> Record | None:
            return record_of(connection.execute(sa.select(_W).where(_W.c.id == worker_id)).first())

        return self._runner.run(work, write=False)

    def find_workers(self, status: str | None, public_only: bool) -> list[Record]:
        statement = sa.select(_W)
        if status is not None:
            statement = statement.where(_W.c.status == status)
        if public_only:
            # "= true", not "IS TRUE": an equality the (status, is_public, name) index can use.
            statement = statement.where(_W.c.is_public == sa.true())
        statement = statement.order_by(_W.c.name, _W.c.id)

        def work(connection: Connection) -> list[Record]:
            return [dict(row._mapping) for row in connection.execute(statement)]

        return self._runner.run(work, write=False)

    def update_worker(self, worker_id: str, changes: Mapping[str, Any]) -> Record | None:
        condition = _W.c.id == worker_id

        def work(connection: Connection) -> Record | None:
            return update_row(connection, _W, condition, changes)

        return self._runner.run(work, write=True)

    def get_config(self, tenant_id: str, worker_id: str) -> Record | None:
        def work(connection: Connection) -> Record | None:
            statement = sa.select(_C).where(
                _C.c.tenant_id == tenant_id, _C.c.worker_id == worker_id
            )
            return record_of(connection.execute(statement).first())

        return self._runner.run(work, write=False)

    def upsert_config(
        self, tenant_id: str, worker_id: str, insert: Mapping[str, Any], changes: Mapping[str, Any]
    ) -> Record:
        """``INSERT … ON CONFLICT DO UPDATE`` / ``ON DUPLICATE KEY UPDATE`` of ``changes`` only."""

        def work(connection: Connection) -> Record:
            statement = upsert(connection.dialect, _C, ("tenant_id", "worker_id"), insert, changes)
            if upsert_returns_row(connection.dialect):
                row = connection.execute(statement).first()
            else:
                connection.execute(statement)
                row = connection.execute(
                    sa.select(_C).where(_C.c.tenant_id == tenant_id, _C.c.worker_id == worker_id)
                ).first()
            assert row is not None, "an upsert always leaves a row"
            return dict(row._mapping)

        return self._runner.run(work, write=True)

    def find_configs(self, tenant_id: str) -> list[Record]:
        statement = sa.select(_C).where(_C.c.tenant_id == tenant_id).order_by(_C.c.worker_id)

        def work(connection: Connection) -> list[Record]:
            return [dict(row._mapping) for row in connection.execute(statement)]

        return self._runner.run(work, write=False)

"""Worker and tenant worker-config storage on SQL; the config upsert is one statement."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from integration_store.model.schema import WORKER_CONFIG
from integration_store.protocols import Changes
from integration_store.records import Record

from .execution import Runner
from .rows import TableRows, select_first
from .statements import upsert, upsert_returns_row
from .tables import worker_configs, workers

_W = workers
_C = worker_configs


class SqlWorkerStorage:
    """``WorkerStorage`` on the workers and worker-configs tables."""

    def __init__(self, runner: Runner) -> None:
        self._workers = TableRows(runner, _W)
        self._configs = TableRows(runner, _C)

    def insert_worker(self, record: Record) -> None:
        self._workers.insert(record)

    def get_worker(self, worker_id: str) -> Record | None:
        return self._workers.first(_W.c.id == worker_id)

    def find_workers(self, status: str | None, public_only: bool) -> list[Record]:
        statement = sa.select(_W)
        if status is not None:
            statement = statement.where(_W.c.status == status)
        if public_only:
            # "= true", not "IS TRUE": an equality the (status, is_public, name) index can use.
            statement = statement.where(_W.c.is_public == sa.true())
        return self._workers.all(statement.order_by(_W.c.name, _W.c.id))

    def update_worker(self, worker_id: str, changes: Mapping[str, Any]) -> Record | None:
        return self._workers.update(_W.c.id == worker_id, changes)

    def get_config(self, tenant_id: str, worker_id: str) -> Record | None:
        return self._configs.first(_C.c.tenant_id == tenant_id, _C.c.worker_id == worker_id)

    def upsert_config(self, insert: Record, changes: Changes) -> Record:
        """``INSERT … ON CONFLICT DO UPDATE`` / ``ON DUPLICATE KEY UPDATE`` of ``changes`` only."""

        def work(connection: Connection) -> Record:
            statement = upsert(connection.dialect, _C, WORKER_CONFIG.key, insert, changes)
            if upsert_returns_row(connection.dialect):
                row = connection.execute(statement).first()
                record = None if row is None else dict(row._mapping)
            else:
                connection.execute(statement)
                key = (_C.c.tenant_id == insert["tenant_id"], _C.c.worker_id == insert["worker_id"])
                record = select_first(connection, _C, *key)
            assert record is not None, "an upsert always leaves a row"
            return record

        return self._configs.run(work, write=True)

    def find_configs(self, tenant_id: str) -> list[Record]:
        return self._configs.all(
            sa.select(_C).where(_C.c.tenant_id == tenant_id).order_by(_C.c.worker_id)
        )

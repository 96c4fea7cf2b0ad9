"""In-memory worker and tenant worker-config storage."""

from __future__ import annotations

from integration_store.errors import ConflictError
from integration_store.json_copies import copy_record
from integration_store.protocols import Changes, Increments
from integration_store.records import Record

from .undo_log import UndoLog, put


class MemoryWorkerStorage:
    """``WorkerStorage`` on dicts; configs indexed by tenant."""

    def __init__(self, undo_log: UndoLog) -> None:
        self._undo_log = undo_log
        self._workers: dict[str, Record] = {}
        self._configs: dict[str, dict[str, Record]] = {}  # tenant_id -> worker_id -> record

    def insert_worker(self, record: Record) -> None:
        if record["id"] in self._workers:
            raise ConflictError(f"worker id {record['id']!r} is taken")
        self._workers[record["id"]] = copy_record(record)
        self._undo_log.on_rollback(lambda: put(self._workers, record["id"], None))

    def get_worker(self, worker_id: str) -> Record | None:
        record = self._workers.get(worker_id)
        return None if record is None else copy_record(record)

    def find_workers(self, status: str | None, public_only: bool) -> list[Record]:
        matching = [
            record
            for record in self._workers.values()
            if (status is None or record["status"] == status)
            and (not public_only or record["is_public"])
        ]
        matching.sort(key=lambda record: (record["name"], record["id"]))
        return [copy_record(record) for record in matching]

    def update_worker(
        self,
        worker_id: str,
        changes: Changes,
        increments: Increments,
        expected_revision: int | None = None,
    ) -> Record | None:
        # The store serialises calls on this backend: nothing writes between test and write.
        before = self._workers.get(worker_id)
        if before is None or not _at_revision(before, expected_revision):
            return None
        after = _changed(before, changes, increments)
        self._workers[worker_id] = after
        self._undo_log.on_rollback(lambda: put(self._workers, worker_id, before))
        return copy_record(after)

    def get_config(self, tenant_id: str, worker_id: str) -> Record | None:
        record = self._configs.get(tenant_id, {}).get(worker_id)
        return None if record is None else copy_record(record)

    def upsert_config(self, insert: Record, changes: Changes, increments: Increments) -> Record:
        tenant_id, worker_id = insert["tenant_id"], insert["worker_id"]
        tenant = self._configs.setdefault(tenant_id, {})
        before = tenant.get(worker_id)
        if before is None:
            after = copy_record(dict(insert))
        else:
            after = _changed(before, changes, increments)
        tenant[worker_id] = after
        self._undo_log.on_rollback(lambda: put(tenant, worker_id, before))
        return copy_record(after)

    def update_config(
        self,
        tenant_id: str,
        worker_id: str,
        changes: Changes,
        increments: Increments,
        expected_revision: int,
    ) -> Record | None:
        tenant = self._configs.get(tenant_id, {})
        before = tenant.get(worker_id)
        if before is None or not _at_revision(before, expected_revision):
            return None
        after = _changed(before, changes, increments)
        tenant[worker_id] = after
        self._undo_log.on_rollback(lambda: put(tenant, worker_id, before))
        return copy_record(after)

    def find_configs(self, tenant_id: str) -> list[Record]:
        tenant = self._configs.get(tenant_id, {})
        return [copy_record(tenant[worker_id]) for worker_id in sorted(tenant)]

    def clear(self) -> None:
        self._workers.clear()
        self._configs.clear()


def _at_revision(record: Record, expected_revision: int | None) -> bool:
    return expected_revision is None or record["revision"] == expected_revision


def _changed(before: Record, changes: Changes, increments: Increments) -> Record:
    after = {**before, **copy_record(dict(changes))}
    for field, amount in increments.items():
        after[field] = before[field] + amount
    return after

"""MongoDB worker storage: workers keyed by id, tenant configs keyed by {tenant_id, worker_id}."""

from __future__ import annotations

from pymongo import ASCENDING, ReturnDocument

from integration_store.protocols import Changes, Increments
from integration_store.records import Record

from .binding import WORKER_CONFIGS, WORKERS, Binding
from .documents import WORKER, WORKER_CONFIG, Document, Shape, config_key

WORKER_ORDER = [("name", ASCENDING), ("_id", ASCENDING)]
CONFIG_ORDER = [("worker_id", ASCENDING)]


class MongoWorkerStorage:
    """``WorkerStorage`` on two collections."""

    def __init__(self, binding: Binding) -> None:
        self._binding = binding
        self._workers = binding.collection(WORKERS)
        self._configs = binding.collection(WORKER_CONFIGS)

    def insert_worker(self, record: Record) -> None:
        self._binding.insert(WORKER, record)

    def get_worker(self, worker_id: str) -> Record | None:
        with self._binding.call():
            document = self._workers.find_one({"_id": worker_id}, session=self._binding.session)
        return None if document is None else WORKER.from_document(document)

    def find_workers(self, status: str | None, public_only: bool) -> list[Record]:
        criteria: Document = {}
        if status is not None:
            criteria["status"] = status
        if public_only:
            criteria["is_public"] = True
        with self._binding.call():
            documents = list(
                self._workers.find(criteria, session=self._binding.session).sort(WORKER_ORDER)
            )
        return [WORKER.from_document(document) for document in documents]

    def update_worker(
        self,
        worker_id: str,
        changes: Changes,
        increments: Increments,
        expected_revision: int | None = None,
    ) -> Record | None:
        criteria: Document = {"_id": worker_id}
        if expected_revision is not None:
            # In the filter of the one findAndModify: tested and written atomically.
            criteria["revision"] = expected_revision
        with self._binding.call(write=True):
            document = self._workers.find_one_and_update(
                criteria,
                _operations(WORKER, changes, increments),
                return_document=ReturnDocument.AFTER,
                session=self._binding.session,
            )
        return None if document is None else WORKER.from_document(document)

    def get_config(self, tenant_id: str, worker_id: str) -> Record | None:
        with self._binding.call():
            document = self._configs.find_one(
                {"_id": config_key(tenant_id, worker_id)}, session=self._binding.session
            )
        return None if document is None else WORKER_CONFIG.from_document(document)

    def upsert_config(self, insert: Record, changes: Changes, increments: Increments) -> Record:
        # One findAndModify: $setOnInsert the insert-only fields, $set the changes, $inc the
        # increments (a path may be in one only). An inserted document's incremented fields
        # come from $inc on 0, which the protocol makes equal to the insert's values. Never
        # read-modify-write.
        only_inserted = {
            field: value
            for field, value in insert.items()
            if field not in changes and field not in increments
        }
        operations = _operations(WORKER_CONFIG, changes, increments)
        operations["$setOnInsert"] = WORKER_CONFIG.to_values(only_inserted)
        with self._binding.call(write=True):
            document = self._binding.upsert(
                WORKER_CONFIGS, config_key(insert["tenant_id"], insert["worker_id"]), operations
            )
        return WORKER_CONFIG.from_document(document)

    def update_config(
        self,
        tenant_id: str,
        worker_id: str,
        changes: Changes,
        increments: Increments,
        expected_revision: int,
    ) -> Record | None:
        with self._binding.call(write=True):
            document = self._configs.find_one_and_update(
                {"_id": config_key(tenant_id, worker_id), "revision": expected_revision},
                _operations(WORKER_CONFIG, changes, increments),
                return_document=ReturnDocument.AFTER,
                session=self._binding.session,
            )
        return None if document is None else WORKER_CONFIG.from_document(document)

    def find_configs(self, tenant_id: str) -> list[Record]:
        with self._binding.call():
            documents = list(
                self._configs.find({"tenant_id": tenant_id}, session=self._binding.session).sort(
                    CONFIG_ORDER
                )
            )
        return [WORKER_CONFIG.from_document(document) for document in documents]


def _operations(shape: Shape, changes: Changes, increments: Increments) -> Document:
    """The update document that sets ``changes`` and adds ``increments``."""
    operations: Document = {}
    if changes:
        operations["$set"] = shape.to_values(changes)
    if increments:
        operations["$inc"] = dict(increments)
    return operations

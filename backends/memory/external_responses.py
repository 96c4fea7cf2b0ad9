"""In-memory external response storage, with a sorted pending queue per interpretation owner."""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from integration_store.errors import ConflictError
from integration_store.json_copies import StoredRecord, kept_changed, kept_record_copier
from integration_store.model import schema
from integration_store.protocols import ResponseCondition, claimable
from integration_store.records import Record

from .undo_log import UndoLog

PendingKey = tuple[datetime, int]

kept_copy: Final = kept_record_copier(schema.EXTERNAL_RESPONSE)
"""What is stored of a record given: the caller never shares containers with the store."""


def _pending_key(record: Record) -> PendingKey:
    return (record["received_at"], record["id"].int)


class MemoryExternalResponseStorage:
    """``ExternalResponseStorage`` on dicts; pending lists stay sorted by (received_at, id.int).

    Reads return the stored ``StoredRecord`` itself: a write stores a new one and never changes
    one in place, and the core copies what it hands out."""

    def __init__(self, undo_log: UndoLog) -> None:
        self._undo_log = undo_log
        self._rows: dict[UUID, StoredRecord] = {}
        self._pending: dict[str, list[PendingKey]] = {}

    def _index(self, record: Record) -> None:
        if record["interpreted_at"] is None:
            keys = self._pending.setdefault(record["interpretation_owner"], [])
            bisect.insort(keys, _pending_key(record))

    def _unindex(self, record: Record) -> None:
        if record["interpreted_at"] is None:
            keys = self._pending[record["interpretation_owner"]]
            del keys[bisect.bisect_left(keys, _pending_key(record))]

    def _store(self, record: StoredRecord) -> None:
        old = self._rows.get(record["id"])
        if old is not None:
            self._unindex(old)
        self._rows[record["id"]] = record
        self._index(record)

    def _drop(self, response_id: UUID) -> None:
        self._unindex(self._rows.pop(response_id))

    def insert(self, record: Record) -> None:
        if record["id"] in self._rows:
            raise ConflictError(f"external response id {record['id']} is taken")
        self._store(kept_copy(record))
        self._undo_log.on_rollback(lambda: self._drop(record["id"]))

    def insert_many(self, records: Sequence[Record]) -> None:
        """Every id is checked (against stored rows and each other) before any is added."""
        ids = {record["id"] for record in records}
        if len(ids) < len(records) or not ids.isdisjoint(self._rows):
            raise ConflictError("an external response id of the batch is taken or repeated")
        for record in records:
            self._store(kept_copy(record))
        self._undo_log.on_rollback(lambda: self._drop_all(ids))

    def _drop_all(self, response_ids: set[UUID]) -> None:
        for response_id in response_ids:
            self._drop(response_id)

    def get(self, response_id: UUID) -> Record | None:
        record = self._rows.get(response_id)
        return record

    def update(
        self,
        response_id: UUID,
        changes: Mapping[str, Any],
        condition: ResponseCondition | None = None,
    ) -> Record | None:
        before = self._rows.get(response_id)
        if before is None or (condition is not None and not condition.matches(before)):
            return None
        after = kept_changed(before, changes)
        self._store(after)
        self._undo_log.on_rollback(lambda: self._store(before))
        return after

    def claim(
        self,
        interpretation_owner: str,
        claimant: str,
        now: datetime,
        lease_expires_at: datetime,
        limit: int,
    ) -> list[Record]:
        """Walks the owner's pending queue in order; the store serialises calls on this backend,
        so nothing can lease a response between the test and the write."""
        lease = {"claimed_by": claimant, "lease_expires_at": lease_expires_at}
        taken: list[Record] = []
        for _, id_int in list(self._pending.get(interpretation_owner, [])):
            if len(taken) == limit:
                break
            if claimable(self._rows[UUID(int=id_int)], interpretation_owner, now):
                claimed = self.update(UUID(int=id_int), lease)
                assert claimed is not None
                taken.append(claimed)
        return taken

    def find_pending(
        self,
        interpretation_owner: str,
        limit: int,
        after: tuple[datetime, UUID] | None = None,
    ) -> list[Record]:
        keys = self._pending.get(interpretation_owner, [])
        start = 0 if after is None else bisect.bisect_right(keys, (after[0], after[1].int))
        page = keys[start : start + limit]
        return [self._rows[UUID(int=id_int)] for _, id_int in page]

    def clear(self) -> None:
        self._rows.clear()
        self._pending.clear()

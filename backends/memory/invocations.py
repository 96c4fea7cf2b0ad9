"""In-memory invocation storage: records by request_id."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from integration_store.errors import ConflictError
from integration_store.json_copies import copy_record, record_copier
from integration_store.model import schema
from integration_store.protocols import Changes
from integration_store.records import Record

from .undo_log import UndoLog, put

clone_record: Final = record_copier(schema.INVOCATION)


class MemoryInvocationStorage:
    """``InvocationStorage`` on a dict."""

    def __init__(self, undo_log: UndoLog) -> None:
        self._undo_log = undo_log
        self._rows: dict[UUID, Record] = {}

    def insert(self, record: Record) -> None:
        request_id = record["request_id"]
        if request_id in self._rows:
            raise ConflictError(f"request_id {request_id} is taken")
        self._rows[request_id] = clone_record(record)
        self._undo_log.on_rollback(lambda: put(self._rows, request_id, None))

    def get(self, request_id: UUID) -> Record | None:
        record = self._rows.get(request_id)
        return None if record is None else clone_record(record)

    def update(
        self, request_id: UUID, changes: Changes, expected_status: str | None = None
    ) -> Record | None:
        before = self._rows.get(request_id)
        if before is None or (expected_status is not None and before["status"] != expected_status):
            return None
        after = {**before, **copy_record(dict(changes))}
        self._rows[request_id] = after
        self._undo_log.on_rollback(lambda: put(self._rows, request_id, before))
        return clone_record(after)

    def clear(self) -> None:
        """Forget every record (test support)."""
        self._rows.clear()

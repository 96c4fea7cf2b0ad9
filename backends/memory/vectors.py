"""In-memory vector storage: each connector's vectors in a dict by vector_id, and its generation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from integration_store.json_copies import record_copier
from integration_store.model import schema
from integration_store.records import Record

from .undo_log import UndoLog, put

clone_record: Final = record_copier(schema.VECTOR)


class MemoryVectorStorage:
    """``VectorStorage`` on dicts; ``load`` sorts a connector's ids on each page (code point)."""

    def __init__(self, undo_log: UndoLog) -> None:
        self._undo_log = undo_log
        self._vectors: dict[str, dict[str, Record]] = {}
        self._generations: dict[str, int] = {}

    def _bump(self, connector_id: str) -> int:
        before = self._generations.get(connector_id)
        generation = self._generations[connector_id] = (before or 0) + 1
        self._undo_log.on_rollback(lambda: self._set_generation(connector_id, before))
        return generation

    def _set_generation(self, connector_id: str, generation: int | None) -> None:
        if generation is None:
            self._generations.pop(connector_id, None)
        else:
            self._generations[connector_id] = generation

    def upsert(self, connector_id: str, records: Sequence[Record]) -> int:
        rows = self._vectors.setdefault(connector_id, {})
        for record in records:
            vector_id = record["vector_id"]
            before = rows.get(vector_id)
            rows[vector_id] = clone_record(record)
            self._undo_log.on_rollback(
                lambda key=vector_id, old=before: put(rows, key, old)  # type: ignore[misc]
            )
        return self._bump(connector_id)

    def delete(self, connector_id: str, vector_ids: Sequence[str]) -> int:
        rows = self._vectors.get(connector_id, {})
        removed = 0
        for vector_id in vector_ids:
            before = rows.pop(vector_id, None)
            if before is not None:
                removed += 1
                self._undo_log.on_rollback(
                    lambda key=vector_id, old=before: put(rows, key, old)  # type: ignore[misc]
                )
        self._bump(connector_id)
        return removed

    def delete_all(self, connector_id: str) -> int:
        rows = self._vectors.pop(connector_id, {})
        self._undo_log.on_rollback(lambda: self._vectors.__setitem__(connector_id, rows))
        if connector_id in self._generations:
            self._bump(connector_id)
        return len(rows)

    def generation(self, connector_id: str) -> int:
        return self._generations.get(connector_id, 0)

    def load(self, connector_id: str, after: str | None, limit: int) -> list[Record]:
        rows = self._vectors.get(connector_id, {})
        ids = sorted(rows if after is None else (key for key in rows if key > after))
        return [clone_record(rows[vector_id]) for vector_id in ids[:limit]]

    def clear(self) -> None:
        """Forget every vector (test support)."""
        self._vectors.clear()
        self._generations.clear()

"""The in-memory backend: dicts of one process, real transactions through an undo log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from integration_store.protocols import TRANSACTIONS, Storages

from .connectors import MemoryConnectorStorage
from .external_responses import MemoryExternalResponseStorage
from .undo_log import UndoLog
from .workers import MemoryWorkerStorage


class MemoryBackend:
    """All state in dicts; not thread-safe by itself, so the store serialises its calls."""

    thread_safe = False

    def __init__(self) -> None:
        self._undo_log = UndoLog()
        self._connectors = MemoryConnectorStorage(self._undo_log)
        self._external_responses = MemoryExternalResponseStorage(self._undo_log)
        self._workers = MemoryWorkerStorage(self._undo_log)
        self._storages = Storages(self._connectors, self._external_responses, self._workers)

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset({TRANSACTIONS})

    @property
    def storages(self) -> Storages:
        return self._storages

    @contextmanager
    def transaction(self) -> Iterator[Storages]:
        with self._undo_log.transaction():
            yield self._storages

    def create_schema(self) -> None:
        """Nothing to create: the dicts exist from the start."""

    def clear_all(self) -> None:
        """Empty every driver (test support)."""
        self._connectors.clear()
        self._external_responses.clear()
        self._workers.clear()

    def close(self) -> None:
        """Nothing to release."""

"""The in-memory backend: dicts of one process, real transactions through an undo log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from integration_store.protocols import CLAIMS, TRANSACTIONS, Storages

from .connectors import MemoryConnectorStorage
from .external_responses import MemoryExternalResponseStorage
from .undo_log import UndoLog
from .workers import MemoryWorkerStorage


class MemoryBackend:
    """All state in dicts; not thread-safe by itself, so the store serialises its calls."""

    capabilities: Final = frozenset({TRANSACTIONS, CLAIMS})
    thread_safe: Final = False

    def __init__(self) -> None:
        self._undo_log = UndoLog()
        self._connectors = MemoryConnectorStorage(self._undo_log)
        self._external_responses = MemoryExternalResponseStorage(self._undo_log)
        self._workers = MemoryWorkerStorage(self._undo_log)
        self.storages: Final = Storages(self._connectors, self._external_responses, self._workers)

    @contextmanager
    def transaction(self) -> Iterator[Storages]:
        with self._undo_log.transaction():
            yield self.storages

    def create_schema(self) -> None:
        """Nothing to create: the dicts exist from the start."""

    def clear_all(self) -> None:
        """Empty every driver (test support)."""
        self._connectors.clear()
        self._external_responses.clear()
        self._workers.clear()

    def close(self) -> None:
        """Nothing to release."""

"""The in-memory backend: dicts of one process, real transactions through an undo log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from integration_store.protocols import CLAIMS, INVOCATIONS, TRANSACTIONS, VECTORS, Storages

from .connectors import MemoryConnectorStorage
from .external_responses import MemoryExternalResponseStorage
from .invocations import MemoryInvocationStorage
from .undo_log import UndoLog
from .vectors import MemoryVectorStorage
from .workers import MemoryWorkerStorage


class MemoryBackend:
    """All state in dicts; not thread-safe by itself, so the store serialises its calls."""

    capabilities: Final = frozenset({TRANSACTIONS, CLAIMS, VECTORS, INVOCATIONS})
    thread_safe: Final = False

    def __init__(self) -> None:
        self._undo_log = UndoLog()
        self._connectors = MemoryConnectorStorage(self._undo_log)
        self._external_responses = MemoryExternalResponseStorage(self._undo_log)
        self._workers = MemoryWorkerStorage(self._undo_log)
        self._vectors = MemoryVectorStorage(self._undo_log)
        self._invocations = MemoryInvocationStorage(self._undo_log)
        self.storages: Final = Storages(
            self._connectors,
            self._external_responses,
            self._workers,
            self._vectors,
            self._invocations,
        )

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
        self._vectors.clear()
        self._invocations.clear()

    def close(self) -> None:
        """Nothing to release."""

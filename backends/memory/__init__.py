"""The in-memory backend (``memory://``): a private, thread-safe store per ``open_store``, with
real transactions. It is the reference the contract suite certifies the other backends against."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import attrs

from integration_store.errors import IntegrationStoreError
from integration_store.protocols import TRANSACTIONS

from .connectors import MemoryConnectorStorage
from .external_responses import MemoryExternalResponseStorage
from .journal import Journal
from .workers import MemoryWorkerStorage

__all__ = ["MemoryBackend", "MemoryProvider", "provider"]


@attrs.frozen
class MemoryStorages:
    """The three in-memory storages of one store."""

    connectors: MemoryConnectorStorage
    external_responses: MemoryExternalResponseStorage
    workers: MemoryWorkerStorage


class MemoryBackend:
    """All state in dicts of one process; every call is serialised by one lock."""

    def __init__(self) -> None:
        self._journal = Journal()
        self._storages = MemoryStorages(
            connectors=MemoryConnectorStorage(self._journal),
            external_responses=MemoryExternalResponseStorage(self._journal),
            workers=MemoryWorkerStorage(self._journal),
        )

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset({TRANSACTIONS})

    @property
    def storages(self) -> MemoryStorages:
        return self._storages

    @contextmanager
    def transaction(self) -> Iterator[MemoryStorages]:
        with self._journal.transaction():
            yield self._storages

    def create_schema(self) -> None:
        """Nothing to create: the dicts exist from the start."""

    def clear_all(self) -> None:
        with self._journal.lock:
            self._storages.connectors.clear()
            self._storages.external_responses.clear()
            self._storages.workers.clear()

    def close(self) -> None:
        """Nothing to release."""


class MemoryProvider:
    """Opens ``memory://`` stores."""

    def open(self, url: str) -> MemoryBackend:
        if url != "memory://":
            raise IntegrationStoreError(f"the memory backend takes only 'memory://', not {url!r}")
        return MemoryBackend()

    @contextmanager
    def isolated_url(self, url: str) -> Iterator[str]:
        yield url  # every memory:// store is already private


provider = MemoryProvider()

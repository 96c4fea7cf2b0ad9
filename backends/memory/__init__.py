"""The in-memory backend (``memory://``): a private, thread-safe store per ``open_store``, with
real transactions. It is the reference the contract suite certifies the other backends against."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

from integration_store.errors import IntegrationStoreError

from .backend import MemoryBackend

__all__ = ["MemoryBackend", "MemoryProvider", "provider"]


class MemoryProvider:
    """Opens ``memory://`` stores."""

    def open(self, url: str) -> MemoryBackend:
        if url != "memory://":
            raise IntegrationStoreError(f"the memory backend takes only 'memory://', not {url!r}")
        return MemoryBackend()

    def embedded_test_urls(self) -> Sequence[str]:
        return ["memory://"]

    @contextmanager
    def isolated_url(self, url: str) -> Iterator[str]:
        yield url  # every memory:// store is already private


provider: Final = MemoryProvider()

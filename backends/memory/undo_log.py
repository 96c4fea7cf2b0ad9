"""The undo log of an in-memory transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from integration_store.records import Record

K = TypeVar("K")


class UndoLog:
    """Inside a transaction, remembers how to reverse each write; on an exception the steps run
    newest first, so nothing of the unit of work remains.

    The store holds its lock for the whole transaction (the memory backend is not thread-safe),
    so no other thread sees a half-done unit of work.
    """

    def __init__(self) -> None:
        self._steps: list[Callable[[], None]] | None = None

    def on_rollback(self, step: Callable[[], None]) -> None:
        """Register how to reverse a write that just happened (no-op outside a transaction)."""
        if self._steps is not None:
            self._steps.append(step)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Log writes for the block; undo them if the block raises."""
        self._steps = []
        try:
            yield
        except BaseException:
            for step in reversed(self._steps):
                step()
            raise
        finally:
            self._steps = None


def put(table: dict[K, Record], key: K, record: Record | None) -> None:
    """Set or (with None) remove a row; used by undo steps too."""
    if record is None:
        table.pop(key, None)
    else:
        table[key] = record

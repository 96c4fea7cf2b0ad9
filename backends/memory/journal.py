"""Shared state of one in-memory store: a re-entrant lock and the undo journal of a transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from integration_store.records import Record

K = TypeVar("K")


class Journal:
    """Serialises every call with one lock; inside a transaction, remembers how to undo writes.

    A transaction holds the lock from start to end, so other threads see either none or all of
    it; on an exception the undo steps run newest first and nothing of the unit of work remains.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._undo: list[Callable[[], None]] | None = None

    def on_rollback(self, step: Callable[[], None]) -> None:
        """Register how to reverse a write that just happened (no-op outside a transaction)."""
        if self._undo is not None:
            self._undo.append(step)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock and journal writes; roll them back if the block raises."""
        with self.lock:
            if self._undo is not None:
                # A nested block joins the outer unit of work.
                yield
                return
            self._undo = []
            try:
                yield
            except BaseException:
                for step in reversed(self._undo):
                    step()
                raise
            finally:
                self._undo = None


def put(table: dict[K, Record], key: K, record: Record | None) -> None:
    """Set or (with None) remove a row; used by undo steps too."""
    if record is None:
        table.pop(key, None)
    else:
        table[key] = record


def clone(record: Record) -> Record:
    """A copy the caller may keep or mutate without touching stored data.

    Records hold only dicts, lists and immutable scalars, so copying the containers is a full
    deep copy — several times faster than ``copy.deepcopy``, which dominated list calls.
    """
    return {key: _copy(value) for key, value in record.items()}


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value

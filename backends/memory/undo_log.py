"""The undo log of an in-memory transaction, and the copying every stored record goes through."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from integration_store.model.schema import RecordSchema
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


def clone(record: Record) -> Record:
    """A copy the caller may keep or mutate without touching stored data (any record or patch).

    Only JSON values are containers (dicts and lists); everything else a record holds is
    immutable, so only those are copied, all the way down — several times faster than
    ``copy.deepcopy``, which dominated list calls.
    """
    copy = record.copy()
    for key, value in record.items():
        kind = type(value)
        if kind is dict or kind is list:
            copy[key] = _copy(value)
    return copy


def record_cloner(schema: RecordSchema) -> Callable[[Record], Record]:
    """``clone`` for whole records of one schema, written out for its JSON fields: no test of
    every value's type, which is most of ``clone``'s time on a connector."""
    copies = "".join(
        f"    copy[{name!r}] = _copy(record[{name!r}])\n" for name in schema.json_fields
    )
    source = f"def clone(record):\n    copy = record.copy()\n{copies}    return copy\n"
    namespace: dict[str, Any] = {"_copy": _copy}
    exec(compile(source, f"<clone of a {schema.name} record>", "exec"), namespace)
    cloned: Callable[[Record], Record] = namespace["clone"]
    return cloned


def _copy(value: Any) -> Any:
    """A JSON value with fresh containers; the copy starts as a C-level shallow copy and only
    nested containers are replaced."""
    kind = type(value)
    if kind is dict:
        copy = value.copy()
        for key, item in value.items():
            item_kind = type(item)
            if item_kind is dict or item_kind is list:
                copy[key] = _copy(item)
        return copy
    if kind is list:
        copy = value.copy()
        for index, item in enumerate(value):
            item_kind = type(item)
            if item_kind is dict or item_kind is list:
                copy[index] = _copy(item)
        return copy
    return value

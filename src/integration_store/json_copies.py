"""Copies of records and JSON values with fresh containers, and the record a backend shares.

Only JSON values are containers (dicts and lists) in a record; everything else it holds is
immutable, so a copy copies only those, all the way down — several times faster than
``copy.deepcopy``, which dominated list calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple

from integration_store.model.schema import RecordSchema

Record = dict[str, Any]

_NONE: Final[Mapping[str, int]] = MappingProxyType({})


class StoredRecord(dict[str, Any]):
    """A record a backend keeps and returns as it is, instead of a fresh copy (the memory
    backend does): nobody mutates it — a write stores a new record — so the core decodes it
    once, keeps the object in ``decoded`` and hands out copies with their own JSON containers.

    Code that derives a plain dict from one (``{**record, ...}``) shares its containers and
    must copy them (``copy_record``) before anything reaches a caller."""

    decoded: Any = None
    """What the core made of it (set by the core; a class default, so making one is as quick
    as copying a dict)."""
    copier: Any = None
    """With a kept ``decoded`` object, the function copying it (``shaped_copier``)."""
    previous: KeptVersion | None = None
    """For a record an update of flat fields made of a record whose object the core kept (or
    of such a record in turn): that object, for the core to copy with the changed fields
    taken from this record instead of decoding the whole record. The record must not change
    after ``kept_changed`` made it (nor be copied with ``copy.copy``, which would carry this
    over): ``changed`` would no longer say what differs."""


class KeptVersion(NamedTuple):
    """The object the core kept for an earlier version of a record, and what changed since."""

    kept: Any
    copier: Callable[[Any], Any]
    """The kept object's copier (``StoredRecord.copier``): the containers, so their shape, are
    the same in every later version, as only flat fields changed."""
    changed: tuple[str, ...]
    """The fields set or added to since, in the order the updates named them."""


READ_ONCE: Final = object()
"""``StoredRecord.decoded`` of a record decoded once (with copies, nothing kept)."""


def copy_json(value: Any) -> Any:
    """A JSON value with fresh containers (anything else as it is); the copy starts as a
    C-level shallow copy and only nested containers are replaced."""
    kind = type(value)
    if kind is dict:
        copy = value.copy()
        for key, item in value.items():
            item_kind = type(item)
            if item_kind is dict or item_kind is list:
                copy[key] = copy_json(item)
        return copy
    if kind is list:
        copy = value.copy()
        for index, item in enumerate(value):
            item_kind = type(item)
            if item_kind is dict or item_kind is list:
                copy[index] = copy_json(item)
        return copy
    return value


def copy_record(record: Record) -> Record:
    """A copy the caller may keep or mutate without touching the original (any record or
    patch): a plain dict whose containers are all fresh."""
    copy = dict(record)
    for key, value in record.items():
        kind = type(value)
        if kind is dict or kind is list:
            copy[key] = copy_json(value)
    return copy


def kept_changed(
    before: StoredRecord, changes: Mapping[str, Any], increments: Mapping[str, int] = _NONE
) -> StoredRecord:
    """The record a backend keeps after an update of ``before``: ``changes`` set (their JSON
    values copied: the caller keeps its containers) and ``increments`` added; when only flat
    fields changed, with the version the core kept of ``before`` (``StoredRecord.previous``)."""
    after = StoredRecord(before)
    after.update(changes)
    flat = True
    for field, value in changes.items():
        kind = type(value)
        if kind is dict or kind is list:
            after[field] = copy_json(value)
            flat = False
    for field, amount in increments.items():
        after[field] = before[field] + amount
    if flat:  # else no earlier object is of use, and none is held (old credentials, say)
        previous = _kept_version(before, (*changes, *increments))
        if previous is not None:
            after.previous = previous
    return after


def _kept_version(before: StoredRecord, changed: tuple[str, ...]) -> KeptVersion | None:
    """The object kept for ``before`` or, failing that, for a version before it, with the
    fields changed since (None: the core kept none)."""
    kept = before.decoded
    if kept is not None and kept is not READ_ONCE and before.copier is not None:
        return KeptVersion(kept, before.copier, changed)
    previous = before.previous
    if previous is None or changed == previous.changed:
        return previous
    since = previous.changed
    return previous._replace(changed=since + tuple(n for n in changed if n not in since))


def record_copier(schema: RecordSchema) -> Callable[[Record], Record]:
    """``copy_record`` for whole records of one schema, written out for its JSON fields: no
    test of every value's type, which is most of ``copy_record``'s time on a connector."""
    copier: Callable[[Record], Record] = _written_copier(schema, dict)
    return copier


def kept_record_copier(schema: RecordSchema) -> Callable[[Record], StoredRecord]:
    """``record_copier`` making the ``StoredRecord`` a backend keeps of a record it is given."""
    copier: Callable[[Record], StoredRecord] = _written_copier(schema, StoredRecord)
    return copier


def _written_copier(schema: RecordSchema, into: type[Record]) -> Any:
    copies = "".join(
        f"    copy[{name!r}] = copy_json(record[{name!r}])\n" for name in schema.json_fields
    )
    source = f"def copy(record):\n    copy = into(record)\n{copies}    return copy\n"
    namespace: dict[str, Any] = {"copy_json": copy_json, "into": into}
    exec(compile(source, f"<copy of a {schema.name} record>", "exec"), namespace)
    return namespace["copy"]

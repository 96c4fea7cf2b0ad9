"""The one converter between domain objects and storage records.

A *record* is a flat ``dict`` of plain values — ``str``, ``int``, ``bool``, ``None``, aware UTC
``datetime``, ``uuid.UUID`` — plus JSON fields holding checked JSON values, shaped as declared in
``integration_store.model.schema``. Backends store and fetch records; they never build domain
objects themselves.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, Final, TypeVar, cast
from uuid import UUID

import attrs
import cattrs
from cattrs.fns import identity

from integration_store.decoding import decoder_for, evolver_for
from integration_store.json_copies import READ_ONCE, KeptVersion, StoredRecord
from integration_store.model import schema
from integration_store.model.connectors import (
    CONNECTOR_CLASSES,
    Connector,
    UnknownKindConnector,
)
from integration_store.model.fields import field_specs
from integration_store.model.responses import ExternalResponse
from integration_store.model.schema import FieldKind, RecordSchema
from integration_store.model.workers import Worker, WorkerConfig
from integration_store.object_copies import shaped_copier

Record = dict[str, Any]

T = TypeVar("T")


def _enum_value(member: Enum) -> Any:
    return member.value


def _same(value: Any) -> Any:
    return value


def _is_json_container(cls: Any) -> bool:
    return cls in (dict, list) or typing.get_origin(cls) in (dict, list)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    # Datetimes and UUIDs are record values as they are; backends keep their types.
    converter.register_unstructure_hook(datetime, lambda value: value)
    converter.register_structure_hook(datetime, lambda value, _: value)
    converter.register_unstructure_hook(UUID, lambda value: value)
    converter.register_structure_hook(
        UUID, lambda value, _: value if isinstance(value, UUID) else UUID(str(value))
    )
    converter.register_unstructure_hook(tuple, list)
    # JSON values were checked (and deep-copied) on the way in: a record shares them with the
    # object instead of copying them again, value by value. Backends encode or clone records.
    converter.register_unstructure_hook_func(_is_json_container, _same)
    # str-valued enums would otherwise pass through as str subclasses.
    converter.register_unstructure_hook_func(
        lambda cls: isinstance(cls, type) and issubclass(cls, Enum), _enum_value
    )
    return converter


converter: Final = _make_converter()

_SCHEMAS: Final[dict[type, RecordSchema]] = {
    ExternalResponse: schema.EXTERNAL_RESPONSE,
    Worker: schema.WORKER,
    WorkerConfig: schema.WORKER_CONFIG,
}


def to_record(value: ExternalResponse | Worker | WorkerConfig) -> Record:
    """Flatten a response, worker or worker configuration into its schema's record."""
    document: Record = converter.unstructure(value)
    return {name: document[name] for name in _SCHEMAS[type(value)].names}


def new_response_record(
    response_id: UUID, received_at: datetime, arguments: Mapping[str, Any]
) -> Record:
    """The record of a response just received with these checked arguments (``to_record`` of
    that response, written out: recording one is the hot path of bulk ingestion)."""
    return {
        "id": response_id,
        "source": arguments["source"],
        "raw_response": arguments["raw_response"],
        "interpretation_owner": arguments["interpretation_owner"],
        "interpretation_contract": arguments["interpretation_contract"],
        "request_id": arguments["request_id"],
        "run_id": arguments["run_id"],
        "received_at": received_at,
        "interpreted_value": None,
        "interpreted_at": None,
        "interpreted_by": None,
        "claimed_by": None,
        "lease_expires_at": None,
    }


def from_record(record: Record, cls: type[T]) -> T:
    """Build a response, worker or worker configuration back from its record (a
    ``StoredRecord`` as ``connector_from_record`` says)."""
    if type(record) is StoredRecord:
        previous = record.previous
        if previous is not None and (read := _from_previous(record, previous, cls)) is not None:
            return read
        kept = record.decoded
        if kept is None:
            record.decoded = READ_ONCE
            return decoder_for(cls, copying=True)(dict(record))
        if type(kept) is not cls:
            kept = decoder_for(cls)(dict(record))
            record.copier = shaped_copier(kept)  # first: another thread may read it meanwhile
            record.decoded = kept
        copy: Callable[[T], T] = record.copier
        return copy(kept)
    return decoder_for(cls)(record)


def _from_previous(record: StoredRecord, previous: KeptVersion, cls: type[T]) -> T | None:
    """A record an update made, read as a ``cls`` from the object kept for an earlier version
    of it (``StoredRecord.previous``) with the fields changed since taken from the record:
    the first time a copy; the second time that object is kept (and the earlier one let go)
    and a copy of it returned. None, letting the earlier one go, when that object is not a
    ``cls``, or the change is one an evolver cannot take, or a changed value does not decode:
    the whole record is decoded then, and its careful path says what is wrong."""
    kept, copier, changed = previous
    first = record.decoded is None
    evolve = evolver_for(kept, copier, changed, copying=first) if type(kept) is cls else None
    try:
        read: T | None = None if evolve is None else evolve(kept, record)
    except (KeyError, TypeError, ValueError):
        read = None
    if read is None:
        record.previous = None
        return None
    if first:
        record.decoded = READ_ONCE
        return read
    record.copier = copier  # the same containers, so the same shape; first, as above
    record.decoded = read
    record.previous = None
    return cast(T, copier(read))


# A subclass field lives in the JSON ``extra`` field: the kinds JSON lacks travel as text.
_BASE_NAMES: Final = frozenset(field.name for field in attrs.fields(Connector))
_EXTRA_ENCODERS: Final[dict[FieldKind, Callable[[Any], Any]]] = {
    FieldKind.TIMESTAMP: datetime.isoformat,
    FieldKind.UUID: str,
}
_EXTRA_DECODERS: Final[dict[FieldKind, Callable[[Any], Any]]] = {
    FieldKind.TIMESTAMP: datetime.fromisoformat,
    FieldKind.UUID: UUID,
}


_CODERS: dict[tuple[type, bool], tuple[tuple[str, Callable[[Any], Any]], ...]] = {}


def _extra_coders(
    cls: type[Connector], decode: bool
) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    coders = _CODERS.get((cls, decode))
    if coders is None:
        table = _EXTRA_DECODERS if decode else _EXTRA_ENCODERS
        coders = _CODERS[cls, decode] = tuple(
            (spec.name, table[spec.kind])
            for spec in field_specs(cls)
            if spec.kind in table and spec.name not in _BASE_NAMES
        )
    return coders


def _convert_extra(cls: type[Connector], extra: Record, decode: bool) -> Record:
    result = dict(extra)
    for name, coder in _extra_coders(cls, decode):
        if result.get(name) is not None:
            result[name] = coder(result[name])
    return result


_EXTRA_NAMES: dict[type, tuple[str, ...]] = {}


def _extra_names(cls: type[Connector]) -> tuple[str, ...]:
    """``Connector.extra_fields``' names for a class, worked out once (bulk registration
    flattens thousands of connectors)."""
    names = _EXTRA_NAMES.get(cls)
    if names is None:
        names = _EXTRA_NAMES[cls] = tuple(
            field.name for field in attrs.fields(cls) if field.name not in _BASE_NAMES
        )
    return names


def connector_to_record(connector: Connector) -> Record:
    """Flatten a connector (of any subclass) into a record; subclass fields go to ``extra``."""
    cls = type(connector)
    write = _CONNECTOR_WRITERS.get(cls)
    if write is None:
        write = _CONNECTOR_WRITERS[cls] = connector_writer(cls)
    return write(connector)


_CONNECTOR_WRITERS: dict[type, Callable[[Any], Record]] = {}


def connector_writer(cls: type[Connector]) -> Callable[[Any], Record]:
    """``general_connector_record`` written out for one class (as attrs writes an ``__init__``):
    one dict display in record order, each field through the converter's own hook unless that
    hook returns the value itself. Registering thousands of connectors runs it for each."""
    if cls is UnknownKindConnector:
        return general_connector_record
    namespace: dict[str, Any] = {"KIND": cls.kind}
    fields = {field.name: field for field in attrs.fields(attrs.resolve_types(cls))}
    values = {"kind": "KIND", "connector_type": "c.connector_type.value"}
    for name in _BASE_NAMES - {"connector_type"}:
        values[name] = _unstructured(name, fields[name].type, namespace)
    extra = [
        f"{name!r}: {_extra_value(cls, name, fields[name].type, namespace)}"
        for name in _extra_names(cls)
    ]
    values["extra"] = f"{{{', '.join(extra)}}}"
    items = ", ".join(f"{name!r}: {values[name]}" for name in schema.CONNECTOR.names)
    source = f"def write(c):\n    return {{{items}}}\n"
    exec(compile(source, f"<integration_store record of {cls.__qualname__}>", "exec"), namespace)
    written: Callable[[Any], Record] = namespace["write"]
    return written


def _unstructured(name: str, kind: Any, namespace: dict[str, Any]) -> str:
    hook = converter.get_unstructure_hook(kind)
    if hook is identity or hook is _same or kind in _AS_THEY_ARE:
        return f"c.{name}"
    namespace[f"u_{name}"] = hook
    return f"u_{name}(c.{name})"


def _extra_value(cls: type[Connector], name: str, kind: Any, namespace: dict[str, Any]) -> str:
    value = _unstructured(name, kind, namespace)
    coder = dict(_extra_coders(cls, decode=False)).get(name)
    if coder is None:
        return value
    namespace[f"e_{name}"] = coder
    return f"(None if (v := {value}) is None else e_{name}(v))"


_AS_THEY_ARE: Final = frozenset({datetime, datetime | None, UUID, UUID | None})
"""Types whose hooks (``_make_converter``) return a value, or None, as it is."""


def general_connector_record(connector: Connector) -> Record:
    """``connector_to_record`` by the converter at run time: for unknown kinds, and the
    reference the written-out writers are tested against."""
    document: Record = converter.unstructure(connector)
    extra = {name: document.pop(name) for name in _extra_names(type(connector))}
    # Subclasses fix connector_type with init=False, which cattrs leaves out.
    document["connector_type"] = connector.connector_type.value
    if isinstance(connector, UnknownKindConnector):
        # Stored back as it was read: under its own kind, with its fields as they were.
        document["kind"] = extra["stored_kind"]
        document["extra"] = extra["stored_fields"]
    else:
        document["kind"] = type(connector).kind
        document["extra"] = _convert_extra(type(connector), extra, decode=False)
    return {name: document[name] for name in schema.CONNECTOR.names}


def connector_from_record(record: Record) -> Connector:
    """Build the connector's own class back from a record (subclass fields from ``extra``); a
    kind no class of this process declares, or whose class cannot take the stored fields (a
    field changed type since), reads as an ``UnknownKindConnector``.

    A ``StoredRecord`` (shared with its backend) is decoded with copies of its containers the
    first time; read again, its object is kept, and each later read costs a copy of that. One
    an update made of a kept one is read as a copy of that object with the changed fields
    decoded from the record (``_from_previous``)."""
    if type(record) is StoredRecord:
        previous = record.previous
        if previous is not None:
            # Only the class of the record's kind now: a class registered since reads as such.
            cls = CONNECTOR_CLASSES.get(record["kind"], UnknownKindConnector)
            if (read := _from_previous(record, previous, cls)) is not None:
                return read
        kept = record.decoded
        if kept is None:  # most records a write returns are never read again
            record.decoded = READ_ONCE
            return _decoded_connector(dict(record), copying=True)
        if not isinstance(kept, Connector):
            kept = _decoded_connector(dict(record))
            record.copier = shaped_copier(kept)  # first: another thread may read it meanwhile
            record.decoded = kept
        copy: Callable[[Connector], Connector] = record.copier
        return copy(kept)
    return _decoded_connector(record)


def _decoded_connector(record: Record, copying: bool = False) -> Connector:
    cls = CONNECTOR_CLASSES.get(record["kind"])
    if cls is not None and cls is not UnknownKindConnector:
        extra = record["extra"]
        try:
            fields = {**record, **_convert_extra(cls, extra, decode=True)} if extra else record
            # ``kind`` and ``extra`` are no fields; a subclass fixes ``connector_type`` itself.
            return decoder_for(cls, copying)(fields)
        except (TypeError, ValueError):
            pass  # stored by another version of the class: read as unknown, never raise
    unknown = {**record, "stored_kind": record["kind"], "stored_fields": record["extra"]}
    return decoder_for(UnknownKindConnector, copying)(unknown)

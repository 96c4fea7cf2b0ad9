"""Records ↔ MongoDB documents.

**JSON fields are stored as exact JSON text** (``integration_store.jsoncodec``), one BSON string
per field. Measured on pymongo 4 / mongomock 4.3 / SecantusDB before choosing:

* BSON keys are C strings, so a JSON key holding ``"\\x00"`` (allowed by the value rules) cannot
  be a BSON key at all (``InvalidDocument``); mongomock also rejects ``"$x"`` keys on insert
  (``unknown operator``) while the real server accepts them — nested documents would need an
  escaping scheme for every key;
* BSON int64 decodes as ``bson.Int64`` and would have to be converted back at every depth;
* nothing queries inside a JSON field, so native documents buy nothing, while ``json.dumps`` /
  ``json.loads`` (C accelerated) keep ``1`` vs ``1.0``, ``-0.0``, ``1e308``, int64 and every key
  exactly, with no key ever interpreted as an operator or a path, on every server;
* measured on a 1 KB LLM-style payload (BSON encode + decode + conversion): text 33 µs and
  860 bytes, key-escaped native documents with Int64 fix-up 70 µs and 1014 bytes.

Plain fields are native BSON: str, bool, None, int (int32/int64; ``Int64`` comes back as ``int``),
datetimes (the client is ``tz_aware`` in UTC; mongomock's ``FixedOffset`` UTC is normalised to
``datetime.UTC``), and UUIDs as ``Binary`` subtype 4 (the standard representation) written
explicitly, because mongomock ignores ``uuidRepresentation`` and refuses a bare ``uuid.UUID``.
Subtype-4 binaries sort by their bytes, i.e. by ``UUID.int``, on both. Bytes (a vector's
packed values) are ``Binary`` subtype 0, also written explicitly, and read back as plain
``bytes`` (pymongo decodes subtype 0 to ``bytes``; mongomock hands back the ``Binary``).

A document written before a field was declared reads that field's default (see
``Shape.from_document``); ``migrations.py`` records the layout's version in the database.

Natural ids are ``_id``: ``connector_id``, response ``id``, worker ``id``, a vector set's
``connector_id``, an invocation's ``request_id``; a tenant's worker config is keyed by the
sub-document ``{"tenant_id": ..., "worker_id": ...}``, a vector by ``{"connector_id": ...,
"vector_id": ...}``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

import attrs
from bson.binary import Binary, UuidRepresentation
from bson.decimal128 import Decimal128
from bson.int64 import Int64

from integration_store import jsoncodec
from integration_store.errors import IntegrationStoreError
from integration_store.model import schema
from integration_store.model.schema import RecordSchema
from integration_store.records import Record

Document = dict[str, Any]

UUID_SUBTYPE: Final = 4
BYTES_SUBTYPE: Final = 0
JSON: Final = schema.FieldKind.JSON
_NATIVE: Final = frozenset(
    {
        schema.FieldKind.IDENTIFIER,
        schema.FieldKind.TEXT,
        schema.FieldKind.TIMESTAMP,
        schema.FieldKind.INTEGER,
        schema.FieldKind.FLOAT,
        schema.FieldKind.BOOLEAN,
        schema.FieldKind.ENUM,
    }
)
"""Kinds whose record values BSON stores as they are (``plain`` would return them unchanged)."""


def plain(value: Any) -> Any:
    """A native value as BSON stores it (UUID → subtype-4 ``Binary``); use for filters too."""
    if type(value) is UUID:  # what ``Binary.from_uuid`` makes of it, without its checks
        return Binary(value.bytes, UUID_SUBTYPE)
    if isinstance(value, UUID):
        return Binary.from_uuid(value, UuidRepresentation.STANDARD)
    if type(value) is bytes:
        return Binary(value, BYTES_SUBTYPE)
    return value


def strictly_after(first: str, second: str, key: tuple[Any, Any]) -> Document:
    """Criteria for documents sorting strictly after ``key`` in the order (first, second):
    ``$or`` of "first greater" and "first equal, second greater", plus the implied
    ``first >= a`` so the index range starts at the key. Values are compared as stored
    (``plain``: UUIDs as subtype-4 binaries, which order like ``UUID.int``)."""
    a, b = plain(key[0]), plain(key[1])
    return {
        first: {"$gte": a},
        "$or": [{first: {"$gt": a}}, {first: a, second: {"$gt": b}}],
    }


def unplain(value: Any) -> Any:
    """A stored native value back as the record type."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, Int64):
        return int(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    if isinstance(value, Binary) and value.subtype == UUID_SUBTYPE:
        return value.as_uuid(UuidRepresentation.STANDARD)
    if isinstance(value, bytes):  # a subtype-0 Binary (mongomock), or bytes (pymongo)
        return bytes(value)
    return value


def exact_int(value: Any) -> int:
    """An aggregated integer (int, ``Int64`` or an exact ``Decimal128`` sum) as ``int``."""
    if isinstance(value, Decimal128):
        return int(value.to_decimal())
    return int(value)


@attrs.frozen
class Shape:
    """How one kind of record (declared in ``integration_store.model.schema``) is laid out as a
    document; a document written before a field existed reads that field's default."""

    schema: RecordSchema
    id_field: str | None
    """The record field stored as ``_id``; None when ``_id`` is a composite key."""

    @property
    def collection(self) -> str:
        """The collection holding these documents."""
        return self.schema.name

    def value(self, field: str, value: Any) -> Any:
        """One field's value as stored."""
        if field in self.schema.json_fields:
            return jsoncodec.dumps(value)
        return plain(value)

    def to_document(self, record: Mapping[str, Any]) -> Document:
        """A whole record as a new document (``_id`` first when the id is a field)."""
        return self._encoder(record)

    @functools.cached_property
    def _encoder(self) -> Callable[[Mapping[str, Any]], Document]:
        """``to_document`` written out for this shape once (as attrs writes an ``__init__``):
        one dict display, each field converted by its kind — every insert runs it."""
        items = [] if self.id_field is None else [f"'_id': plain(r[{self.id_field!r}])"]
        for field in self.schema.fields:
            if field.name == self.id_field:
                continue
            value = f"r[{field.name!r}]"
            if field.kind is JSON:
                value = f"dumps({value})"
            elif field.kind not in _NATIVE:
                value = f"plain({value})"
            items.append(f"{field.name!r}: {value}")
        namespace: dict[str, Any] = {"plain": plain, "dumps": jsoncodec.dumps}
        source = f"def to_document(r):\n    return {{{', '.join(items)}}}\n"
        exec(compile(source, f"<{self.collection} document>", "exec"), namespace)
        encoder: Callable[[Mapping[str, Any]], Document] = namespace["to_document"]
        return encoder

    def to_values(self, changes: Mapping[str, Any]) -> Document:
        """Some fields' values as stored, for ``$set`` / ``$setOnInsert``."""
        if self.id_field is not None and self.id_field in changes:
            raise ValueError(f"{self.id_field!r} is the document id and cannot change")
        return {field: self.value(field, value) for field, value in changes.items()}

    def from_document(self, document: Mapping[str, Any]) -> Record:
        """A fresh record, fields in declaration order, from a stored document."""
        record: Record = {}
        for field in self.schema.fields:
            name = field.name
            if name == self.id_field:
                record[name] = unplain(document["_id"])
            elif name in document:
                stored = document[name]
                record[name] = self._json(name, stored) if field.kind is JSON else unplain(stored)
            elif field.required:
                raise IntegrationStoreError(
                    f"a stored {self.collection} document lacks the required field {name!r}"
                )
            else:
                record[name] = field.default_value()
        return record

    def _json(self, field: str, stored: Any) -> Any:
        try:
            return jsoncodec.loads(stored)
        except (TypeError, ValueError) as error:
            raise IntegrationStoreError(
                f"a stored {self.collection} document holds no JSON text in {field!r}"
            ) from error


CONNECTOR: Final = Shape(schema.CONNECTOR, "connector_id")
RESPONSE: Final = Shape(schema.EXTERNAL_RESPONSE, "id")
WORKER: Final = Shape(schema.WORKER, "id")
WORKER_CONFIG: Final = Shape(schema.WORKER_CONFIG, None)
VECTOR: Final = Shape(schema.VECTOR, None)
VECTOR_SET: Final = Shape(schema.VECTOR_SET, "connector_id")
INVOCATION: Final = Shape(schema.INVOCATION, "request_id")
SHAPES: Final = (CONNECTOR, RESPONSE, WORKER, WORKER_CONFIG, VECTOR, VECTOR_SET, INVOCATION)


def config_key(tenant_id: str, worker_id: str) -> Document:
    """The ``_id`` of a tenant's worker config (field order fixed: sub-document equality is
    order-sensitive in MongoDB)."""
    return {"tenant_id": tenant_id, "worker_id": worker_id}


def vector_key(connector_id: str, vector_id: str) -> Document:
    """The ``_id`` of one vector (field order fixed, as for ``config_key``)."""
    return {"connector_id": connector_id, "vector_id": vector_id}

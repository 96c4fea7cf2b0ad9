"""The stored shape of every record, declared once.

Each record kind is one ``RecordSchema``: its fields in order, each with a ``FieldKind`` and,
where a stored row or document may lack it, a default. Records (``integration_store.records``),
SQL tables and Mongo documents are all derived from these declarations, so adding a stored field
is one line here plus one migration step on each kind of store.
"""

from __future__ import annotations

import copy
import functools
from enum import Enum
from typing import Any, Final

import attrs


class FieldKind(Enum):
    """What a stored value is; decides its validation and its column or BSON type."""

    IDENTIFIER = "identifier"
    """Non-empty text of at most 255 characters, compared by code point (ids, names)."""
    TEXT = "text"
    """Text of any length."""
    JSON = "json"
    """A checked JSON value, kept exactly (stored as JSON text)."""
    TIMESTAMP = "timestamp"
    """An aware UTC datetime with millisecond precision."""
    UUID = "uuid"
    """A ``uuid.UUID``, ordered like ``UUID.int``."""
    INTEGER = "integer"
    """A signed 64-bit integer."""
    FLOAT = "float"
    """A finite float."""
    BOOLEAN = "boolean"
    """``True`` or ``False``."""
    ENUM = "enum"
    """The value of a ``str`` enum member, stored like an identifier."""
    BYTES = "bytes"
    """Binary data, kept byte for byte (a vector's packed float32 values)."""


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final[Any] = _Required()
"""The default of a field every stored record must hold."""


@attrs.frozen
class Field:
    """One stored field: its name, kind, whether it may be None, and its default."""

    name: str
    kind: FieldKind
    nullable: bool = False
    default: Any = attrs.field(default=REQUIRED)

    @property
    def required(self) -> bool:
        """True when a stored record lacking this field is broken, not old."""
        return self.default is REQUIRED

    def default_value(self) -> Any:
        """A fresh copy of the default (mutable JSON defaults are never shared)."""
        if self.required:
            raise KeyError(self.name)
        return copy.deepcopy(self.default)


def _optional(name: str, kind: FieldKind) -> Field:
    return Field(name, kind, nullable=True, default=None)


@attrs.frozen
class RecordSchema:
    """The fields of one record kind, its key and its unique field groups."""

    name: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    unique: tuple[tuple[str, ...], ...] = ()

    # Computed once per schema (attrs keeps cached properties on slotted classes): records are
    # encoded with them on every call.
    @functools.cached_property
    def names(self) -> tuple[str, ...]:
        """Field names in declaration order."""
        return tuple(field.name for field in self.fields)

    @functools.cached_property
    def json_fields(self) -> frozenset[str]:
        """Names of the fields holding JSON."""
        return frozenset(field.name for field in self.fields if field.kind is FieldKind.JSON)

    def field(self, name: str) -> Field:
        """The declaration of one field (``KeyError`` when there is none)."""
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)


_I = FieldKind.IDENTIFIER
_TIME = FieldKind.TIMESTAMP

_REVISION: Final = Field("revision", FieldKind.INTEGER, default=1)
"""How many writes the object has had (creation is the first), for optimistic locking. A row
stored before revisions existed reads as 1 (migrations backfill it)."""

CONNECTOR: Final = RecordSchema(
    name="connectors",
    fields=(
        Field("connector_id", _I),
        Field("tenant_id", _I),
        Field("name", _I),
        Field("kind", _I, default="base"),
        Field("connector_type", FieldKind.ENUM),
        Field("status", FieldKind.ENUM, default="registered"),
        Field("config", FieldKind.JSON, default={}),
        Field("capabilities", FieldKind.JSON, default=[]),
        _optional("last_connected", _TIME),
        _optional("last_error", FieldKind.TEXT),
        Field("connection_count", FieldKind.INTEGER, default=0),
        Field("error_count", FieldKind.INTEGER, default=0),
        Field("metadata", FieldKind.JSON, default={}),
        Field("extra", FieldKind.JSON, default={}),
        Field("created_at", _TIME),
        Field("updated_at", _TIME),
        _REVISION,
    ),
    key=("connector_id",),
    unique=(("tenant_id", "name"),),
)
"""A connector of any class; ``kind`` names the class, ``extra`` holds its own fields."""

EXTERNAL_RESPONSE: Final = RecordSchema(
    name="external_responses",
    fields=(
        Field("id", FieldKind.UUID),
        Field("source", _I),
        Field("raw_response", FieldKind.JSON),
        Field("interpretation_owner", _I),
        _optional("interpretation_contract", _I),
        _optional("request_id", _I),
        _optional("run_id", _I),
        Field("received_at", _TIME),
        _optional("interpreted_value", FieldKind.JSON),
        _optional("interpreted_at", _TIME),
        _optional("interpreted_by", _I),
        _optional("claimed_by", _I),
        _optional("lease_expires_at", _TIME),
    ),
    key=("id",),
)
"""A raw payload received from outside and, once interpreted, its interpretation; while
uninterpreted, possibly leased to one claimant (``claimed_by``) until ``lease_expires_at``."""

WORKER: Final = RecordSchema(
    name="workers",
    fields=(
        Field("id", _I),
        Field("name", _I),
        _optional("description", FieldKind.TEXT),
        Field("version", FieldKind.TEXT, default="1.0.0"),
        Field("status", FieldKind.TEXT, default="available"),
        Field("is_public", FieldKind.BOOLEAN, default=True),
        Field("moats", FieldKind.JSON, default=[]),
        Field("default_config", FieldKind.JSON, default={}),
        Field("input_schema", FieldKind.JSON, default={}),
        Field("output_schema", FieldKind.JSON, default={}),
        _optional("tokens_per_run_estimate", FieldKind.INTEGER),
        _optional("cost_per_run_cents", FieldKind.INTEGER),
        Field("created_at", _TIME),
        Field("updated_at", _TIME),
        _REVISION,
    ),
    key=("id",),
)
"""A runnable worker of the registry."""

WORKER_CONFIG: Final = RecordSchema(
    name="worker_configs",
    fields=(
        Field("tenant_id", _I),
        Field("worker_id", _I),
        Field("enabled", FieldKind.BOOLEAN, default=True),
        Field("config", FieldKind.JSON, default={}),
        Field("brand", FieldKind.JSON, default={}),
        _optional("max_runs_per_day", FieldKind.INTEGER),
        _optional("max_tokens_per_run", FieldKind.INTEGER),
        Field("created_at", _TIME),
        Field("updated_at", _TIME),
        _REVISION,
    ),
    key=("tenant_id", "worker_id"),
)
"""One tenant's overrides for one worker."""

VECTOR: Final = RecordSchema(
    name="vectors",
    fields=(
        Field("connector_id", _I),
        Field("vector_id", _I),
        Field("dimension", FieldKind.INTEGER),
        Field("vector_values", FieldKind.BYTES),
        Field("metadata", FieldKind.JSON, default={}),
        Field("updated_at", _TIME),
    ),
    key=("connector_id", "vector_id"),
)
"""One vector of a builtin vector connector: ``vector_values`` are ``dimension`` float32
numbers, little-endian, packed (``integration_store.live.vector_codec``)."""

VECTOR_SET: Final = RecordSchema(
    name="vector_sets",
    fields=(
        Field("connector_id", _I),
        Field("generation", FieldKind.INTEGER),
    ),
    key=("connector_id",),
)
"""How many writes one connector's vectors have had: a search compares it with the generation
of the vectors it holds in memory, so it sees every write committed before it."""

INVOCATION: Final = RecordSchema(
    name="invocations",
    fields=(
        Field("request_id", FieldKind.UUID),
        Field("connector_id", _I),
        Field("function", _I),
        Field("status", FieldKind.ENUM),
        Field("payload", FieldKind.JSON, default={}),
        _optional("result", FieldKind.JSON),
        _optional("error", FieldKind.TEXT),
        Field("created_at", _TIME),
        _optional("started_at", _TIME),
        _optional("finished_at", _TIME),
    ),
    key=("request_id",),
)
"""One invocation of a serverless connector's function: its status (invoked, running,
completed, failed), its result or error, and when it was asked for, started and finished."""

ALL_SCHEMAS: Final = (
    CONNECTOR,
    EXTERNAL_RESPONSE,
    WORKER,
    WORKER_CONFIG,
    VECTOR,
    VECTOR_SET,
    INVOCATION,
)
"""Every record kind of the store."""

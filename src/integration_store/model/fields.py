"""The kind of each field of a domain class, declared once and read by validation and records.

A field says its kind with ``metadata=declare(FieldKind.X)``; a field that says nothing gets the
kind of its resolved attrs type (``str`` → text, ``int`` → integer, ``float``, ``bool``,
``datetime``, ``UUID``, a ``str`` enum, ``dict``/``list`` → JSON, each optionally ``| None``). So a
user's ``Connector`` subclass validates and stores its own fields with no table to update.
"""

from __future__ import annotations

import types
import typing
from datetime import datetime
from enum import Enum
from typing import Any, Final
from uuid import UUID

import attrs

from integration_store.model.schema import FieldKind

_KIND: Final = "integration_store.kind"
_STAMPED: Final = "integration_store.stamped"

_SIMPLE_KINDS: Final[dict[object, FieldKind]] = {
    str: FieldKind.TEXT,
    int: FieldKind.INTEGER,
    float: FieldKind.FLOAT,
    bool: FieldKind.BOOLEAN,
    datetime: FieldKind.TIMESTAMP,
    UUID: FieldKind.UUID,
}


def declare(kind: FieldKind, *, stamped: bool = False) -> dict[str, Any]:
    """attrs ``metadata`` declaring a field's kind; ``stamped`` fields are set by the store."""
    return {_KIND: kind, _STAMPED: stamped}


@attrs.frozen
class FieldSpec:
    """One validated field: its name, kind, whether None is allowed, and what narrows the kind.

    ``of`` is the enum class of an ``ENUM`` field, ``dict``/``list`` for a ``JSON`` field whose top
    level must be that, else None.
    """

    name: str
    kind: FieldKind
    nullable: bool = False
    of: type | None = None
    stamped: bool = False


_SPECS: dict[type, tuple[FieldSpec, ...]] = {}


def field_specs(cls: type) -> tuple[FieldSpec, ...]:
    """The specs of the attrs class's ``__init__`` fields, in field order (computed once).

    ``TypeError`` naming the field when its type has no kind and none is declared.
    """
    specs = _SPECS.get(cls)
    if specs is None:
        specs = _SPECS[cls] = tuple(_spec(cls, field) for field in _resolved_fields(cls))
    return specs


def _resolved_fields(cls: type) -> list[attrs.Attribute[Any]]:
    try:
        attrs.resolve_types(cls)
    except NameError as error:
        raise TypeError(f"{cls.__qualname__}: cannot resolve its field types ({error})") from None
    return [field for field in attrs.fields(cls) if field.init]


def _declaration(cls: type, name: str) -> dict[str, Any]:
    # A subclass that redefines a field (a new default, say) keeps the base class's declaration.
    for klass in cls.__mro__:
        declared = getattr(klass, "__attrs_attrs__", None)
        field = None if declared is None else getattr(declared, name, None)
        if field is not None and _KIND in field.metadata:
            return dict(field.metadata)
    return {}


def _spec(cls: type, field: attrs.Attribute[Any]) -> FieldSpec:
    inferred = _infer(field.type)
    metadata = _declaration(cls, field.name)
    declared = metadata.get(_KIND)
    stamped = bool(metadata.get(_STAMPED, False))
    if declared is not None:
        nullable, of = (inferred[1], inferred[2]) if inferred is not None else (False, None)
        return FieldSpec(field.name, declared, nullable, of, stamped)
    if inferred is None:
        raise TypeError(
            f"{cls.__qualname__}.{field.name}: no stored kind for type {field.type!r}; "
            "use str, int, float, bool, datetime, UUID, a str enum, dict or list (or None with one)"
        )
    return FieldSpec(field.name, *inferred, stamped=stamped)


def _infer(annotation: Any) -> tuple[FieldKind, bool, type | None] | None:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(members) != 1 or len(members) == len(typing.get_args(annotation)):
            return None
        inner = _infer(members[0])
        return None if inner is None else (inner[0], True, inner[2])
    if annotation in _SIMPLE_KINDS:
        return _SIMPLE_KINDS[annotation], False, None
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return FieldKind.ENUM, False, annotation
    container = origin if origin is not None else annotation
    if container in (dict, list):
        return FieldKind.JSON, False, container
    return None

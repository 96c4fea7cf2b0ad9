"""Copies of domain objects that share no container with the original, and the slot setters
they (and the decoders) are built from.

The core keeps the object it decoded from a backend's ``StoredRecord`` and hands out copies:
immutable values (text, numbers, enums, timestamps, ids, tuples of those) are shared, JSON
containers copied all the way down, nested attrs objects copied the same way.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, Final, TypeVar, cast
from uuid import UUID

import attrs

from integration_store.json_copies import copy_json

T = TypeVar("T")

Convert = Callable[[Any], Any]


def optional(convert: Convert) -> Convert:
    """``convert`` for a value that may be None."""
    return lambda value: None if value is None else convert(value)


def slot_setters(cls: type, fields: Any) -> dict[str, Callable[[Any, Any], None]] | None:
    """Each field's slot setter, when setting the slots is all ``__init__`` does: a slotted
    class without validators, init hooks, hash caching or fields whose default needs ``self``;
    else None (the class is built through its ``__init__``)."""
    if any("__dict__" in vars(klass) for klass in cls.__mro__) or any(
        hasattr(cls, hook) for hook in ("__attrs_pre_init__", "__attrs_post_init__")
    ):
        return None
    slots = {
        name
        for klass in cls.__mro__
        for name in getattr(klass, "__slots__", ())
        if name != "__weakref__"
    }
    if slots != {field.name for field in fields}:
        return None  # e.g. a hash cache slot ``__init__`` resets
    setters: dict[str, Callable[[Any, Any], None]] = {}
    for field in fields:
        slot: Any = getattr(cls, field.name, None)
        default = field.default
        takes_self = isinstance(default, attrs.Factory) and default.takes_self  # type: ignore[arg-type]
        is_slot = type(slot) is types.MemberDescriptorType
        if field.validator is not None or takes_self or not is_slot:
            return None
        setters[field.name] = slot.__set__
    return setters


_IMMUTABLE: Final = frozenset({str, int, float, bool, bytes, datetime, date, UUID, type(None)})


def copy_of(annotation: Any) -> Convert | None:
    """How a field's value of this type is copied so that the copy shares no container with
    it (None: immutable, shared as it is)."""
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        copies = [copy_of(argument) for argument in arguments]
        if all(copy is None for copy in copies):
            return None
        if type(None) in arguments and len(arguments) == 2:
            (copy,) = [copy for copy in copies if copy is not None]
            return optional(copy)
        return copy_json
    if origin is tuple and all(copy_of(item) is None for item in arguments if item != Ellipsis):
        return None  # a tuple of immutable items
    if annotation in _IMMUTABLE or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        return None
    if attrs.has(annotation):
        return copier_for(annotation)
    return copy_json  # JSON containers; anything else is returned as it is


def copier_for(cls: type[T]) -> Callable[[T], T]:
    """The function copying an object of ``cls`` so that the copy shares no container with it
    (what the core hands out of an object it keeps, see ``StoredRecord``)."""
    copier = _COPIERS.get(cls)
    if copier is None:
        copier = _COPIERS[cls] = _compile_copier(cls)
    return copier


_COPIERS: dict[type, Callable[[Any], Any]] = {}


def _compile_copier(cls: type[T]) -> Callable[[T], T]:
    """Slots set one by one from the original (as ``_compile`` decodes), or for a class with
    more to its ``__init__``, the class called again with copies of its fields."""
    fields = attrs.fields(attrs.resolve_types(cast(Any, cls)))
    namespace: dict[str, Any] = {"cls": cls, "new": object.__new__}
    values = []
    for index, field in enumerate(fields):
        value = f"original.{field.name}"
        copy = copy_of(field.type)
        if copy is not None:
            namespace[f"copy_{index}"] = copy
            value = f"copy_{index}({value})"
        values.append(value)
    setters = slot_setters(cls, fields)
    if setters is not None:
        lines = ["    self = new(cls)"]
        for index, (field, value) in enumerate(zip(fields, values, strict=True)):
            namespace[f"set_{index}"] = setters[field.name]
            lines.append(f"    set_{index}(self, {value})")
        source = "def copy(original):\n" + "\n".join(lines) + "\n    return self\n"
    else:
        arguments = [
            f"{field.alias}={value}"
            for field, value in zip(fields, values, strict=True)
            if field.init
        ]
        source = f"def copy(original):\n    return cls({', '.join(arguments)})\n"
    exec(compile(source, f"<integration_store copier for {cls.__qualname__}>", "exec"), namespace)
    copier: Callable[[T], T] = namespace["copy"]
    return copier


def checked_builder(cls: type[T], stamps: tuple[str, ...]) -> Callable[..., T]:
    """The function ``build(values, *stamped)`` making ``cls`` from checked field values (any
    field missing from ``values`` takes its default) and the values of the ``stamps`` fields,
    in order: what ``cls(**values, **stamps)`` makes, with each slot set directly where that
    is all ``__init__`` would do (``slot_setters``) — a dozen keyword arguments were most of
    the call. Values are of their fields' types already; a field's own converter still runs."""
    fields = attrs.fields(cast(Any, cls))
    setters = slot_setters(cls, fields)
    arguments = ", ".join(stamps)
    namespace: dict[str, Any] = {"cls": cls, "new": object.__new__}
    unset = any(not field.init and field.default is attrs.NOTHING for field in fields)
    if setters is None or unset:  # ``__init__`` does more, or leaves a slot unset
        given = ", ".join(f"{name}={name}" for name in stamps)
        source = f"def build(values, {arguments}):\n    return cls(**values, {given})\n"
    else:
        lines = ["    self = new(cls)"]
        for index, field in enumerate(fields):
            value = (
                field.name if field.name in stamps else _given_or_default(field, index, namespace)
            )
            if field.converter is not None:
                namespace[f"convert_{index}"] = field.converter
                value = f"convert_{index}({value})"
            namespace[f"set_{index}"] = setters[field.name]
            lines.append(f"    set_{index}(self, {value})")
        source = f"def build(values, {arguments}):\n" + "\n".join(lines) + "\n    return self\n"
    exec(compile(source, f"<integration_store builder of {cls.__qualname__}>", "exec"), namespace)
    build: Callable[..., T] = namespace["build"]
    return build


def _given_or_default(field: Any, index: int, namespace: dict[str, Any]) -> str:
    default = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        namespace[f"default_{index}"] = default.factory
        fallback = f"default_{index}()"
    else:
        namespace[f"default_{index}"] = default
        fallback = f"default_{index}"
    if not field.init:
        return fallback
    if default is attrs.NOTHING:
        return f"values[{field.name!r}]"
    return f"(values[{field.name!r}] if {field.name!r} in values else {fallback})"

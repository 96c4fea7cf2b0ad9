"""Copies of domain objects that share no container with the original, and the slot writers
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


def slot_writer(cls: type, fields: Any) -> type | None:
    """A subclass of ``cls`` with its very layout whose slots plain assignment sets, when
    setting the slots is all ``__init__`` does: a slotted class without validators, init
    hooks, hash caching or fields whose default needs ``self``; else None (the class is
    built through its ``__init__``).

    Why: a frozen class refuses ``self.name = value``, and setting a slot through its
    descriptor (``Cls.name.__set__(self, value)``) costs a method-wrapper call per field —
    most of a copy's time. An instance made as the writer takes plain assignments, which
    CPython specialises to direct slot stores, and then becomes a ``cls`` by ``__class__``
    assignment (allowed between a class and a subclass adding no slots). See
    ``written_out_slots``.

    The writer is a real subclass, ``_Writable<Name>``, listed in ``cls.__subclasses__()``;
    a class inheriting an ``__init_subclass__`` from outside this package (an app's registry
    of plugins, say) gets none, so no hook of an app ever sees one."""
    if (
        type(cls) is not type
        or any("__dict__" in vars(klass) for klass in cls.__mro__)
        or any(hasattr(cls, hook) for hook in ("__attrs_pre_init__", "__attrs_post_init__"))
        or any(_foreign_hook(klass) for klass in cls.__mro__)
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
    for field in fields:
        slot: Any = getattr(cls, field.name, None)
        default = field.default
        takes_self = isinstance(default, attrs.Factory) and default.takes_self  # type: ignore[arg-type]
        is_slot = type(slot) is types.MemberDescriptorType
        if field.validator is not None or takes_self or not is_slot:
            return None
    writer = _WRITERS.get(cls)
    if writer is None:
        namespace = {
            "__slots__": (),
            "__module__": cls.__module__,
            "__doc__": f"Writes the slots of a new {cls.__qualname__} (object_copies).",
            # Both, or the type keeps the frozen hook for attribute stores (``tp_setattro``).
            "__setattr__": object.__setattr__,
            "__delattr__": object.__delattr__,
        }
        writer = _WRITERS[cls] = type(f"_Writable{cls.__name__}", (cls,), namespace)
    return writer


_WRITERS: dict[type, type] = {}


def _foreign_hook(klass: type) -> bool:
    """Whether ``klass`` declares an ``__init_subclass__`` not of this package (the model's
    own registers a connector class by the ``kind`` it declares; a writer declares none)."""
    declares = klass is not object and "__init_subclass__" in vars(klass)
    return declares and not klass.__module__.startswith("integration_store.")


def written_out_slots(
    cls: type, fields: Any, values: list[str], namespace: dict[str, Any]
) -> list[str] | None:
    """The body lines of a written-out function that makes a ``cls`` whose fields are set, in
    order, to the Python expressions ``values`` (None when ``slot_writer`` refuses the class).
    Puts the names the lines use into ``namespace``."""
    writer = slot_writer(cls, fields)
    if writer is None:
        return None
    namespace.update(new=object.__new__, writer=writer, cls=cls)
    pairs = zip(fields, values, strict=True)
    writes = [f"    self.{field.name} = {value}" for field, value in pairs]
    return ["    self = new(writer)", *writes, "    self.__class__ = cls", "    return self"]


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
        return copy_loose
    if origin is tuple and all(copy_of(item) is None for item in arguments if item != Ellipsis):
        return None  # a tuple of immutable items
    if annotation in _IMMUTABLE or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        return None
    if attrs.has(annotation):
        return copier_for(annotation)
    if origin in (dict, list) or annotation in (dict, list):
        return copy_json
    return copy_loose  # ``Any`` and the like


def copy_loose(value: Any) -> Any:
    """The copy of a value of a field typed loosely (``Any``, a union): JSON containers copied
    all the way down, an attrs object (a converter may make one) with its class's copier,
    anything else as it is."""
    kind = type(value)
    if kind is dict or kind is list:
        return copy_json(value)
    if attrs.has(kind):
        return copier_for(kind)(value)
    return value


Shape = frozenset[str]
"""The dotted paths (``config.options``) of an object's JSON values that are flat: a dict or
list holding no dict or list, which one C-level ``.copy()`` copies whole."""

NO_SHAPE: Final[Shape] = frozenset()


def copier_for(cls: type[T], shape: Shape = NO_SHAPE) -> Callable[[T], T]:
    """The function copying an object of ``cls`` so that the copy shares no container with it
    (what the core hands out of an object it keeps, see ``StoredRecord``); with a ``shape``,
    only for objects with at least those flat values (``shaped_copier``)."""
    copier = _COPIERS.get((cls, shape))
    if copier is None:
        copier = _COPIERS[cls, shape] = _compile_copier(cls, shape)
    return copier


_COPIERS: dict[tuple[type, Shape], Callable[[Any], Any]] = {}


def shaped_copier(kept: T) -> Callable[[T], T]:
    """``copier_for`` an object that never changes (one the core keeps), written for its flat
    JSON values: a read copies those with one ``.copy()`` each instead of looking into them —
    a connector's credentials and options usually, a tenth of a copy's time."""
    return copier_for(type(kept), flat_paths(kept))


def flat_paths(obj: Any, prefix: str = "") -> Shape:
    """The paths of ``obj``'s flat JSON values, nested attrs objects' included (those of a
    field typed with their class: what ``copy_of`` copies with that class's copier)."""
    paths: set[str] = set()
    for name, nested in _container_fields(type(obj)):
        value = getattr(obj, name)
        kind = type(value)
        if kind is dict or kind is list:
            items = value.values() if kind is dict else value
            if not any(type(item) is dict or type(item) is list for item in items):
                paths.add(prefix + name)
        elif nested is not None and value is not None:
            paths |= flat_paths(value, f"{prefix}{name}.")
    return frozenset(paths)


def _container_fields(cls: type) -> tuple[tuple[str, type | None], ...]:
    """The fields of ``cls`` whose values a copy must copy (``copy_of``), each with the attrs
    class it is typed with, if any (``X`` or ``X | None``)."""
    found = _CONTAINER_FIELDS.get(cls)
    if found is None:
        fields = attrs.fields(attrs.resolve_types(cast(Any, cls)))
        found = _CONTAINER_FIELDS[cls] = tuple(
            (field.name, _nested_class(field.type))
            for field in fields
            if copy_of(field.type) is not None
        )
    return found


_CONTAINER_FIELDS: dict[type, tuple[tuple[str, type | None], ...]] = {}


def _nested_class(annotation: Any) -> type | None:
    """The attrs class a field is typed with (alone or with None), else None."""
    if attrs.has(annotation):
        return cast(type, annotation)
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    others = [item for item in typing.get_args(annotation) if item is not type(None)]
    optional = len(others) == len(typing.get_args(annotation)) - 1
    return cast(type, others[0]) if optional and len(others) == 1 and attrs.has(others[0]) else None


def _compile_copier(cls: type[T], shape: Shape) -> Callable[[T], T]:
    """Slots set one by one from the original (as ``_compile`` decodes), or for a class with
    more to its ``__init__``, the class called again with copies of its fields."""
    fields = attrs.fields(attrs.resolve_types(cast(Any, cls)))
    namespace: dict[str, Any] = {"cls": cls}
    values = copy_sources(fields, shape, namespace)
    lines = written_out_slots(cls, fields, values, namespace)
    if lines is not None:
        source = "def copy(original):\n" + "\n".join(lines) + "\n"
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


def copy_sources(fields: Any, shape: Shape, namespace: dict[str, Any]) -> list[str]:
    """The expressions copying each field of ``original`` (an object with these attrs fields
    and at least the flat values of ``shape``), in order, for a written-out function; puts the
    names they use into ``namespace``."""
    values = []
    for index, field in enumerate(fields):
        value = f"original.{field.name}"
        inner = frozenset(
            path.removeprefix(f"{field.name}.")
            for path in shape
            if path.startswith(f"{field.name}.")
        )
        copy = copy_of(field.type)
        if field.name in shape:
            value = f"{value}.copy()"  # flat: a dict or list of plain values
        elif inner:  # a nested object, there (not None) in every object of this shape
            namespace[f"copy_{index}"] = copier_for(cast(type, _nested_class(field.type)), inner)
            value = f"copy_{index}({value})"
        elif copy is not None:
            namespace[f"copy_{index}"] = copy
            value = f"copy_{index}({value})"
        values.append(value)
    return values


def checked_builder(cls: type[T], stamps: tuple[str, ...]) -> Callable[..., T]:
    """The function ``build(values, *stamped)`` making ``cls`` from checked field values (any
    field missing from ``values`` takes its default) and the values of the ``stamps`` fields,
    in order: what ``cls(**values, **stamps)`` makes, with each slot set directly where that
    is all ``__init__`` would do (``slot_writer``) — a dozen keyword arguments were most of
    the call. Values are of their fields' types already; a field's own converter still runs."""
    fields = attrs.fields(cast(Any, cls))
    arguments = ", ".join(stamps)
    namespace: dict[str, Any] = {"cls": cls}
    values = []
    for index, field in enumerate(fields):
        value = field.name if field.name in stamps else _given_or_default(field, index, namespace)
        if field.converter is not None:
            namespace[f"convert_{index}"] = field.converter
            value = f"convert_{index}({value})"
        values.append(value)
    unset = any(not field.init and field.default is attrs.NOTHING for field in fields)
    lines = None if unset else written_out_slots(cls, fields, values, namespace)
    if lines is None:  # ``__init__`` does more, or leaves a slot unset
        given = ", ".join(f"{name}={name}" for name in stamps)
        source = f"def build(values, {arguments}):\n    return cls(**values, {given})\n"
    else:
        source = f"def build(values, {arguments}):\n" + "\n".join(lines) + "\n"
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

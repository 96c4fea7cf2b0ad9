"""Record → domain object, with each class's converters worked out once.

A record holds checked plain values (``records`` module docstring), so most fields go into the
class as they are; only enums, nested attrs classes, tuples of enums and UUIDs given as text
need converting. ``decoder_for(cls)`` works out which, once per class, and afterwards a record
costs one dict of keyword arguments and the class's own ``__init__`` — what a hand-written
constructor call would cost, where a general structuring pass would spend several times that.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any, Final, TypeVar, cast
from uuid import UUID

import attrs

from integration_store.object_copies import (
    Convert,
    copy_of,
    copy_sources,
    flat_paths,
    optional,
    written_out_slots,
)

T = TypeVar("T")


def _enum_member(cls: type[Enum], fast: bool) -> Convert:
    """A stored value → its member: fast, a dict lookup (``KeyError`` for an unknown value, so
    the record takes the careful path); else ``cls(value)``, whose error names the enum."""
    if fast:
        return cls._value2member_map_.__getitem__
    return cls


def _uuid(value: Any) -> UUID:
    return value if type(value) is UUID else UUID(str(value))


_AS_STORED: Final = frozenset({str, int, float, bool, dict, list, Any})


def _converter(annotation: Any, fast: bool, copying: bool = False) -> Convert | None:
    """How a stored value of a field with this type becomes the field's value (None: as is).
    ``fast`` converters may raise ``KeyError`` where the careful ones raise a clear error;
    ``copying`` ones give the value containers of its own (see ``decoder_for``)."""
    convert = _plain_converter(annotation, fast, copying)
    if convert is None and copying:
        return copy_of(annotation)
    return convert


def _plain_converter(annotation: Any, fast: bool, copying: bool) -> Convert | None:
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType) and type(None) in arguments:
        (inner,) = [argument for argument in arguments if argument is not type(None)]
        convert = _converter(inner, fast, copying)
        return None if convert is None else optional(convert)
    if origin is tuple:
        item = _converter(arguments[0], fast, copying)
        return tuple if item is None else lambda values: tuple(map(item, values))
    if annotation in _AS_STORED or origin in (dict, list):
        return None
    if annotation is UUID:
        return _uuid
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _enum_member(annotation, fast)
    if attrs.has(annotation):
        return _compiled(annotation, copying)[0] if fast else decoder_for(annotation, copying)
    return None  # datetimes and anything else a record holds as the domain value


def decoder_for(cls: type[T], copying: bool = False) -> Callable[[dict[str, Any]], T]:
    """The function building ``cls`` from a record (or a record's JSON object, for a nested
    class); keys the class does not take by ``__init__`` are left out, missing ones get the
    class's defaults. A ``copying`` decoder gives the object JSON containers of its own, for
    a record whose containers are shared (``StoredRecord``); else the object shares them."""
    decode = _DECODERS.get((cls, copying))
    if decode is None:
        decode = _DECODERS[cls, copying] = _compiled(cls, copying)[1]
    return decode


_DECODERS: dict[tuple[type, bool], Callable[[dict[str, Any]], Any]] = {}


_COMPILED: dict[
    tuple[type, bool], tuple[Callable[[dict[str, Any]], Any], Callable[[dict[str, Any]], Any]]
] = {}


def _compiled(
    cls: type[T], copying: bool = False
) -> tuple[Callable[[dict[str, Any]], T], Callable[[dict[str, Any]], T]]:
    """The class's written-out decoder (fast, may raise ``KeyError``) and the decoder that
    falls back to the careful path on it."""
    compiled = _COMPILED.get((cls, copying))
    if compiled is None:
        compiled = _COMPILED[cls, copying] = _compile(cls, copying)
    return compiled


def _compile(
    cls: type[T], copying: bool
) -> tuple[Callable[[dict[str, Any]], T], Callable[[dict[str, Any]], T]]:
    """The class's written-out decoder (fast, may raise ``KeyError``) and the decoder that
    falls back to the careful path on it.

    For a plain slotted class (no validators, no init hooks) the fast decoder sets each slot
    itself, as attrs' ``__init__`` would, without passing a dozen keyword arguments: that
    call was most of a record's decoding. Any other class gets one ``cls(name=…)`` call."""
    fields = attrs.fields(attrs.resolve_types(cast(Any, cls)))
    plan = [
        (field.name, field.alias, _converter(field.type, False, copying))
        for field in fields
        if field.init
    ]
    namespace: dict[str, Any] = {"cls": cls}
    lines = written_out_slots(
        cls,
        fields,
        [
            _value_source(field, index, namespace, copying, own_converter=True)
            for index, field in enumerate(fields)
        ],
        namespace,
    )
    if lines is not None:
        source = "def decode(record):\n" + "\n".join(lines) + "\n"
    elif all(
        _converter(field.type, True, copying) is None and field.name == field.alias
        for field in fields
        if field.init
    ):
        # Nothing to convert: the record's keys are the arguments (a key the class does not
        # take is a TypeError, and the careful path leaves it out).
        source = "def decode(record):\n    return cls(**record)\n"
    else:
        arguments = [
            f"{field.alias}={_value_source(field, index, namespace, copying, own_converter=False)}"
            for index, field in enumerate(fields)
            if field.init
        ]
        source = f"def decode(record):\n    return cls({', '.join(arguments)})\n"
    exec(compile(source, f"<integration_store decoder for {cls.__qualname__}>", "exec"), namespace)
    whole: Callable[[dict[str, Any]], T] = namespace["decode"]

    def decode(record: dict[str, Any]) -> T:
        try:
            return whole(record)
        except (KeyError, TypeError):
            return cls(
                **{
                    alias: record[name] if convert is None else convert(record[name])
                    for name, alias, convert in plan
                    if name in record
                }
            )

    return whole, decode


def _value_source(
    field: Any, index: int, namespace: dict[str, Any], copying: bool, *, own_converter: bool
) -> str:
    """The expression giving a field's value from ``record`` in a written-out decoder: the
    stored value converted to the field's type, then (``own_converter``: when no ``__init__``
    runs) through the field's own converter; a field ``__init__`` does not take gets its
    default."""
    if not field.init:
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            namespace[f"factory_{index}"] = default.factory
            return f"factory_{index}()"
        namespace[f"default_{index}"] = default
        return f"default_{index}"
    value = f"record[{field.name!r}]"
    convert = _converter(field.type, True, copying)
    if convert is not None:
        namespace[f"convert_{index}"] = convert
        value = f"convert_{index}({value})"
    if own_converter and field.converter is not None:
        namespace[f"own_converter_{index}"] = field.converter
        value = f"own_converter_{index}({value})"
    return value


Evolver = Callable[[T, dict[str, Any]], T]


def evolver_for(
    kept: T, copier: Callable[[T], T], names: tuple[str, ...], copying: bool = True
) -> Evolver[T] | None:
    """The function making, from ``kept`` and a later version of its record in which only the
    fields ``names`` changed (``StoredRecord.previous``), the object that record decodes to:
    the fields ``names`` decoded from the record, the others from ``kept`` — copied as
    ``copier`` (``shaped_copier(kept)``) copies them, or, not ``copying``, shared (an object
    for the core to keep, as ``kept`` is). For the price of a copy instead of a decoding.

    None when a name is not a field ``__init__`` takes, or is one holding containers (its
    copy's shape would be unknown), or the class is not one whose slots a written-out function
    sets."""
    key = (copier, names, copying)
    try:
        return _EVOLVERS[key]
    except KeyError:
        shape = flat_paths(kept)
        evolver = _EVOLVERS[key] = _compile_evolver(type(kept), shape, names, copying)
        return evolver


_EVOLVERS: dict[tuple[Callable[[Any], Any], tuple[str, ...], bool], Evolver[Any] | None] = {}
"""By copier (one per class and shape), changed names in order, and copying: a few per class
in practice, as each update call names the same fields in the same order."""


def _compile_evolver(
    cls: type[T], shape: frozenset[str], names: tuple[str, ...], copying: bool
) -> Evolver[T] | None:
    fields = attrs.fields(attrs.resolve_types(cast(Any, cls)))
    changed = [field for field in fields if field.name in names]
    if len(changed) != len(set(names)) or any(  # a name no field has (``kind``, ``extra``)
        not field.init or copy_of(field.type) is not None for field in changed
    ):
        return None
    namespace: dict[str, Any] = {}
    if copying:
        kept = copy_sources(fields, shape, namespace)
    else:
        kept = [f"original.{field.name}" for field in fields]
    values = [
        _value_source(field, index, namespace, False, own_converter=True)
        if field.name in names
        else value
        for index, (field, value) in enumerate(zip(fields, kept, strict=True))
    ]
    lines = written_out_slots(cls, fields, values, namespace)
    if lines is None:
        return None
    source = "def evolve(original, record):\n" + "\n".join(lines) + "\n"
    exec(compile(source, f"<integration_store evolver for {cls.__qualname__}>", "exec"), namespace)
    evolve: Evolver[T] = namespace["evolve"]
    return evolve

"""The one payload cap: how many bytes of text and JSON one write call may store.

Re-exported by ``integration_store.values``, where the other checks live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Final
from uuid import UUID

import attrs

from integration_store import jsoncodec
from integration_store.errors import ValidationError
from integration_store.model.fields import field_specs
from integration_store.model.schema import FieldKind

MAX_WRITE_BYTES: Final = 8 * 1024 * 1024 - 64 * 1024
"""Most bytes of text and JSON one write call stores (``encoded_size`` of its values): 8 MiB less
64 KiB. MongoDB's 16 MiB document is the tightest store, and a stored record is built by at most
two calls whose parts add up (a response's payload, then its interpretation; a connector's
registration, then its last error; a tenant's worker config, then its brand), so half of it, less
room for field names, numbers and framing. MariaDB's ``max_allowed_packet`` must hold twice this
(its quoting doubles a ``"``-heavy payload in the worst case): checked on connecting."""

_SIZELESS: Final = frozenset({int, float, bool, type(None), datetime, UUID})
_JSON_CONTAINERS: Final = (dict, list, tuple)


def encoded_size(value: object) -> int:
    """Bytes a checked value takes as stored text: a str its UTF-8, a JSON container its compact
    JSON text (``jsoncodec``), an attrs object (a connector's config) the sum of its fields.
    Numbers, booleans, timestamps, ids and the names of an object's fields count 0: they are
    small and bounded, and paid for by the cap's headroom."""
    return _total_size((value,))


def _total_size(items: Iterable[object]) -> int:
    # Called on every write: the common types are told apart by ``type``, inline.
    total = 0
    for value in items:
        if isinstance(value, str):
            total += len(value) if value.isascii() else len(value.encode("utf-8"))
            continue
        kind = type(value)
        if kind in _SIZELESS:
            continue
        if isinstance(value, _JSON_CONTAINERS):
            text = jsoncodec.dumps(value) if value else "[]"
            total += len(text) if text.isascii() else len(text.encode("utf-8"))
            continue
        size = _OBJECT_SIZES.get(kind)
        if size is None:
            if getattr(kind, "__attrs_attrs__", None) is None:
                continue
            size = _OBJECT_SIZES[kind] = _object_size(kind)
        total += size(value)
    return total


_OBJECT_SIZES: dict[type, Callable[[Any], int]] = {}
"""Per attrs class (a connector's config), the size of one of its objects (worked out once)."""


def _object_size(cls: type) -> Callable[[Any], int]:
    """``encoded_size`` of a checked object of ``cls``, written out from its fields' kinds
    (``_written_out``); a class whose fields have no kinds gets the general walk."""
    try:
        kinds = {spec.name: spec.kind for spec in field_specs(cls)}
    except TypeError:
        names = tuple(field.name for field in attrs.fields(cls))
        return lambda value: _total_size(getattr(value, name) for name in names)
    return _written_out(
        cls,
        "value",
        [(f"value.{field.name}", kinds.get(field.name)) for field in attrs.fields(cls)],
    )


def _fields_size(cls: type) -> Callable[[Any], int]:
    """``encoded_size`` summed over a mapping of checked fields of ``cls`` (any may be absent)."""
    size = _FIELDS_SIZES.get(cls)
    if size is None:
        specs = field_specs(cls)
        size = _FIELDS_SIZES[cls] = _written_out(
            cls, "fields", [(f"fields.get({spec.name!r})", spec.kind) for spec in specs]
        )
    return size


_FIELDS_SIZES: dict[type, Callable[[Any], int]] = {}


_TEXT_KINDS: Final = frozenset({FieldKind.IDENTIFIER, FieldKind.TEXT, FieldKind.ENUM})
_NO_TEXT_KINDS: Final = frozenset(
    {FieldKind.INTEGER, FieldKind.FLOAT, FieldKind.BOOLEAN, FieldKind.TIMESTAMP, FieldKind.UUID,
     FieldKind.BYTES}
)  # fmt: skip
"""Kinds whose checked values ``encoded_size`` counts 0 (numbers, timestamps, ids, bytes)."""


def _written_out(
    cls: type, argument: str, reads: list[tuple[str, FieldKind | None]]
) -> Callable[[Any], int]:
    """A function summing ``encoded_size`` of each value read, given its field's kind: text
    (an enum member is text too) measured inline, JSON containers by their text, an object
    already sized once (a connector's config) by its own function, kinds without text skipped,
    anything else (a kind-less field, None) by the general walk — the walk's result for checked
    values, without its dispatch per value."""
    lines = [f"def size({argument}):", "    t = 0"]
    for read, kind in reads:
        if kind in _NO_TEXT_KINDS:
            continue
        lines.append(f"    x = {read}")
        if kind in _TEXT_KINDS:
            lines.append("    if isinstance(x, str):")
            lines.append("        t += len(x) if x.isascii() else len(x.encode('utf-8'))")
            lines.append("    elif x is not None:")
            lines.append("        t += total((x,))")
        elif kind is FieldKind.JSON:
            lines.append("    if type(x) is dict or type(x) is list:")
            lines.append("        s = dumps(x) if x else '[]'")
            lines.append("        t += len(s) if s.isascii() else len(s.encode('utf-8'))")
            lines.append("    elif (o := objects.get(type(x))) is not None:")
            lines.append("        t += o(x)")
            lines.append("    elif x is not None:")
            lines.append("        t += total((x,))")
        else:
            lines.append("    t += total((x,))")
    lines.append("    return t")
    namespace: dict[str, Any] = {
        "dumps": jsoncodec.dumps,
        "total": _total_size,
        "objects": _OBJECT_SIZES,
    }
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<integration_store sizes of {cls.__qualname__}>", "exec"), namespace)
    size: Callable[[Any], int] = namespace["size"]
    return size


def check_write_size(
    fields: Mapping[str, object], prefix: str = "", of: type | None = None
) -> None:
    """``ValidationError`` naming the largest of the checked fields one call writes when together
    they take more than ``MAX_WRITE_BYTES`` (``encoded_size``), so no backend is ever asked to
    store more than every backend can. ``of``: the attrs class the fields are checked fields
    of (their kinds then spare the size of each its dispatch)."""
    total = _total_size(fields.values()) if of is None else _fields_size(of)(fields)
    if total > MAX_WRITE_BYTES:
        sizes = {name: encoded_size(value) for name, value in fields.items()}
        largest = max(sizes, key=sizes.__getitem__)
        raise ValidationError(
            prefix + largest,
            f"the call would store {total:,} bytes of text and JSON; "
            f"at most {MAX_WRITE_BYTES:,} are stored by one call",
        )

"""The one payload cap: how many bytes of text and JSON one write call may store.

Re-exported by ``integration_store.values``, where the other checks live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from operator import attrgetter
from typing import Any, Final
from uuid import UUID

from integration_store import jsoncodec
from integration_store.errors import ValidationError

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
        fields = _FIELDS.get(kind)
        if fields is None:
            attributes = getattr(kind, "__attrs_attrs__", None)
            if attributes is None:
                continue
            fields = _FIELDS[kind] = _getter(tuple(field.name for field in attributes))
        total += _total_size(fields(value))
    return total


_FIELDS: dict[type, Callable[[object], tuple[Any, ...]]] = {}
"""Per attrs class, one getter of all its fields' values (worked out once)."""


def _getter(names: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    if len(names) > 1:
        return attrgetter(*names)  # C-level, one call for every field
    return lambda value: tuple(getattr(value, name) for name in names)


def check_write_size(fields: Mapping[str, object], prefix: str = "") -> None:
    """``ValidationError`` naming the largest of the checked fields one call writes when together
    they take more than ``MAX_WRITE_BYTES`` (``encoded_size``), so no backend is ever asked to
    store more than every backend can."""
    total = _total_size(fields.values())
    if total > MAX_WRITE_BYTES:
        sizes = {name: encoded_size(value) for name, value in fields.items()}
        largest = max(sizes, key=sizes.__getitem__)
        raise ValidationError(
            prefix + largest,
            f"the call would store {total:,} bytes of text and JSON; "
            f"at most {MAX_WRITE_BYTES:,} are stored by one call",
        )

"""Checks and normalisation for every value that reaches storage (DESIGN: "Values every backend
must keep exactly"). Each check returns the normalised value or raises ``ValidationError`` naming
the field or JSON path, so services validate everything before they write anything.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from integration_store.errors import ValidationError
from integration_store.json_checks import INT64_MAX as INT64_MAX
from integration_store.json_checks import INT64_MIN as INT64_MIN
from integration_store.json_checks import MAX_JSON_DEPTH as MAX_JSON_DEPTH
from integration_store.json_checks import json_array as json_array
from integration_store.json_checks import json_object as json_object
from integration_store.json_checks import json_payload as json_payload
from integration_store.json_checks import json_value as json_value
from integration_store.json_checks import plain_str as _plain_str
from integration_store.model.schema import FieldKind
from integration_store.quoting import MAX_QUOTED_CHARACTERS as MAX_QUOTED_CHARACTERS
from integration_store.quoting import quoted as quoted
from integration_store.write_size import MAX_WRITE_BYTES as MAX_WRITE_BYTES
from integration_store.write_size import check_write_size as check_write_size
from integration_store.write_size import encoded_size as encoded_size

MAX_IDENTIFIER_LENGTH = 255
MAX_LIMIT = 10_000
MAX_BATCH = 10_000
"""Most items one bulk write takes: one statement of that many rows still fits every backend's
limits (SQL bind parameters are sent per row by executemany; a Mongo batch is split by the
driver)."""

E = TypeVar("E", bound=Enum)


def _check_characters(value: str, field: str) -> None:
    if "\x00" in value:
        raise ValidationError(field, "must not contain NUL characters")
    if value.isascii():  # O(1): CPython records it; only other text can hold a surrogate
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(field, "must not contain lone surrogates") from None


def text(value: object, field: str) -> str:
    """Free text: any length, but no NUL and no lone surrogate."""
    if type(value) is str and value.isascii() and "\x00" not in value:
        return value  # most text checked: plain ASCII, taken as it is
    if not isinstance(value, str):
        raise ValidationError(field, f"must be a str, not {type(value).__name__}")
    _check_characters(value, field)
    return _plain_str(value)


def optional_text(value: object, field: str) -> str | None:
    """``text`` or None."""
    return None if value is None else text(value, field)


def identifier(value: object, field: str) -> str:
    """An identifier: non-empty text of at most 255 characters."""
    if (
        type(value) is str
        and 0 < len(value) <= MAX_IDENTIFIER_LENGTH
        and value.isascii()
        and "\x00" not in value
    ):
        return value  # most ids and names: short plain ASCII, taken as they are
    result = text(value, field)
    if not result:
        raise ValidationError(field, "must not be empty")
    if len(result) > MAX_IDENTIFIER_LENGTH:
        raise ValidationError(field, f"must be at most {MAX_IDENTIFIER_LENGTH} characters")
    return result


def optional_identifier(value: object, field: str) -> str | None:
    """``identifier`` or None."""
    return None if value is None else identifier(value, field)


def integer(value: object, field: str) -> int:
    """An int (never a bool) in the signed 64-bit range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, f"must be an int, not {type(value).__name__}")
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValidationError(field, "must fit in a signed 64-bit integer")
    return int(value)


COUNTER_MAX = 2**62
"""Largest counter a connector may be registered with: leaves 2**62 increments before the signed
64-bit limit, so an atomic ``+ 1`` in the database can never overflow (backends would disagree)."""


def counter(value: object, field: str) -> int:
    """A counter: an int in 0..2**62."""
    result = integer(value, field)
    if not 0 <= result <= COUNTER_MAX:
        raise ValidationError(field, "must be between 0 and 2**62")
    return result


def optional_integer(value: object, field: str) -> int | None:
    """``integer`` or None."""
    return None if value is None else integer(value, field)


def floating(value: object, field: str) -> float:
    """A finite float; an int (never a bool) is taken as the float it equals."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, f"must be a float, not {type(value).__name__}")
    try:
        result = float(value)
    except OverflowError:
        raise ValidationError(field, "is too large for a float") from None
    if not math.isfinite(result):
        raise ValidationError(field, f"must be finite, not {quoted(result)}")
    return result


def boolean(value: object, field: str) -> bool:
    """A real bool (1 and 0 are not accepted)."""
    if not isinstance(value, bool):
        raise ValidationError(field, f"must be a bool, not {type(value).__name__}")
    return value


_ENUM_VALUE_TYPES: dict[type[Enum], tuple[type, ...]] = {}


def enum_member(value: object, enum_type: type[E], field: str) -> E:
    """An enum member, given as the member or its value."""
    if isinstance(value, enum_type):
        return value
    # Only a value of a member value's type is looked up: hashing anything else (a list nested
    # a thousand deep, say) could itself fail.
    value_types = _ENUM_VALUE_TYPES.get(enum_type)
    if value_types is None:
        value_types = _ENUM_VALUE_TYPES[enum_type] = tuple(
            {type(member.value) for member in enum_type}
        )
    if isinstance(value, value_types):
        try:
            return enum_type(value)
        except (ValueError, TypeError):
            pass
    allowed = ", ".join(repr(member.value) for member in enum_type)
    raise ValidationError(field, f"must be one of {allowed}, not {quoted(value)}")


def uuid_value(value: object, field: str) -> UUID:
    """A ``uuid.UUID`` (a subclass is stored, and comes back, as a plain UUID)."""
    if not isinstance(value, UUID):
        raise ValidationError(field, f"must be a uuid.UUID, not {type(value).__name__}")
    return value if type(value) is UUID else UUID(int=value.int)


def timestamp(value: object, field: str) -> datetime:
    """A timezone-aware datetime, converted to UTC and truncated to milliseconds."""
    if type(value) is datetime and value.tzinfo is UTC and not value.fold:  # the clock's own
        micros = value.microsecond
        return value.replace(microsecond=micros - micros % 1000) if micros % 1000 else value
    if not isinstance(value, datetime):
        raise ValidationError(field, f"must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, "must be timezone-aware")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(field, "is out of range once converted to UTC") from None
    return datetime(
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond // 1000 * 1000,
        tzinfo=UTC,
    )


def optional_timestamp(value: object, field: str) -> datetime | None:
    """``timestamp`` or None."""
    return None if value is None else timestamp(value, field)


def page(limit: object, offset: object) -> tuple[int, int]:
    """``limit`` in 1..10,000 and ``offset`` ≥ 0."""
    checked_limit = integer(limit, "limit")
    if not 1 <= checked_limit <= MAX_LIMIT:
        raise ValidationError("limit", f"must be between 1 and {MAX_LIMIT}")
    checked_offset = integer(offset, "offset")
    if checked_offset < 0:
        raise ValidationError("offset", "must not be negative")
    return checked_limit, checked_offset


def batch(items: object, field: str) -> list[Any]:
    """The items of a bulk write as a list: an iterable (not a str, bytes or mapping) of at most
    ``MAX_BATCH`` items. Read once, so a generator is fine."""
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable):
        raise ValidationError(field, f"must be an iterable of items, not {type(items).__name__}")
    result = list(itertools.islice(items, MAX_BATCH + 1))
    if len(result) > MAX_BATCH:
        raise ValidationError(field, f"must hold at most {MAX_BATCH} items")
    return result


def binary(value: object, field: str) -> bytes:
    """Bytes, kept byte for byte (``bytearray`` and ``memoryview`` are copied to ``bytes``)."""
    if not isinstance(value, bytes | bytearray | memoryview):
        raise ValidationError(field, f"must be bytes, not {type(value).__name__}")
    return bytes(value)


Checker = Callable[[Any, str], Any]
"""A check: ``(value, field name) -> normalised value``, or ``ValidationError``."""

_CHECKERS: dict[FieldKind, Checker] = {
    FieldKind.IDENTIFIER: identifier,
    FieldKind.TEXT: text,
    FieldKind.JSON: json_value,
    FieldKind.TIMESTAMP: timestamp,
    FieldKind.UUID: uuid_value,
    FieldKind.INTEGER: integer,
    FieldKind.FLOAT: floating,
    FieldKind.BOOLEAN: boolean,
    FieldKind.BYTES: binary,
}


def checker_for(kind: FieldKind, nullable: bool = False, of: type | None = None) -> Checker:
    """The check for a field of this kind: the one place a declared kind becomes a check.

    ``of`` narrows a kind: the enum class of an ``ENUM`` field, ``dict`` or ``list`` for a ``JSON``
    field that must be an object or an array at top level.
    """
    check: Checker
    if kind is FieldKind.ENUM:
        if not (isinstance(of, type) and issubclass(of, Enum)):
            raise TypeError(f"an ENUM field needs its enum class, not {of!r}")
        enum_type = of
        check = lambda value, field: enum_member(value, enum_type, field)  # noqa: E731
    elif kind is FieldKind.JSON and of is dict:
        check = json_object
    elif kind is FieldKind.JSON and of is list:
        check = json_array
    else:
        check = _CHECKERS[kind]
    if not nullable:
        return check
    strict = check
    return lambda value, field: None if value is None else strict(value, field)

"""The checks of JSON values (re-exported by ``integration_store.values``): a normalised deep copy
of a value every backend keeps exactly, or ``ValidationError`` naming the offending JSON path.
Plain JSON is copied by the encoders and decoders (``jsoncodec``); only what they cannot vouch
for is walked in Python, and the walk decides every refusal.
"""

from __future__ import annotations

import json
import math
from typing import Any, Final

from integration_store import jsoncodec
from integration_store.errors import ValidationError
from integration_store.quoting import quoted

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
MAX_JSON_DEPTH: Final = 100
"""Deepest nesting of dicts/lists accepted in a JSON payload (deeper would exhaust the stack)."""


def plain_str(value: str) -> str:
    """A str subclass (a str-valued Enum, say) as the plain text it is stored as."""
    return "" + value


def json_value(value: object, path: str) -> Any:
    """A normalised deep copy of a JSON value; tuples become lists. Rejects anything inexact.

    Most payloads are plain JSON already: the C-accelerated encoder and decoder copy those in a
    fraction of the time a walk in Python takes, and only a value they cannot vouch for (see
    ``_plain_json_copy``) is walked — the walk decides every refusal and names its path.
    """
    if type(value) is dict:
        if not value:
            return {}  # the most common value of a JSON field, so checked first
        copy = _flat_json_copy(value)
        if copy is not None:
            jsoncodec.remember_text(copy, jsoncodec.encode_fresh(copy))
            return copy
    try:
        return _plain_json_copy(value)
    except _NotPlainJson:
        return _walked_json(value, path, 0)


def _flat_json_copy(value: dict[Any, Any]) -> dict[str, Any] | None:
    """A copy of a small object of plain scalars or lists of ASCII text (credentials, options,
    tags), made without decoding its text; None for anything else, which takes the decoder."""
    if len(value) > 8:
        return None  # a bigger object is copied faster by decoding its text
    copy = {}
    for key, item in value.items():
        kind = type(item)
        if kind is list:
            # Tags are text; a list of objects (an API payload's) gives up at its first item.
            if item and type(item[0]) is not str:
                return None
            if not all(type(part) is str and part.isascii() for part in item):
                return None
            item = list(item)
        elif not (
            (kind is str and item.isascii())
            or (kind is int and INT64_MIN <= item <= INT64_MAX)
            or (kind is float and math.isfinite(item))
            or (item is None or kind is bool)
        ):
            return None
        if type(key) is not str or not key.isascii():
            return None
        copy[key] = item
    return copy


class _NotPlainJson(Exception):
    """The fast copy cannot vouch for a value; the walk decides."""


def _int64(text: str) -> int:
    number = int(text)
    if not INT64_MIN <= number <= INT64_MAX:
        raise _NotPlainJson
    return number


_plain_encode: Final = jsoncodec.json_text
_plain_scan: Final = json.JSONDecoder(parse_int=_int64).scan_once  # type: ignore[attr-defined]


def _plain_json_copy(value: object) -> Any:
    """A detached copy of ``value`` when it is plain JSON that the walk would accept unchanged,
    made by encoding and decoding it; else ``_NotPlainJson``.

    The encoder refuses what JSON cannot hold (other types, NaN and infinities, cycles); the
    bracket count bounds the nesting depth (brackets inside strings count too, so it errs
    towards the walk); UTF-8 encoding finds lone surrogates; the decoder checks every integer's
    range; and the copy must equal the value, which fails for non-text keys (the encoder turns
    ``1`` into ``"1"``), tuples (the walk makes them lists) and NaN (orjson writes ``null``).
    orjson (``jsoncodec.fast_text``) goes first: it refuses lone surrogates and writes no int
    beyond ±2**53; what it cannot write takes ``json``.
    """
    text = jsoncodec.fast_text(value)
    if text is None:
        text, copy = _json_copy(value)
    elif text.count("{") + text.count("[") > MAX_JSON_DEPTH:
        raise _NotPlainJson
    else:
        copy = jsoncodec.loads(text)
    if copy != value:
        raise _NotPlainJson
    jsoncodec.remember_text(copy, text)
    return copy


def _json_copy(value: object) -> tuple[str, Any]:
    """``_plain_json_copy`` by ``json`` alone: the text and its decoded copy."""
    try:
        text = _plain_encode(value)
    except (TypeError, ValueError, RecursionError):
        raise _NotPlainJson from None
    if text.count("{") + text.count("[") > MAX_JSON_DEPTH:
        raise _NotPlainJson
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _NotPlainJson from None
    copy, _ = _plain_scan(text, 0)
    return text, copy


def _walked_json(value: object, path: str, depth: int) -> Any:
    """The walk behind ``json_value``: every value checked in Python, refusals named by path."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        _check_characters_json(value, path)
        return plain_str(value)
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise ValidationError(path, "integer outside the signed 64-bit range")
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(path, f"float must be finite, not {quoted(value)}")
        return float(value)
    if isinstance(value, dict | list | tuple) and depth >= MAX_JSON_DEPTH:
        raise ValidationError(path, f"nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(path, f"keys must be str, not {type(key).__name__}")
            at = f"{path}[{quoted(key)}]"
            _check_characters_json(key, at)
            result[plain_str(key)] = _walked_json(item, at, depth + 1)
        return result
    if isinstance(value, list | tuple):
        return [
            _walked_json(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(value)
        ]
    raise ValidationError(path, f"{type(value).__name__} is not a JSON value")


def _check_characters_json(value: str, path: str) -> None:
    # JSON strings may hold NUL; only lone surrogates cannot be stored anywhere.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(path, "must not contain lone surrogates") from None


def json_object(value: object, field: str) -> dict[str, Any]:
    """A JSON value that must be a dict at top level."""
    if not isinstance(value, dict):
        raise ValidationError(field, f"must be a dict, not {type(value).__name__}")
    result: dict[str, Any] = json_value(value, field)
    return result


def json_payload(value: object, field: str) -> dict[str, Any]:
    """``json_object`` of a payload received from outside (an API's response): nested as a
    rule, so it goes to the encoder's copy at once instead of first trying the flat copy that
    suits configs (the same copies and refusals: the flat copy only ever shortcuts). A small
    flat payload (a webhook's) pays the encoder's copy instead, about a microsecond."""
    if type(value) is not dict:
        return json_object(value, field)
    if not value:
        return {}
    try:
        copy: dict[str, Any] = _plain_json_copy(value)
    except _NotPlainJson:
        copy = _walked_json(value, field, 0)
    return copy


def json_array(value: object, field: str) -> list[Any]:
    """A JSON value that must be a list (or tuple) at top level."""
    if not isinstance(value, list | tuple):
        raise ValidationError(field, f"must be a list, not {type(value).__name__}")
    result: list[Any] = json_value(value, field)
    return result

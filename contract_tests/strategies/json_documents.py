"""JSON strategies: scalars at the bounds (``-0.0``, subnormals, 64-bit ints, NUL strings),
keys Mongo and path syntaxes treat specially, deep nesting, and objects with one bad part."""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from integration_store.values import INT64_MAX, INT64_MIN

from .text import long_texts, text_characters

TRICKY_KEYS = ["", "a.b", ".", "$x", "$", "$set", "a$b", "ключ", "𝄞", "key ", " ", "_id", "\x00k"]
"""JSON keys Mongo, JSON columns and path syntaxes treat specially."""

SMALLEST_SUBNORMAL = 5e-324
LARGEST_FLOAT = sys.float_info.max

TRICKY_FLOATS = [
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.1,
    1e308,
    -1e308,
    LARGEST_FLOAT,
    SMALLEST_SUBNORMAL,
    -SMALLEST_SUBNORMAL,
    2.2250738585072014e-308,  # smallest normal
    2.225073858507201e-308,  # largest subnormal
    1e-7,
    1e16,
    123456789012345678.0,
    9007199254740993.0,  # rounds to 2**53 as a double
    float(2**63),
    -float(2**63),
    1.7976931348623157e308,
    3.141592653589793,
]
TRICKY_INTS = [
    0,
    1,
    -1,
    INT64_MAX,
    INT64_MIN,
    INT64_MAX - 1,
    INT64_MIN + 1,
    2**53,
    2**53 + 1,
    -(2**53) - 1,
    2**31,
    -(2**31) - 1,
    2**32,
]
TRICKY_STRINGS = [
    "",
    "\x00",
    "a\x00b",
    "1",
    "1.0",
    "true",
    "null",
    "{}",
    "[]",
    "𝄞",
    "\\u0000",
    "\ud83d\ude00".encode("utf-16", "surrogatepass").decode("utf-16"),  # a valid pair: 😀
]


def json_scalars() -> st.SearchStrategy[Any]:
    """JSON leaves with the corners weighted in: bounds, ``-0.0``, subnormals, NUL strings."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(TRICKY_INTS),
        st.integers(min_value=INT64_MIN, max_value=INT64_MAX),
        st.sampled_from(TRICKY_FLOATS),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(TRICKY_STRINGS),
        long_texts,
        st.text(st.one_of(st.just("\x00"), text_characters), max_size=12),
    )


def json_keys() -> st.SearchStrategy[str]:
    """Dict keys: the tricky ones often, any valid text otherwise."""
    return st.one_of(st.sampled_from(TRICKY_KEYS), st.text(text_characters, max_size=8))


def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any valid JSON value, nested, with empty containers and tuples (which come back lists)."""
    return st.recursive(
        json_scalars(),
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.lists(children, max_size=3).map(tuple),
            st.dictionaries(json_keys(), children, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def deeply_nested(depth: int) -> Any:
    """A value nested ``depth`` levels, alternating dicts and lists, with an empty leaf."""
    value: Any = {}
    for level in range(depth):
        value = {"$d.": value} if level % 2 else [value, []]
    return value


def json_objects(max_leaves: int = 12) -> st.SearchStrategy[dict[str, Any]]:
    """Valid JSON objects (the top level of every JSON field is a dict)."""
    return st.one_of(
        st.dictionaries(json_keys(), json_values(max_leaves), max_size=5),
        st.integers(min_value=1, max_value=60).map(lambda depth: {"deep": deeply_nested(depth)}),
        st.just({}),
    )


INVALID_JSON_LEAVES: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    2**64,
    2**63,
    -(2**63) - 1,
    "\ud800",
    "x\udfffy",
    b"bytes",
    bytearray(b"x"),
    {1, 2},
    frozenset(),
    object(),
    complex(1, 2),
    datetime(2026, 1, 1, tzinfo=UTC),
    deeply_nested(1_000),
]
"""Values that must never be accepted anywhere inside a JSON field (the last nests too deep)."""

INVALID_KEYS: list[Any] = [1, 1.5, None, True, (1, 2), "\ud800", b"k"]
"""Dict keys that must never be accepted inside a JSON field."""


def invalid_json_objects() -> st.SearchStrategy[Any]:
    """A value for a JSON-object field with exactly one bad part, buried at a random depth."""

    def bury(bad: tuple[str, Any], valid: dict[str, Any], path: list[str]) -> dict[str, Any]:
        kind, value = bad
        inner: Any = {value: "x"} if kind == "key" else value
        for step in reversed(path):
            inner = [inner] if step == "[]" else {step: inner}
        result = dict(valid)
        if isinstance(inner, dict):
            result.update(inner)
        else:
            result["l"] = inner
        return result

    bad = st.one_of(
        st.tuples(st.just("leaf"), st.sampled_from(INVALID_JSON_LEAVES)),
        st.tuples(st.just("key"), st.sampled_from(INVALID_KEYS)),
    )
    not_a_dict = st.sampled_from([[], [1], "x", 1, None, ("a",)])
    return st.one_of(
        st.builds(
            bury,
            bad,
            st.dictionaries(json_keys(), json_scalars(), max_size=3),
            st.lists(st.one_of(json_keys(), st.just("[]")), min_size=1, max_size=4),
        ),
        not_a_dict,
    )

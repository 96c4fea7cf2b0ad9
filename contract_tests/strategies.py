"""Hypothesis strategies for the values every backend must keep exactly, and for the ones every
backend must refuse.

Valid strategies lean on the corners backends get wrong (DESIGN, "Values every backend must keep
exactly"): JSON keys with ``.``/``$``/empty/non-ASCII text, ``"\\x00"`` in strings, ints at the
signed 64-bit bounds, ``-0.0``, subnormals and ``1e308``, deep nesting and empty containers,
identifiers at the 255-character limit and across the UTF-16 surrogate boundary, timestamps at
millisecond edges and in other time zones. Invalid strategies give one value that must make a
call raise ``ValidationError`` with nothing written.
"""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from integration_store import ConnectorCapability, ConnectorConfig, ConnectorStatus, ConnectorType
from integration_store.values import INT64_MAX, INT64_MIN, MAX_IDENTIFIER_LENGTH, MAX_LIMIT

# ---- text -------------------------------------------------------------------------------------

TRICKY_CHARACTERS = [
    "a",
    "A",
    "z",
    " ",
    ".",
    "$",
    "'",
    '"',
    "\\",
    "%",
    "_",
    "\t",
    "\n",
    "é",
    "\u0301",  # combining accent: "e" + it is not "é"
    "ß",
    "\u0131",  # dotless i: upper-cases to "I"
    "☃",
    "\u00a0",
    "\ud7ff",  # last code point before the surrogates
    "\ue000",  # first after them: sorts above U+10000 in UTF-16, below it by code point
    "\uffff",
    "\U00010000",
    "𝄞",
    "😀",
    "\U0010ffff",
    "\r",
    "\x7f",
    "\x1b",
    "\u2028",
    "\ufeff",  # byte order mark
    "\u200b",  # zero-width space
]
"""Characters where collations, encodings and UTF-16 order disagree with code-point order."""

_plain_characters = st.characters(
    codec="utf-8", exclude_characters="\x00", exclude_categories=["Cs"]
)
_characters = st.one_of(st.sampled_from(TRICKY_CHARACTERS), _plain_characters)

POOL_NAMES = ["Docs", "docs", "docs ", " docs", "DOCS", "Dócs", "a", "b", "ß", "ss", "𝄞", "\ue000"]
"""Names that collide often and sort differently under case-, accent- or space-insensitive rules."""


LONG_TEXTS = [("x", 70_000), ("𝄞", 17_000), ("é", 33_000)]
"""Free text beyond 64 KiB (MariaDB ``TEXT``) or 65,535 characters, as (character, count):
no length cap applies. (Built on demand: a literal would bloat every strategy's repr.)"""

long_texts = st.sampled_from(LONG_TEXTS).map(lambda spec: spec[0] * spec[1] + "end")


def free_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text without NUL or lone surrogates; now and then longer than 64 KiB (no cap applies)."""
    short = st.text(_characters, max_size=max_size)
    return st.integers(min_value=0, max_value=15).flatmap(
        lambda roll: long_texts if roll == 0 else short
    )


def identifiers() -> st.SearchStrategy[str]:
    """Valid identifiers: a small colliding pool, random text, and 255 characters exactly."""
    return st.one_of(
        st.sampled_from(POOL_NAMES),
        st.text(_characters, min_size=1, max_size=12),
        st.builds(
            lambda head, fill: (head + fill * MAX_IDENTIFIER_LENGTH)[:MAX_IDENTIFIER_LENGTH],
            st.text(_characters, max_size=3),
            st.sampled_from(["x", "é", "𝄞"]),
        ),
    )


INVALID_IDENTIFIERS: list[Any] = [
    "",
    "x" * (MAX_IDENTIFIER_LENGTH + 1),
    "𝄞" * (MAX_IDENTIFIER_LENGTH + 1),
    "a\x00b",
    "\x00",
    "a\ud800",
    "\udfff",
    7,
    b"id",
    1.5,
    ["id"],
]
"""Identifier values every backend must refuse (the 256th character, NUL, a lone surrogate,
non-str)."""


def invalid_identifiers() -> st.SearchStrategy[Any]:
    """One identifier value that must raise ``ValidationError``."""
    return st.sampled_from(INVALID_IDENTIFIERS)


INVALID_TEXT: list[Any] = ["a\x00", "\ud800x", 3, b"text"]
"""Free-text values every backend must refuse."""

# ---- JSON -------------------------------------------------------------------------------------

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
        st.text(st.one_of(st.just("\x00"), _characters), max_size=12),
    )


def json_keys() -> st.SearchStrategy[str]:
    """Dict keys: the tricky ones often, any valid text otherwise."""
    return st.one_of(st.sampled_from(TRICKY_KEYS), st.text(_characters, max_size=8))


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
]
"""Values that must never be accepted anywhere inside a JSON field."""

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


# ---- time -------------------------------------------------------------------------------------

MILLISECOND_EDGES = [
    timedelta(0),
    timedelta(microseconds=1),
    timedelta(microseconds=999),
    timedelta(milliseconds=1),
    timedelta(microseconds=1001),
    timedelta(microseconds=999_999),
    timedelta(seconds=1),
    timedelta(days=1, microseconds=-1),
]


def clock_advances() -> st.SearchStrategy[timedelta]:
    """How far to move the clocks: millisecond edges often, anything up to a year otherwise.

    Zero matters too: equal ``received_at`` makes the pending queue fall back to the id order.
    """
    return st.one_of(
        st.sampled_from(MILLISECOND_EDGES),
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=366)),
    )


ZONES = [
    UTC,
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=14)),
    timezone(timedelta(minutes=-1)),
]


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Aware datetimes for ``now=``: sub-millisecond edges, foreign offsets, old and far dates."""
    edges = st.builds(
        lambda base, micro, zone: base.replace(microsecond=micro, tzinfo=zone),
        st.sampled_from(
            [
                datetime(2026, 1, 2, 3, 4, 5),
                datetime(1970, 1, 1),
                datetime(1969, 12, 31, 23, 59, 59),
                datetime(2038, 1, 19, 3, 14, 7),
                datetime(2000, 2, 29, 23, 59, 59),
            ]
        ),
        st.sampled_from([0, 1, 999, 1000, 999_000, 999_999, 500_500]),
        st.sampled_from(ZONES),
    )
    wide = st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(ZONES),
    )
    return st.one_of(edges, wide)


ID_STARTS = [1, 2**63 - 2, 2**64 - 2, 2**127 - 2, 2**128 - 2**20]
"""Where ``SequentialIds`` start: ids crossing the 64-bit halves and the sign bit of a 128-bit
integer catch backends that order UUIDs by anything but ``UUID.int`` (the last start leaves
room for 2**20 ids below 2**128)."""

# ---- paging and enums -------------------------------------------------------------------------


def limits() -> st.SearchStrategy[int]:
    """Valid page sizes, small ones often."""
    return st.one_of(st.integers(min_value=1, max_value=5), st.sampled_from([100, MAX_LIMIT]))


def offsets() -> st.SearchStrategy[int]:
    """Valid offsets, including far past the end."""
    return st.one_of(st.integers(min_value=0, max_value=6), st.just(10**6))


INVALID_LIMITS: list[Any] = [0, -1, MAX_LIMIT + 1, 2**64, True, 1.0, "5", None]
INVALID_OFFSETS: list[Any] = [-1, -(2**63) - 1, 2**64, False, 0.0, "0", None]

connector_types = st.sampled_from(list(ConnectorType))
connector_statuses = st.sampled_from(list(ConnectorStatus))
optional_connector_types = st.one_of(
    st.none(), connector_types, connector_types.map(lambda member: member.value)
)
optional_connector_statuses = st.one_of(
    st.none(), connector_statuses, connector_statuses.map(lambda member: member.value)
)
INVALID_ENUM_VALUES: list[Any] = ["VECTOR", "nope", "", 1, b"vector"]

WORKER_STATUSES = ["available", "deprecated", "maintenance", "Available", "available "]
"""Worker statuses are free text; these collide with, and differ from, the special ones."""

# ---- connector configs ------------------------------------------------------------------------

small_ints = st.one_of(st.sampled_from(TRICKY_INTS), st.integers(min_value=-5, max_value=100))


def connector_configs() -> st.SearchStrategy[ConnectorConfig | None]:
    """Connector configs with tricky JSON in ``credentials`` and ``options`` (or None)."""
    return st.one_of(
        st.none(),
        st.builds(
            ConnectorConfig,
            endpoint=st.one_of(st.none(), free_text()),
            timeout_seconds=small_ints,
            max_retries=small_ints,
            retry_delay_seconds=small_ints,
            auth_type=st.one_of(st.none(), free_text(10)),
            credentials=json_objects(6),
            rate_limit_enabled=st.booleans(),
            rate_limit_requests=small_ints,
            rate_limit_window_seconds=small_ints,
            options=json_objects(8),
        ),
    )


def invalid_connector_configs() -> st.SearchStrategy[Any]:
    """Configs with exactly one bad field."""
    return st.one_of(
        st.builds(lambda bad: ConnectorConfig(credentials=bad), invalid_json_objects()),
        st.builds(lambda bad: ConnectorConfig(options=bad), invalid_json_objects()),
        st.sampled_from(
            [
                ConnectorConfig(timeout_seconds=2**63),
                ConnectorConfig(max_retries=1.5),  # type: ignore[arg-type]
                ConnectorConfig(rate_limit_enabled=1),  # type: ignore[arg-type]
                ConnectorConfig(endpoint="a\x00"),
                ConnectorConfig(auth_type="\ud800"),
                {"endpoint": "not a ConnectorConfig"},
            ]
        ),
    )


capability_lists = st.lists(st.sampled_from(list(ConnectorCapability)), max_size=4)

__all__ = [
    "ID_STARTS",
    "INVALID_ENUM_VALUES",
    "INVALID_IDENTIFIERS",
    "INVALID_JSON_LEAVES",
    "INVALID_KEYS",
    "INVALID_LIMITS",
    "INVALID_OFFSETS",
    "INVALID_TEXT",
    "LONG_TEXTS",
    "MILLISECOND_EDGES",
    "POOL_NAMES",
    "TRICKY_CHARACTERS",
    "TRICKY_FLOATS",
    "TRICKY_INTS",
    "TRICKY_KEYS",
    "WORKER_STATUSES",
    "aware_datetimes",
    "capability_lists",
    "clock_advances",
    "connector_configs",
    "connector_statuses",
    "connector_types",
    "deeply_nested",
    "free_text",
    "identifiers",
    "invalid_connector_configs",
    "invalid_identifiers",
    "invalid_json_objects",
    "json_keys",
    "json_objects",
    "json_scalars",
    "json_values",
    "limits",
    "offsets",
    "optional_connector_statuses",
    "optional_connector_types",
]

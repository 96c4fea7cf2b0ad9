"""The value checks of ``integration_store.values`` on their own."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integration_store import ValidationError, json_checks, jsoncodec, values

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@given(JSON)
def test_json_codec_round_trips_every_checked_value_with_types(value: object) -> None:
    checked = values.json_value(value, "v")

    decoded = jsoncodec.loads(jsoncodec.dumps(checked))

    assert repr(decoded) == repr(checked)


@given(JSON)
def test_json_codec_writes_text_the_standard_decoder_reads_back_exactly(value: object) -> None:
    standard = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))

    # orjson may write a float otherwise ("0.00001" for "1e-05"), never another value.
    assert repr(json.loads(jsoncodec.dumps(value))) == repr(json.loads(standard))
    assert repr(jsoncodec.loads(standard)) == repr(json.loads(standard))


@pytest.mark.parametrize("text", [' {"a": 1}', '{"a": 1} ', "[1]\n"])
def test_json_codec_reads_text_with_surrounding_whitespace(text: str) -> None:
    assert jsoncodec.loads(text) == json.loads(text)


@pytest.mark.parametrize("text", ['{"a": 1} x', "[1]]", "", "{"])
def test_json_codec_refuses_what_the_standard_decoder_refuses(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    with pytest.raises(json.JSONDecodeError):
        jsoncodec.loads(text)


def test_json_value_copies_and_turns_tuples_into_lists() -> None:
    original = {"a": [1, (2, 3)]}

    checked = values.json_value(original, "v")

    assert checked == {"a": [1, [2, 3]]}
    assert checked["a"] is not original["a"]


def test_str_enum_values_become_plain_str() -> None:
    class Colour(str, Enum):
        RED = "red"

    checked = values.json_value({"c": Colour.RED}, "v")

    assert type(checked["c"]) is str and checked["c"] == "red"


def test_bool_is_not_an_integer() -> None:
    with pytest.raises(ValidationError):
        values.integer(True, "n")


def test_timestamp_truncates_to_milliseconds_in_utc() -> None:
    local = datetime(2026, 1, 1, 1, 0, 0, 999999, tzinfo=timezone(timedelta(hours=1)))

    assert values.timestamp(local, "t") == datetime(2026, 1, 1, 0, 0, 0, 999000, tzinfo=UTC)


def test_identifier_length_is_counted_in_characters() -> None:
    assert values.identifier("𝄞" * 255, "id") == "𝄞" * 255
    with pytest.raises(ValidationError) as raised:
        values.identifier("𝄞" * 256, "id")
    assert raised.value.field == "id"


def test_json_strings_may_hold_nul_but_identifiers_may_not() -> None:
    assert values.json_value("a\x00", "v") == "a\x00"
    with pytest.raises(ValidationError):
        values.identifier("a\x00", "id")


def test_page_bounds() -> None:
    assert values.page(1, 0) == (1, 0)
    assert values.page(10_000, 5) == (10_000, 5)
    with pytest.raises(ValidationError):
        values.page(10_001, 0)


def test_timestamp_beyond_year_9999_in_utc_is_a_validation_error() -> None:
    late = datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-5)))

    with pytest.raises(ValidationError) as raised:
        values.timestamp(late, "now")

    assert raised.value.field == "now"


class _Colour(str, Enum):
    RED = "red"


_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)  # some beyond the signed 64-bit range
    | st.floats()  # NaN and infinities too
    | st.text()  # lone surrogates and NUL too
    | st.sampled_from([_Colour.RED, 1.5, b"bytes", object()])
)
_ANY_KEYS = st.text() | st.integers(0, 3) | st.booleans() | st.none() | st.just(_Colour.RED)
_ANYTHING = st.recursive(
    _LEAVES,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(_ANY_KEYS, children, max_size=4)
    ),
    max_leaves=25,
)


def _walk_outcome(value: object) -> object:
    try:
        return ("ok", repr(json_checks._walked_json(value, "v", 0)))
    except ValidationError as error:
        return ("refused", str(error))


def _fast_outcome(value: object) -> object:
    try:
        return ("ok", repr(values.json_value(value, "v")))
    except ValidationError as error:
        return ("refused", str(error))


@given(_ANYTHING)
def test_the_fast_json_copy_accepts_and_refuses_exactly_what_the_walk_does(value: object) -> None:
    assert _fast_outcome(value) == _walk_outcome(value)


@pytest.mark.parametrize(
    "value",
    [
        {"k": [[[[0]]]]},
        {"a": [1, 2, (3, 4)]},
        {1: "int key"},
        {"deep": eval("[" * 101 + "]" * 101)},
        {"ok": eval("[" * 99 + "]" * 99)},
        {"big": 2**63},
        {"nan": float("nan")},
        {"surrogate": "\ud800"},
        {"\ud800": 1},
        {"colour": _Colour.RED},
        {"nul": "\x00", "zero": -0.0, "yes": True, "one": 1, "none": None},
        {"tags": ["a", "\ud800"]},
        {"tags": ["a", 1, None]},
        {"inf": float("inf")},
        {_Colour.RED: 1},
        {"é": ["ü"]},
    ],
)
def test_the_fast_json_copy_matches_the_walk_on_edge_values(value: object) -> None:
    assert _fast_outcome(value) == _walk_outcome(value)


def test_a_cycle_is_refused_not_recursed() -> None:
    cycle: list[object] = []
    cycle.append(cycle)
    with pytest.raises(ValidationError):
        values.json_value({"c": cycle}, "v")


def test_quoted_shows_a_short_value_whole() -> None:
    assert values.quoted("nope") == "'nope'"
    assert values.quoted(1.5) == "1.5"


def test_quoted_shows_a_long_string_by_a_prefix_and_its_length() -> None:
    shown = values.quoted("a" * 1_000_000)

    assert shown == repr("a" * values.MAX_QUOTED_CHARACTERS) + "... (1,000,000 characters)"


def test_quoted_never_reprs_a_huge_int_or_a_deep_nest_whole() -> None:
    nested: list[object] = []
    for _ in range(100_000):
        nested = [nested]

    assert values.quoted(2**100_000) == "an int of 100,001 bits"
    assert values.quoted(nested) == "[[[...]]]"
    assert len(values.quoted(list(range(100_000)))) <= 2 * values.MAX_QUOTED_CHARACTERS + 3


def test_quoted_survives_a_value_whose_repr_fails() -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert "Broken" in values.quoted(Broken())


@given(st.datetimes(timezones=st.just(UTC)), st.sampled_from([0, 1]))
def test_a_utc_timestamp_is_truncated_to_a_plain_utc_datetime(value: datetime, fold: int) -> None:
    given_value = value.replace(fold=fold)

    checked = values.timestamp(given_value, "t")

    assert type(checked) is datetime and checked.tzinfo is UTC and checked.fold == 0
    assert checked == value.replace(microsecond=value.microsecond // 1000 * 1000)

"""orjson (the ``[fast]`` extra) against the standard library: the same checks, copies and values.

Every test runs a value through ``integration_store.values`` and ``jsoncodec`` twice, with orjson
and with ``json`` alone, and wants the same outcome: equal copies of the same types, or the same
refusal naming the same path.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from integration_store import ValidationError, jsoncodec, values


@contextmanager
def json_alone() -> Iterator[None]:
    """Run as if the ``[fast]`` extra were not installed."""
    saved = jsoncodec._orjson
    jsoncodec._orjson = None
    try:
        yield
    finally:
        jsoncodec._orjson = saved


def typed(value: Any) -> Any:
    """``value`` with every scalar's type spelled out (``1``, ``1.0`` and ``True`` differ;
    so do ``-0.0`` and ``0.0``, and a list and a tuple)."""
    if isinstance(value, dict):
        return ("dict", [(typed(key), typed(item)) for key, item in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [typed(item) for item in value])
    if isinstance(value, float):
        return ("float", repr(value), math.copysign(1.0, value))
    return (type(value).__name__, value)


def outcome(check: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "copy", typed(check())
    except ValidationError as error:
        return "refused", error.field


class Colour(str, Enum):
    RED = "red"


class Level(Enum):
    HIGH = 3


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # every size: orjson writes up to ±2**53, json the rest
    | st.floats()  # NaN and the infinities too, which orjson would write as null
    | st.text()  # lone surrogates too
    | st.sampled_from([Colour.RED, Level.HIGH, b"bytes", 1 + 2j])
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(st.text(), children, max_size=4)
        | st.dictionaries(st.integers(-3, 3) | st.text(max_size=2), children, max_size=3)
    ),
    max_leaves=20,
)


def test_the_fast_codec_is_installed_where_the_tests_run() -> None:
    assert jsoncodec._orjson is orjson  # else every comparison below compares json with itself


@given(VALUES)
def test_a_json_check_accepts_refuses_and_copies_alike_with_either_codec(value: Any) -> None:
    fast = outcome(lambda: values.json_value(value, "v"))
    with json_alone():
        alone = outcome(lambda: values.json_value(value, "v"))

    assert fast == alone


ASCII = st.text(st.characters(max_codepoint=127), max_size=6) | st.just("[" * 101)
FLAT_OBJECTS = st.dictionaries(
    ASCII,
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64)
    | st.floats()
    | ASCII
    | st.lists(ASCII, max_size=3)
    | st.lists(st.integers(), max_size=2),
    max_size=9,
)
"""Objects of the shape json_object's flat copy takes (or gives up on at one value)."""


@given(FLAT_OBJECTS | st.dictionaries(st.text(), VALUES, max_size=4) | VALUES)
def test_a_payload_is_checked_as_any_json_object(value: Any) -> None:
    # json_payload skips the flat copy json_object tries first: the same copies, refusals and
    # stored texts.
    for codec in (contextlib.nullcontext, json_alone):
        with codec(), jsoncodec.texts_reused():
            payload, checked = (
                outcome(lambda: values.json_payload(value, "v")),
                outcome(lambda: values.json_object(value, "v")),
            )
            assert payload == checked
            if payload[0] == "copy":
                texts = [
                    jsoncodec.dumps(check(value, "v"))
                    for check in (values.json_payload, values.json_object)
                ]
                assert texts[0] == texts[1]


@given(VALUES)
def test_checked_values_read_back_alike_whichever_codec_wrote_or_reads_them(value: Any) -> None:
    try:
        checked = values.json_value(value, "v")
    except ValidationError:
        return
    fast_text = jsoncodec.dumps(checked)
    with json_alone():
        alone_text = jsoncodec.dumps(checked)
        read_alone = [jsoncodec.loads(fast_text), jsoncodec.loads(alone_text)]
    read_fast = [jsoncodec.loads(fast_text), jsoncodec.loads(alone_text)]

    assert alone_text == json.dumps(checked, ensure_ascii=False, separators=(",", ":"))
    assert [typed(read) for read in read_alone + read_fast] == [typed(checked)] * 4


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"a": [1, math.nan]}, "v['a'][1]"),  # orjson would write null
        ({"a": math.inf}, "v['a']"),
        ({"a": 2**63}, "v['a']"),  # beyond int64: orjson refuses past 2**53, json decides
        ({"a": "\ud800"}, "v['a']"),
        ({1: "one"}, "v"),
        ({"a": Level.HIGH}, "v['a']"),  # orjson writes an Enum's value
    ],
)
def test_what_orjson_would_write_is_still_refused(value: Any, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        values.json_value(value, "v")

    assert refused.value.field == field


def test_an_int64_beyond_orjsons_strict_range_is_kept_exactly() -> None:
    checked = values.json_value({"big": 2**62 + 1, "small": -(2**63)}, "v")

    assert typed(checked) == typed({"big": 2**62 + 1, "small": -(2**63)})
    assert jsoncodec.loads(jsoncodec.dumps(checked)) == checked


def test_loads_leaves_what_is_not_text_to_json() -> None:
    with pytest.raises(TypeError):
        jsoncodec.loads(b'{"a": 1}')  # type: ignore[arg-type]

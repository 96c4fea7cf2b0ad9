"""A payload is encoded to JSON once per write call: its check's text serves the write-size cap
and the stored form (``jsoncodec.texts_reused``), and is forgotten when the call ends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from integration_store import json_checks, jsoncodec, open_store, values
from integration_store.store import Store

PAYLOAD = {"id": "chatcmpl-1", "choices": [{"message": {"content": "héllo " * 50}}]}


@pytest.fixture(params=["mongomock://", "sqlite://"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param.startswith("mongomock"):
        pytest.importorskip("mongomock")
    with open_store(request.param) as opened:
        yield opened


@pytest.fixture
def encoded(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every value a JSON encoder (orjson's or ``json``'s) is run on, by the checks or by
    ``dumps``, in order."""
    seen: list[Any] = []
    encode, fast_text = jsoncodec._encode, jsoncodec.fast_text

    def counting(value: Any) -> str:
        seen.append(value)
        return encode(value)

    def counting_fast(value: Any) -> str | None:
        text = fast_text(value)
        if text is not None:  # else ``json`` encodes it, and is counted there
            seen.append(value)
        return text

    monkeypatch.setattr(jsoncodec, "_encode", counting)  # what dumps runs
    monkeypatch.setattr(jsoncodec, "fast_text", counting_fast)  # what dumps and the checks run
    monkeypatch.setattr(json_checks, "_plain_encode", counting)  # what the checks run
    return seen


def _payload_encodings(seen: list[Any]) -> int:
    return sum(1 for value in seen if value == PAYLOAD)


def test_record_raw_response_encodes_the_payload_once(store: Store, encoded: list[Any]) -> None:
    recorded = store.external_responses.record_raw_response("src", PAYLOAD, "owner")

    assert _payload_encodings(encoded) == 1
    fetched = store.external_responses.get_raw_for_interpretation(recorded.id, "owner")
    assert fetched is not None and fetched.raw_response == PAYLOAD


def test_record_raw_responses_encodes_each_payload_once(store: Store, encoded: list[Any]) -> None:
    items = [{"source": "src", "raw_response": PAYLOAD, "interpretation_owner": "o"}] * 3

    recorded = store.external_responses.record_raw_responses(items)

    assert _payload_encodings(encoded) == 3
    assert [r.raw_response for r in store.external_responses.get_pending_interpretations("o")] == [
        PAYLOAD
    ] * len(recorded)


def test_interpret_encodes_the_interpretation_once(store: Store, encoded: list[Any]) -> None:
    recorded = store.external_responses.record_raw_response("src", {"a": 1}, "owner")

    store.external_responses.interpret(recorded.id, PAYLOAD, "owner")

    assert _payload_encodings(encoded) == 1
    interpreted = store.external_responses.get_interpreted(recorded.id)
    assert interpreted is not None and interpreted.interpreted_value == PAYLOAD


def test_a_known_text_is_forgotten_when_the_call_ends(store: Store) -> None:
    recorded = store.external_responses.record_raw_response("src", {"a": 1}, "owner")

    recorded.raw_response["a"] = 2  # the caller's copy, changed after the call

    assert jsoncodec.dumps(recorded.raw_response) == '{"a":2}'


def test_a_checked_copy_is_known_only_inside_texts_reused() -> None:
    outside = values.json_value({"a": 1}, "v")
    with jsoncodec.texts_reused():
        inside = values.json_value({"a": 1}, "v")
        inside_text = jsoncodec.dumps(inside)
        inside["a"] = 2  # a changed copy keeps its checked text: the contract callers keep
        assert jsoncodec.dumps(inside) == inside_text
        outside["a"] = 3
        assert jsoncodec.dumps(outside) == '{"a":3}'
    assert jsoncodec.dumps(inside) == '{"a":2}'

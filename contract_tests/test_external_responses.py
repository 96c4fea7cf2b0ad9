"""External responses: recording, the owner gate, interpretation, the pending queue."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from integration_store import (
    AlreadyInterpretedError,
    ExternalResponse,
    InterpretedResponse,
    ResponseNotFoundError,
    ValidationError,
)
from integration_store.store import Store
from integration_store.targets import StoreFactory
from integration_store.testing import DEFAULT_START, FixedClock, SequentialIds, assert_identical


def _record(store: Store, owner: str = "engine", **payload: object) -> ExternalResponse:
    return store.external_responses.record_raw_response("openai", {"payload": payload}, owner)


def test_recorded_response_has_id_from_factory_and_received_at_from_clock(store: Store) -> None:
    recorded = store.external_responses.record_raw_response(
        "anthropic",
        {"choices": [{"text": "hi"}]},
        "l4.summary",
        interpretation_contract="summary.v1",
        request_id="req-1",
        run_id="run-1",
    )

    assert_identical(
        recorded,
        ExternalResponse(
            id=UUID(int=1),
            source="anthropic",
            raw_response={"choices": [{"text": "hi"}]},
            interpretation_owner="l4.summary",
            interpretation_contract="summary.v1",
            request_id="req-1",
            run_id="run-1",
            received_at=DEFAULT_START,
        ),
    )
    assert_identical(
        store.external_responses.get_raw_for_interpretation(UUID(int=1), "l4.summary"), recorded
    )


def test_raw_response_is_only_served_to_its_owner(store: Store) -> None:
    recorded = _record(store, owner="owner-a")

    assert store.external_responses.get_raw_for_interpretation(recorded.id, "owner-b") is None
    assert store.external_responses.get_raw_for_interpretation(recorded.id, "Owner-a") is None
    assert store.external_responses.get_raw_for_interpretation(UUID(int=99), "owner-a") is None
    assert store.external_responses.get_raw_for_interpretation(recorded.id, "owner-a") is not None


def test_interpreted_read_is_none_until_interpreted(store: Store) -> None:
    recorded = _record(store)

    assert store.external_responses.get_interpreted(recorded.id) is None
    assert store.external_responses.get_interpreted(UUID(int=42)) is None


def test_interpret_records_value_time_and_interpreter(store: Store, clock: FixedClock) -> None:
    recorded = _record(store)
    later = clock.advance(timedelta(seconds=3))

    interpreted = store.external_responses.interpret(recorded.id, {"label": "spam", "p": 0.5}, "l4")

    assert interpreted.interpreted_value == {"label": "spam", "p": 0.5}
    assert interpreted.interpreted_at == later and interpreted.interpreted_by == "l4"
    assert interpreted.raw_response == recorded.raw_response
    assert_identical(
        store.external_responses.get_interpreted(recorded.id),
        InterpretedResponse(
            id=recorded.id,
            source="openai",
            interpretation_owner="engine",
            interpreted_value={"label": "spam", "p": 0.5},
            interpreted_at=later,
            interpreted_by="l4",
        ),
    )


def test_interpreted_response_never_carries_the_raw_payload(store: Store) -> None:
    recorded = _record(store, secret="raw")
    store.external_responses.interpret(recorded.id, {"ok": True}, "l4")

    interpreted = store.external_responses.get_interpreted(recorded.id)

    assert interpreted is not None
    assert not hasattr(interpreted, "raw_response")
    assert "raw" not in repr(interpreted)


def test_a_second_interpretation_is_refused_and_keeps_the_first(
    store: Store, clock: FixedClock
) -> None:
    recorded = _record(store)
    first = store.external_responses.interpret(recorded.id, {"v": 1}, "first")
    clock.advance()

    with pytest.raises(AlreadyInterpretedError):
        store.external_responses.interpret(recorded.id, {"v": 2}, "second")

    assert store.external_responses.get_raw_for_interpretation(recorded.id, "engine") == first


def test_reinterpret_replaces_an_earlier_interpretation(store: Store, clock: FixedClock) -> None:
    recorded = _record(store)
    store.external_responses.interpret(recorded.id, {"v": 1}, "first")
    later = clock.advance()

    store.external_responses.interpret(recorded.id, {"v": 2}, "second", reinterpret=True)

    interpreted = store.external_responses.get_interpreted(recorded.id)
    assert interpreted is not None
    assert (interpreted.interpreted_value, interpreted.interpreted_by) == ({"v": 2}, "second")
    assert interpreted.interpreted_at == later


def test_interpreting_an_unknown_id_raises_not_found(store: Store) -> None:
    with pytest.raises(ResponseNotFoundError):
        store.external_responses.interpret(UUID(int=7), {"v": 1}, "l4")


def test_pending_queue_is_oldest_first_and_per_owner(store: Store, clock: FixedClock) -> None:
    first = _record(store, owner="a")
    clock.advance()
    _record(store, owner="b")
    clock.advance()
    third = _record(store, owner="a")

    pending = store.external_responses.get_pending_interpretations("a")

    assert [response.id for response in pending] == [first.id, third.id]
    assert store.external_responses.get_pending_interpretations("nobody") == []


def test_pending_queue_ties_on_received_at_are_ordered_by_id_as_uuid_int(
    open_same_store: StoreFactory, clock: FixedClock
) -> None:
    shuffled = iter([UUID(int=2**127 + 5), UUID(int=2**120), UUID(int=9), UUID(int=2**127)])
    store = open_same_store(clock=clock, id_factory=lambda: next(shuffled))
    for _ in range(4):
        _record(store)

    pending = store.external_responses.get_pending_interpretations("engine")

    assert [response.id.int for response in pending] == [9, 2**120, 2**127, 2**127 + 5]


def test_pending_queue_skips_interpreted_responses(store: Store, clock: FixedClock) -> None:
    responses = []
    for _ in range(3):
        responses.append(_record(store))
        clock.advance()
    store.external_responses.interpret(responses[1].id, {"done": True}, "l4")

    pending = store.external_responses.get_pending_interpretations("engine")

    assert [response.id for response in pending] == [responses[0].id, responses[2].id]


def test_pending_queue_honours_limit(store: Store, clock: FixedClock) -> None:
    for _ in range(5):
        _record(store)
        clock.advance()

    pending = store.external_responses.get_pending_interpretations("engine", limit=2)

    assert [response.id for response in pending] == [UUID(int=1), UUID(int=2)]


@pytest.mark.parametrize("limit", [0, 10_001, -5, "10"])
def test_pending_queue_rejects_bad_limits(store: Store, limit: object) -> None:
    with pytest.raises(ValidationError) as raised:
        store.external_responses.get_pending_interpretations("engine", limit=limit)  # type: ignore[arg-type]

    assert raised.value.field == "limit"


def test_response_ids_must_be_uuids(store: Store) -> None:
    with pytest.raises(ValidationError) as raised:
        store.external_responses.get_interpreted("00000000-0000-0000-0000-000000000001")  # type: ignore[arg-type]

    assert raised.value.field == "response_id"


def test_raw_response_must_be_a_dict(store: Store, ids: SequentialIds, clock: FixedClock) -> None:
    with pytest.raises(ValidationError) as raised:
        store.external_responses.record_raw_response("s", [1, 2], "o")  # type: ignore[arg-type]

    assert raised.value.field == "raw_response"
    assert ids.drawn == 0 and clock.readings == 0
    assert store.external_responses.get_pending_interpretations("o") == []

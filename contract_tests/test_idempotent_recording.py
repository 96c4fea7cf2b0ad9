"""``record_raw_response(idempotency_key=...)``: a retried call stores nothing twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast
from uuid import UUID

import pytest

from integration_store import (
    TRANSACTIONS,
    ExternalResponse,
    ResponseAlreadyExistsError,
    ValidationError,
)
from integration_store.services.idempotency import response_id
from integration_store.store import Store
from integration_store.targets import StoreFactory
from integration_store.testing import FixedClock, assert_identical

PAYLOAD = {"choices": [{"text": "hi", "score": 0.5}], "n": 1}


def _record(
    store: Store,
    key: str | None,
    owner: str = "engine",
    payload: dict[str, object] = PAYLOAD,
    **arguments: str,
) -> ExternalResponse:
    return store.external_responses.record_raw_response(
        "openai", payload, owner, idempotency_key=key, **arguments
    )


def test_a_repeated_call_returns_the_first_response_and_stores_nothing(
    store: Store, clock: FixedClock
) -> None:
    first = _record(store, "req-1", request_id="req-1")
    clock.advance(timedelta(seconds=5))

    again = _record(store, "req-1", request_id="req-1")

    assert_identical(again, first)
    pending = store.external_responses.get_pending_interpretations("engine")
    assert [response.id for response in pending] == [first.id]


def test_the_id_comes_from_the_key_not_the_id_factory(store: Store) -> None:
    recorded = _record(store, "req-1")
    plain = _record(store, None)

    assert recorded.id == response_id("req-1", "engine", "openai")
    assert plain.id.int == 1  # the factory's first id, still unused


def test_keys_are_scoped_by_owner_and_source(store: Store) -> None:
    one = _record(store, "req-1", owner="engine")
    other_owner = _record(store, "req-1", owner="other")
    other_source = store.external_responses.record_raw_response(
        "anthropic", PAYLOAD, "engine", idempotency_key="req-1"
    )

    assert len({one.id, other_owner.id, other_source.id}) == 3


@pytest.mark.parametrize(
    "changed",
    [{"payload": {"choices": []}}, {"request_id": "req-2"}, {"interpretation_contract": "c.v2"}],
)
def test_a_key_reused_with_other_arguments_is_refused_and_stores_nothing(
    store: Store, changed: dict[str, Any]
) -> None:
    first = _record(store, "req-1")

    with pytest.raises(ResponseAlreadyExistsError, match="idempotency key"):
        _record(store, "req-1", **changed)

    pending = store.external_responses.get_pending_interpretations("engine")
    assert_identical(pending, [first])


@pytest.mark.requires(TRANSACTIONS)
def test_a_retry_inside_a_unit_of_work_returns_the_stored_response(store: Store) -> None:
    first = _record(store, "req-1")

    with store.transaction() as tx:
        again = tx.external_responses.record_raw_response(
            "openai", PAYLOAD, "engine", idempotency_key="req-1"
        )
        tx.external_responses.record_raw_response("openai", PAYLOAD, "engine")

    assert_identical(again, first)
    assert len(store.external_responses.get_pending_interpretations("engine")) == 2


@pytest.mark.parametrize("key", ["", 7, "x" * 256])
def test_a_bad_key_is_a_validation_error_and_stores_nothing(store: Store, key: object) -> None:
    with pytest.raises(ValidationError, match="idempotency_key"):
        _record(store, cast(str, key))

    assert store.external_responses.get_pending_interpretations("engine") == []


# ---- record_raw_responses: a key per item ---------------------------------------------------


def _item(
    key: str | None, payload: dict[str, object] = PAYLOAD, **arguments: str
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "source": "openai",
        "raw_response": payload,
        "interpretation_owner": "engine",
    }
    if key is not None:
        item["idempotency_key"] = key
    return {**item, **arguments}


def test_a_repeated_batch_returns_the_first_batchs_responses_and_stores_nothing(
    store: Store, clock: FixedClock
) -> None:
    items = [_item("req-1"), _item("req-2", {"n": 2}, request_id="r2")]
    first = store.external_responses.record_raw_responses(items)
    clock.advance(timedelta(seconds=5))

    again = store.external_responses.record_raw_responses(items)

    assert_identical(again, first)
    assert [response.id for response in first] == [
        response_id("req-1", "engine", "openai"),
        response_id("req-2", "engine", "openai"),
    ]
    pending = store.external_responses.get_pending_interpretations("engine")
    assert_identical(pending, first)


def test_a_batch_stores_only_the_items_no_earlier_call_stored_under_their_keys(
    store: Store, clock: FixedClock
) -> None:
    earlier = _record(store, "req-2")
    clock.advance(timedelta(seconds=5))

    batch = store.external_responses.record_raw_responses(
        [_item("req-1"), _item("req-2"), _item(None, {"n": 3})]
    )

    assert_identical(batch[1], earlier)
    assert batch[0].id == response_id("req-1", "engine", "openai")
    assert batch[2].id.int == 1  # the factory's first id: keyed items draw none
    assert (
        batch[0].received_at == batch[2].received_at == earlier.received_at + timedelta(seconds=5)
    )
    pending = store.external_responses.get_pending_interpretations("engine", limit=10)
    assert sorted(response.id for response in pending) == sorted(r.id for r in batch)
    assert len(pending) == 3


def test_a_key_reused_with_other_arguments_in_a_batch_names_its_item_and_stores_nothing(
    store: Store,
) -> None:
    first = _record(store, "req-2")

    with pytest.raises(ResponseAlreadyExistsError, match=r"items\[1\]: idempotency key"):
        store.external_responses.record_raw_responses(
            [_item("req-1"), _item("req-2", {"other": True})]
        )

    assert_identical(store.external_responses.get_pending_interpretations("engine"), [first])


def test_an_id_clash_beside_a_stored_key_still_refuses_the_whole_batch(
    open_same_store: StoreFactory,
) -> None:
    given = iter([UUID(int=1), UUID(int=1)])
    store = open_same_store(id_factory=lambda: next(given))
    first = _record(store, "req-1")
    clashing = _record(store, None)  # takes UUID(int=1)

    with pytest.raises(ResponseAlreadyExistsError, match=r"items\[2\].*-0{11}1 already"):
        store.external_responses.record_raw_responses(
            [_item("req-1"), _item("req-2"), _item(None)]  # the last draws UUID(int=1) again
        )

    pending = store.external_responses.get_pending_interpretations("engine")
    assert {response.id for response in pending} == {first.id, clashing.id}


@pytest.mark.requires(TRANSACTIONS)
def test_a_batch_retried_inside_a_unit_of_work_returns_the_stored_responses(store: Store) -> None:
    first = store.external_responses.record_raw_responses([_item("req-1")])

    with store.transaction() as tx:
        again = tx.external_responses.record_raw_responses([_item("req-1"), _item("req-2")])

    assert_identical(again[:1], first)
    assert len(store.external_responses.get_pending_interpretations("engine")) == 2


@pytest.mark.parametrize("key", ["", 7, "x" * 256])
def test_a_bad_key_in_a_batch_names_its_item_and_stores_nothing(store: Store, key: object) -> None:
    with pytest.raises(ValidationError, match=r"items\[1\]\.idempotency_key"):
        store.external_responses.record_raw_responses([_item("req-1"), _item(cast(str, key))])

    assert store.external_responses.get_pending_interpretations("engine") == []

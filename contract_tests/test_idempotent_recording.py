"""``record_raw_response(idempotency_key=...)``: a retried call stores nothing twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import pytest

from integration_store import (
    TRANSACTIONS,
    ExternalResponse,
    ResponseAlreadyExistsError,
    ValidationError,
)
from integration_store.services.idempotency import response_id
from integration_store.store import Store
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

"""Claims with leases on the pending queue: what a claimant holds, until when, and who may
complete or give back a response."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from integration_store import (
    CLAIMS,
    TRANSACTIONS,
    ExternalResponse,
    LeaseLostError,
    ResponseNotFoundError,
)
from integration_store.store import Store
from integration_store.testing import DEFAULT_START, FixedClock, assert_identical

pytestmark = pytest.mark.requires(CLAIMS)

LEASE = timedelta(seconds=60)


def _record_many(store: Store, count: int, owner: str = "engine") -> list[ExternalResponse]:
    return [
        store.external_responses.record_raw_response("openai", {"n": n}, owner)
        for n in range(count)
    ]


def _ids(responses: list[ExternalResponse]) -> list[UUID]:
    return [response.id for response in responses]


def test_claims_come_oldest_first_and_leased_to_the_claimant(
    store: Store, clock: FixedClock
) -> None:
    recorded = []
    for n in range(3):
        recorded.append(store.external_responses.record_raw_response("s", {"n": n}, "engine"))
        clock.advance(timedelta(seconds=-1))  # later responses are received earlier
    now = clock.advance(timedelta(seconds=5))

    claimed = store.external_responses.claim_pending("engine", "worker-1", lease_seconds=60)

    assert _ids(claimed) == _ids(recorded[::-1])
    assert {(r.claimed_by, r.lease_expires_at) for r in claimed} == {("worker-1", now + LEASE)}
    assert store.external_responses.get_raw_for_interpretation(recorded[0].id, "engine") == (
        claimed[-1]
    )


def test_a_claim_takes_at_most_limit_responses(store: Store) -> None:
    recorded = _record_many(store, 5)

    claimed = store.external_responses.claim_pending("engine", "worker-1", limit=2)

    assert _ids(claimed) == _ids(recorded[:2])


def test_a_second_claimant_gets_only_what_nobody_holds(store: Store) -> None:
    recorded = _record_many(store, 5)
    store.external_responses.claim_pending("engine", "worker-1", limit=2)

    second = store.external_responses.claim_pending("engine", "worker-2")

    assert _ids(second) == _ids(recorded[2:])
    assert store.external_responses.claim_pending("engine", "worker-3") == []


def test_a_claimant_is_not_handed_its_own_live_leases_again(store: Store) -> None:
    _record_many(store, 2)
    store.external_responses.claim_pending("engine", "worker-1")

    assert store.external_responses.claim_pending("engine", "worker-1") == []


def test_claims_take_only_the_owners_uninterpreted_responses(store: Store) -> None:
    interpreted, pending = _record_many(store, 2)
    other_owner = store.external_responses.record_raw_response("s", {}, "someone-else")
    store.external_responses.interpret(interpreted.id, {"done": True}, "engine")

    claimed = store.external_responses.claim_pending("engine", "worker-1")

    assert _ids(claimed) == [pending.id]
    assert store.external_responses.claim_pending("someone-else", "worker-1")[0].id == (
        other_owner.id
    )


def test_a_lease_is_live_until_its_end(store: Store, clock: FixedClock) -> None:
    _record_many(store, 1)
    store.external_responses.claim_pending("engine", "worker-1", lease_seconds=60)
    clock.advance(LEASE - timedelta(milliseconds=1))

    assert store.external_responses.claim_pending("engine", "worker-2") == []


def test_an_expired_lease_can_be_claimed_again(store: Store, clock: FixedClock) -> None:
    (recorded,) = _record_many(store, 1)
    store.external_responses.claim_pending("engine", "worker-1", lease_seconds=60)
    now = clock.advance(LEASE)

    again = store.external_responses.claim_pending("engine", "worker-2", lease_seconds=1.5)

    assert [(r.id, r.claimed_by, r.lease_expires_at) for r in again] == [
        (recorded.id, "worker-2", now + timedelta(seconds=1.5))
    ]


def test_the_lease_holder_completes_its_claim(store: Store, clock: FixedClock) -> None:
    (recorded,) = _record_many(store, 1)
    store.external_responses.claim_pending("engine", "worker-1")
    now = clock.advance()

    done = store.external_responses.interpret(
        recorded.id, {"label": "spam"}, "classifier", claimant="worker-1"
    )

    assert (done.interpreted_value, done.interpreted_at, done.interpreted_by) == (
        {"label": "spam"},
        now,
        "classifier",
    )
    assert (done.claimed_by, done.lease_expires_at) == (None, None)
    assert store.external_responses.get_pending_interpretations("engine") == []
    assert store.external_responses.claim_pending("engine", "worker-2") == []


def test_interpret_by_another_claimant_raises_lease_lost(store: Store) -> None:
    (recorded,) = _record_many(store, 1)
    store.external_responses.claim_pending("engine", "worker-1")

    with pytest.raises(LeaseLostError):
        store.external_responses.interpret(recorded.id, {}, "classifier", claimant="worker-2")

    assert store.external_responses.get_interpreted(recorded.id) is None


def test_interpret_of_an_unclaimed_response_with_a_claimant_raises_lease_lost(
    store: Store,
) -> None:
    (recorded,) = _record_many(store, 1)

    with pytest.raises(LeaseLostError):
        store.external_responses.interpret(recorded.id, {}, "classifier", claimant="worker-1")


def test_interpret_after_the_lease_expired_raises_lease_lost(
    store: Store, clock: FixedClock
) -> None:
    (recorded,) = _record_many(store, 1)
    store.external_responses.claim_pending("engine", "worker-1", lease_seconds=60)
    clock.advance(LEASE)

    with pytest.raises(LeaseLostError):
        store.external_responses.interpret(recorded.id, {}, "classifier", claimant="worker-1")


def test_a_lease_holder_cannot_complete_twice(store: Store) -> None:
    (recorded,) = _record_many(store, 1)
    store.external_responses.claim_pending("engine", "worker-1")
    store.external_responses.interpret(recorded.id, {"v": 1}, "classifier", claimant="worker-1")

    with pytest.raises(LeaseLostError):
        store.external_responses.interpret(recorded.id, {"v": 2}, "c", claimant="worker-1")

    interpreted = store.external_responses.get_interpreted(recorded.id)
    assert interpreted is not None and interpreted.interpreted_value == {"v": 1}


def test_unclaimed_interpret_completes_a_leased_response_and_ends_its_lease(store: Store) -> None:
    (recorded,) = _record_many(store, 1)
    store.external_responses.claim_pending("engine", "worker-1")

    done = store.external_responses.interpret(recorded.id, {"v": 1}, "classifier")

    assert (done.claimed_by, done.lease_expires_at) == (None, None)
    with pytest.raises(LeaseLostError):
        store.external_responses.interpret(recorded.id, {"v": 2}, "c", claimant="worker-1")


def test_release_gives_a_response_back_to_be_claimed_at_once(store: Store) -> None:
    first, _still_leased = _record_many(store, 2)
    store.external_responses.claim_pending("engine", "worker-1")

    released = store.external_responses.release(first.id, "worker-1")

    assert (released.claimed_by, released.lease_expires_at) == (None, None)
    assert _ids(store.external_responses.claim_pending("engine", "worker-2")) == [first.id]
    with pytest.raises(LeaseLostError):
        store.external_responses.interpret(first.id, {}, "classifier", claimant="worker-1")


@pytest.mark.parametrize("claimant", ["worker-2", "worker-1 "])
def test_release_by_anyone_but_the_holder_raises_lease_lost(store: Store, claimant: str) -> None:
    (recorded,) = _record_many(store, 1)
    store.external_responses.claim_pending("engine", "worker-1")

    with pytest.raises(LeaseLostError):
        store.external_responses.release(recorded.id, claimant)

    assert store.external_responses.claim_pending("engine", "worker-3") == []


def test_release_of_an_expired_lease_raises_lease_lost(store: Store, clock: FixedClock) -> None:
    (recorded,) = _record_many(store, 1)
    store.external_responses.claim_pending("engine", "worker-1", lease_seconds=60)
    clock.advance(LEASE)

    with pytest.raises(LeaseLostError):
        store.external_responses.release(recorded.id, "worker-1")


def test_unknown_ids_raise_not_found_for_release_and_claimed_interpret(store: Store) -> None:
    with pytest.raises(ResponseNotFoundError):
        store.external_responses.release(UUID(int=99), "worker-1")
    with pytest.raises(ResponseNotFoundError):
        store.external_responses.interpret(UUID(int=99), {}, "c", claimant="worker-1")


def test_a_claim_reads_the_clock_once_and_draws_no_id(store: Store, clock: FixedClock) -> None:
    _record_many(store, 3)
    readings = clock.readings

    store.external_responses.claim_pending("engine", "worker-1")

    assert clock.readings == readings + 1
    assert _ids(store.external_responses.claim_pending("engine", "worker-2")) == []


def test_claims_return_what_the_memory_reference_returns(
    store: Store, clock: FixedClock, reference: Store, reference_clock: FixedClock
) -> None:
    results = []
    for target, target_clock in ((store, clock), (reference, reference_clock)):
        responses = target.external_responses
        recorded = _record_many(target, 4)
        target_clock.advance(timedelta(milliseconds=1500))
        claimed = responses.claim_pending("engine", "a", limit=3, lease_seconds=0.25)
        released = responses.release(claimed[1].id, "a")
        done = responses.interpret(claimed[0].id, {"ok": 1.0}, "a", claimant="a")
        target_clock.advance(timedelta(milliseconds=250))
        retaken = responses.claim_pending("engine", "b", lease_seconds=10)
        results.append((recorded, claimed, released, done, retaken))

    assert_identical(results[0], results[1])


def test_the_clock_start_is_where_leases_are_measured_from(store: Store) -> None:
    _record_many(store, 1)

    (claimed,) = store.external_responses.claim_pending("engine", "w", lease_seconds=0.001)

    assert claimed.lease_expires_at == DEFAULT_START + timedelta(milliseconds=1)


@pytest.mark.requires(TRANSACTIONS)
def test_a_claim_in_an_aborted_unit_of_work_is_undone(store: Store) -> None:
    recorded = _record_many(store, 2)

    with pytest.raises(RuntimeError), store.transaction() as tx:
        assert len(tx.external_responses.claim_pending("engine", "worker-1")) == 2
        raise RuntimeError("abort")

    assert _ids(store.external_responses.claim_pending("engine", "worker-2")) == _ids(recorded)


@pytest.mark.requires(TRANSACTIONS)
def test_a_claim_completed_in_one_unit_of_work_is_kept(store: Store) -> None:
    (recorded,) = _record_many(store, 1)

    with store.transaction() as tx:
        (claimed,) = tx.external_responses.claim_pending("engine", "worker-1")
        tx.external_responses.interpret(claimed.id, {"v": 1}, "c", claimant="worker-1")

    interpreted = store.external_responses.get_interpreted(recorded.id)
    assert interpreted is not None and interpreted.interpreted_value == {"v": 1}


"""Claim calls check their arguments before anything is drawn or written, and are refused on a
backend that declares it lacks the ``claims`` capability."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from integration_store import (
    TRANSACTIONS,
    UnsupportedOperationError,
    ValidationError,
    open_store,
)
from integration_store.backends.memory.backend import MemoryBackend
from integration_store.store import Store
from integration_store.testing import FixedClock, SequentialIds


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def store(clock: FixedClock) -> Iterator[Store]:
    with open_store("memory://", clock=clock, id_factory=SequentialIds()) as opened:
        yield opened


Call = Callable[[Store, UUID], Any]

INVALID_CALLS: list[tuple[str, Call]] = [
    ("interpretation_owner", lambda s, _: s.external_responses.claim_pending("", "w")),
    ("claimant", lambda s, _: s.external_responses.claim_pending("o", "a\x00")),
    ("limit", lambda s, _: s.external_responses.claim_pending("o", "w", limit=0)),
    ("lease_seconds", lambda s, _: s.external_responses.claim_pending("o", "w", 1, 0)),
    ("lease_seconds", lambda s, _: s.external_responses.claim_pending("o", "w", 1, 0.0009)),
    ("lease_seconds", lambda s, _: s.external_responses.claim_pending("o", "w", 1, "60")),
    ("lease_seconds", lambda s, _: s.external_responses.claim_pending("o", "w", 1, 10**8)),
    ("response_id", lambda s, _: s.external_responses.release("not-a-uuid", "w")),  # type: ignore[arg-type]
    ("claimant", lambda s, i: s.external_responses.release(i, "")),
    ("claimant", lambda s, i: s.external_responses.interpret(i, {}, "by", claimant="x" * 256)),
    ("reinterpret", lambda s, i: s.external_responses.interpret(i, {}, "by", reinterpret=1)),  # type: ignore[arg-type]
    (
        "reinterpret",
        lambda s, i: s.external_responses.interpret(i, {}, "by", claimant="w", reinterpret=True),
    ),
]


@pytest.mark.parametrize(("field", "call"), INVALID_CALLS)
def test_invalid_arguments_name_the_field_and_draw_nothing(
    store: Store, clock: FixedClock, field: str, call: Call
) -> None:
    recorded = store.external_responses.record_raw_response("s", {}, "o")
    store.external_responses.claim_pending("o", "w")
    readings = clock.readings

    with pytest.raises(ValidationError) as raised:
        call(store, recorded.id)

    assert raised.value.field == field
    assert clock.readings == readings
    assert store.external_responses.get_raw_for_interpretation(recorded.id, "o") is not None
    assert store.external_responses.claim_pending("o", "other") == []


def test_a_lease_ending_after_the_year_9999_is_refused(store: Store, clock: FixedClock) -> None:
    clock.set(datetime(9999, 12, 31, 23, 59, tzinfo=UTC))

    with pytest.raises(ValidationError) as raised:
        store.external_responses.claim_pending("o", "w", lease_seconds=3600)

    assert raised.value.field == "lease_seconds"


class _MemoryWithoutClaims(MemoryBackend):
    capabilities = frozenset({TRANSACTIONS})  # type: ignore[misc]


def test_a_backend_without_the_capability_refuses_claim_calls() -> None:
    store = Store(_MemoryWithoutClaims(), clock=FixedClock(), id_factory=SequentialIds())
    recorded = store.external_responses.record_raw_response("s", {}, "o")

    with pytest.raises(UnsupportedOperationError):
        store.external_responses.claim_pending("o", "w")
    with pytest.raises(UnsupportedOperationError):
        store.external_responses.release(recorded.id, "w")
    with pytest.raises(UnsupportedOperationError):
        store.external_responses.interpret(recorded.id, {}, "by", claimant="w")
    assert store.external_responses.interpret(recorded.id, {}, "by").interpreted_by == "by"

"""The ``integration_store`` fixture apps use in their own tests."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from integration_store import Store
from integration_store.testing import DEFAULT_START, FixedClock, SequentialIds


def test_fixture_gives_an_empty_memory_store_with_fixed_clock_and_ids(
    integration_store: Store,
    integration_store_clock: FixedClock,
    integration_store_ids: SequentialIds,
) -> None:
    assert integration_store.connectors.list() == []

    first = integration_store.external_responses.record_raw_response("s", {}, "o")
    integration_store_clock.advance(timedelta(seconds=1))
    second = integration_store.external_responses.record_raw_response("s", {}, "o")

    assert (first.id, second.id) == (UUID(int=1), UUID(int=2))
    assert second.received_at == DEFAULT_START + timedelta(seconds=1)
    assert integration_store_ids.drawn == 2

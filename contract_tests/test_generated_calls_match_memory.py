"""The differential state machine against the backend under test: every generated call gives
what the memory reference gives.

It runs the hypothesis profile ``INTEGRATION_STORE_HYPOTHESIS_PROFILE`` selects (``ci`` by
default, ``deep`` for local bug hunting; see ``integration_store.contract.profiles``).
"""

from __future__ import annotations

import time

import pytest

from integration_store.contract.differential import StepTally, run_differential
from integration_store.contract.profiles import machine_settings
from integration_store.services.context import Clock, IdFactory
from integration_store.store import Store
from integration_store.verify_plugin import count_compared_steps


def test_generated_calls_give_what_the_memory_reference_gives(
    request: pytest.FixtureRequest, store: Store, store_url: str
) -> None:
    """Every generated step on the backend equals the same step on memory://, types included."""
    backend = store.backend

    def on_backend_under_test(clock: Clock, id_factory: IdFactory) -> Store:
        # One backend (one connection pool) for every example; a fresh façade per example binds
        # the example's clock and ids. The machine empties the backend itself.
        return Store(backend, clock=clock, id_factory=id_factory)

    tally = StepTally()
    started = time.monotonic()
    try:
        run_differential(on_backend_under_test, settings=machine_settings(), tally=tally)
    finally:
        count_compared_steps(request.config, tally.compared, tally.differed)
        print(
            f"{store_url}: {tally.compared} steps compared, {tally.differed} differed,"
            f" {time.monotonic() - started:.1f}s"
        )

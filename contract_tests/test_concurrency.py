"""A store shared by threads behaves as if every call were serialised; counters lose nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from integration_store import DuplicateConnectorNameError, VectorConnector
from integration_store.store import Store

THREADS = 8
CALLS_PER_THREAD = 25


def test_concurrent_counter_increments_are_all_kept(store: Store) -> None:
    store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))

    def hammer(_: int) -> None:
        for _ in range(CALLS_PER_THREAD):
            store.connectors.record_connection("c")
            store.connectors.record_error("c", "e")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(hammer, range(THREADS)))

    final = store.connectors.get("c")
    assert final is not None
    assert final.connection_count == THREADS * CALLS_PER_THREAD
    assert final.error_count == THREADS * CALLS_PER_THREAD


def test_concurrent_registrations_of_one_name_let_exactly_one_win(store: Store) -> None:
    def register(index: int) -> bool:
        try:
            store.connectors.register(
                VectorConnector(connector_id=f"c{index}", tenant_id="t", name="same")
            )
        except DuplicateConnectorNameError:
            return False
        return True

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(register, range(THREADS * 2)))

    assert outcomes.count(True) == 1
    assert len(store.connectors.list()) == 1


def test_concurrent_tenant_config_upserts_leave_one_row(store: Store) -> None:
    store.workers.register_worker("w", "W")

    def upsert(index: int) -> None:
        store.workers.set_tenant_worker_config("t", "w", max_runs_per_day=index)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(upsert, range(THREADS * 4)))

    configs = store.workers.list_tenant_worker_configs("t")
    assert len(configs) == 1
    assert configs[0].max_runs_per_day in range(THREADS * 4)
    assert configs[0].revision == THREADS * 4  # one write each: the creation, then updates

"""Writers racing on one connector and one worker config with optimistic revisions: each does a
read-modify-write with ``expected_revision`` in a retry loop while counters are recorded at the
same time, and no update is lost.

Threads share one store here, on every backend; ``tests/test_process_races.py`` races
processes on a SQLite file and each server with the same loop.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from integration_store import Connector, StaleObjectError
from integration_store.store import Store

WRITERS = 4
ROUNDS = 25
ATTEMPTS = 100 * ROUNDS
"""A writer gives up after this many stale attempts (it never should: some writer always
wins each round, so a writer waits at most for the others' rounds)."""

CONNECTOR = "shared"
TENANT = "t"
WORKER = "w"


def prepare(store: Store) -> None:
    """The connector and the worker config the writers race on, each counting from 0."""
    store.connectors.register(
        Connector(connector_id=CONNECTOR, tenant_id=TENANT, name=CONNECTOR, metadata={"n": 0})
    )
    store.workers.register_worker(WORKER, "W")
    store.workers.set_tenant_worker_config(TENANT, WORKER, config={"n": 0})


def increment_connector(store: Store) -> int:
    """Add 1 to the connector's ``metadata["n"]`` by read-modify-write at the read revision,
    retrying on a stale revision; returns how many attempts were stale."""
    for stale in range(ATTEMPTS):
        connector = store.connectors.get(CONNECTOR)
        assert connector is not None
        metadata = {"n": connector.metadata["n"] + 1}
        try:
            store.connectors.update_metadata(
                CONNECTOR, metadata, expected_revision=connector.revision
            )
        except StaleObjectError:
            continue
        return stale
    raise AssertionError(f"no update of the connector applied in {ATTEMPTS} attempts")


def increment_config(store: Store) -> int:
    """Add 1 to the tenant config's ``config["n"]`` the same way; returns the stale attempts."""
    for stale in range(ATTEMPTS):
        config = store.workers.get_tenant_worker_config(TENANT, WORKER)
        assert config is not None
        try:
            store.workers.set_tenant_worker_config(
                TENANT, WORKER, config={"n": config.config["n"] + 1},
                expected_revision=config.revision,
            )  # fmt: skip
        except StaleObjectError:
            continue
        return stale
    raise AssertionError(f"no update of the config applied in {ATTEMPTS} attempts")


def write_rounds(store: Store) -> int:
    """One writer's work: each round increments the connector and the config by revision and
    records a connection and an error (counters, which take no revision). Returns how many of
    its attempts were stale."""
    stale = 0
    for _ in range(ROUNDS):
        stale += increment_connector(store)
        store.connectors.record_connection(CONNECTOR)
        stale += increment_config(store)
        store.connectors.record_error(CONNECTOR, "e")
    return stale


def assert_nothing_lost(store: Store, writers: int) -> None:
    """Every writer's every round is in the final state, exactly once."""
    total = writers * ROUNDS
    connector = store.connectors.get(CONNECTOR)
    config = store.workers.get_tenant_worker_config(TENANT, WORKER)
    assert connector is not None and config is not None
    assert connector.metadata == {"n": total}
    assert (connector.connection_count, connector.error_count) == (total, total)
    # Registration, then per round an update, a connection and an error; stale attempts
    # wrote nothing.
    assert connector.revision == 1 + 3 * total
    assert (config.config, config.revision) == ({"n": total}, 1 + total)


def test_threads_updating_by_revision_lose_no_update(store: Store) -> None:
    prepare(store)
    start = threading.Barrier(WRITERS)

    def writer(_: int) -> int:
        start.wait()
        return write_rounds(store)

    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(writer, range(WRITERS)))

    assert_nothing_lost(store, WRITERS)

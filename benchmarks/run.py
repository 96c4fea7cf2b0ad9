"""Measure the cost of the common calls on each backend; prints one table row per (backend, call).

    python benchmarks/run.py [URL ...]        # default: memory://, sqlite://, mongomock://

Figures are wall-clock medians over repeated rounds on this machine; compare ratios measured in
one run only (shared machines are noisy). Server URLs get a private database for the run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import timedelta

from integration_store import Connector, open_store
from integration_store.store import Store
from integration_store.targets import default_urls
from integration_store.test_support import clear_store, isolated_url
from integration_store.testing import FixedClock, SequentialIds

ROUNDS = 5
OPERATIONS = 200
_MS = timedelta(milliseconds=1)


def _timed(action: Callable[[int], object], count: int) -> float:
    start = time.perf_counter()
    for index in range(count):
        action(index)
    return (time.perf_counter() - start) / count


def _rounds(store: Store, setup: Callable[[], None], action: Callable[[int], object]) -> float:
    samples = []
    for _ in range(ROUNDS):
        clear_store(store)
        setup()
        samples.append(_timed(action, OPERATIONS))
    return statistics.median(samples)


def measure(store: Store) -> dict[str, float]:
    """Median seconds per call of each measured operation."""
    connectors, responses, workers = store.connectors, store.external_responses, store.workers
    payload = {"choices": [{"text": "x" * 200, "score": 0.5}], "usage": {"tokens": 123}}

    def register_many() -> None:
        for index in range(OPERATIONS):
            connectors.register(
                Connector(connector_id=f"c{index}", tenant_id="t", name=f"n{index}")
            )

    def workers_and_configs() -> None:
        for index in range(OPERATIONS):
            workers.register_worker(f"w{index:04d}", f"Worker {index}", default_config={"a": 1})
            if index % 2:
                workers.set_tenant_worker_config("t", f"w{index:04d}", config={"b": 2})

    def nothing() -> None:
        pass

    return {
        "register connector": _rounds(
            store,
            nothing,
            lambda i: connectors.register(
                Connector(connector_id=f"c{i}", tenant_id="t", name=f"n{i}")
            ),
        ),
        "get connector": _rounds(store, register_many, lambda i: connectors.get(f"c{i}")),
        "record_connection": _rounds(
            store, register_many, lambda i: connectors.record_connection("c1")
        ),
        "list 50 (paged)": _rounds(
            store,
            register_many,
            lambda i: connectors.list(tenant_id="t", limit=50, offset=i % 4 * 50),
        ),
        "get_statistics": _rounds(store, register_many, lambda i: connectors.get_statistics("t")),
        "record_raw_response": _rounds(
            store, nothing, lambda i: responses.record_raw_response("src", payload, "owner")
        ),
        "pending(limit=20)": _rounds(
            store,
            lambda: [
                responses.record_raw_response("src", payload, "owner") for _ in range(OPERATIONS)
            ],
            lambda i: responses.get_pending_interpretations("owner", limit=20),
        ),
        f"workers_for_tenant ({OPERATIONS} workers)": _rounds(
            store, workers_and_configs, lambda i: workers.get_workers_for_tenant("t")
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="*")
    args = parser.parse_args()
    urls = args.urls or [url for url in default_urls() if "{tmp}" not in url]
    print(f"{'backend':<48} {'operation':<34} {'median µs/call':>14}")
    for url in urls:
        with ExitStack() as stack:
            private = stack.enter_context(isolated_url(url))
            store = stack.enter_context(
                open_store(private, clock=FixedClock(tick=_MS), id_factory=SequentialIds())
            )
            store.create_schema()
            for operation, seconds in measure(store).items():
                print(f"{url:<48} {operation:<34} {seconds * 1e6:>14.1f}", flush=True)


if __name__ == "__main__":
    main()

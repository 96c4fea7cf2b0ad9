"""The same calls on the backend under test and on the memory reference give identical objects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from integration_store import ConnectorConfig, ConnectorStatus, ConnectorType
from integration_store.contract.samples import TRICKY_JSON
from integration_store.store import Store
from integration_store.testing import FixedClock, assert_identical


def _scenario(store: Store, clock: FixedClock) -> list[Any]:
    """A session touching every driver; returns every result in call order."""
    results: list[Any] = []
    connectors, responses, workers = store.connectors, store.external_responses, store.workers
    results.append(
        connectors.create_vector_connector(
            "t1", "Vectors", config=ConnectorConfig(credentials={"k": "v"}, options=TRICKY_JSON)
        )
    )
    results.append(connectors.create_file_connector("t1", "files", base_path="/x"))
    results.append(connectors.create_serverless_connector("t2", "Vectors"))
    clock.advance(timedelta(milliseconds=1))
    results.append(connectors.record_connection(results[0].connector_id))
    results.append(connectors.record_error(results[1].connector_id, "err"))
    results.append(connectors.disconnect(results[0].connector_id))
    results.append(connectors.list())
    results.append(connectors.list(tenant_id="t1", limit=1, offset=1))
    results.append(connectors.list(connector_type=ConnectorType.FILE, status=ConnectorStatus.ERROR))
    results.append(connectors.get_statistics())
    results.append(connectors.get_statistics(tenant_id="t2"))
    results.append(connectors.get_by_name("t2", "Vectors"))
    first = responses.record_raw_response("src", TRICKY_JSON, "owner", "c", "r", "u")
    clock.advance(timedelta(milliseconds=7))
    second = responses.record_raw_response("src", {"n": 2}, "owner")
    results += [first, second]
    results.append(responses.interpret(first.id, {"label": 1.0}, "l4"))
    results.append(responses.get_interpreted(first.id))
    results.append(responses.get_pending_interpretations("owner"))
    results.append(responses.get_raw_for_interpretation(second.id, "owner"))
    results.append(workers.register_worker("w1", "One", moats=["m"], default_config={"a": 1}))
    results.append(workers.register_worker("w0", "One", is_public=True))
    results.append(workers.set_tenant_worker_config("t1", "w1", config={"b": -0.0}))
    results.append(workers.set_tenant_worker_config("t1", "w1", enabled=False, brand={"c": []}))
    results.append(workers.list_workers())
    results.append(workers.list_tenant_worker_configs("t1"))
    results.append(workers.get_effective_worker_config("t1", "w1"))
    results.append(workers.get_workers_for_tenant("t1", include_disabled=True))
    results.append(workers.get_worker_details("w1"))
    results.append(connectors.clear_tenant("t1"))
    results.append(connectors.list())
    return results


def test_a_session_over_every_driver_matches_the_memory_reference(
    store: Store, clock: FixedClock, reference: Store, reference_clock: FixedClock
) -> None:
    actual = _scenario(store, clock)
    expected = _scenario(reference, reference_clock)

    assert_identical(actual, expected)

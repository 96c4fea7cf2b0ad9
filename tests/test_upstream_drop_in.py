"""Code written against upstream's connector registry and helpers runs unchanged here."""

from __future__ import annotations

import pytest

from integration_store import (
    BaseConnector,
    Connector,
    ConnectorConfig,
    ConnectorRegistry,
    ConnectorStatus,
    ConnectorType,
    FileConnector,
    ServerlessConnector,
    Store,
    UnitOfWork,
    VectorConnector,
    get_interpreted_response,
    get_worker_registry_service,
    interpret_response,
    open_store,
    record_external_response,
)


def test_the_fifth_positional_argument_is_the_type_field_as_upstream() -> None:
    config = ConnectorConfig(endpoint="http://vectors")

    vector = VectorConnector("v", "t", "n", config, 768, "dot")
    files = FileConnector("f", "t", "n", None, "s3", "/bucket")
    functions = ServerlessConnector("s", "t", "n", None, "local", "eu-west-1")

    assert (vector.config, vector.vector_dimension, vector.distance_metric) == (config, 768, "dot")
    assert vector.status is ConnectorStatus.REGISTERED
    assert (files.storage_type, files.base_path) == ("s3", "/bucket")
    assert (functions.platform, functions.region) == ("local", "eu-west-1")


def test_every_field_after_the_type_fields_is_keyword_only() -> None:
    with pytest.raises(TypeError):
        VectorConnector("v", "t", "n", None, 768, "dot", ConnectorStatus.READY)  # type: ignore[call-arg]

    ready = VectorConnector("v", "t", "n", status=ConnectorStatus.READY)
    assert ready.status is ConnectorStatus.READY


def test_config_none_means_the_default_config() -> None:
    connector = FileConnector("f", "t", "n", config=None)

    assert connector.config == ConnectorConfig()
    assert connector.to_dict()["config"]["timeout_seconds"] == 30


def test_base_connector_is_upstreams_name_for_the_base_class() -> None:
    connector = BaseConnector("c", "t", "n", ConnectorType.HTTP, None)

    assert BaseConnector is Connector
    assert connector.connector_type is ConnectorType.HTTP
    assert connector.config == ConnectorConfig()


def test_a_registry_built_with_no_arguments_has_a_private_store_of_its_own() -> None:
    first, second = ConnectorRegistry(), ConnectorRegistry()

    made = first.create_vector_connector(tenant_id="t", name="Vectors", vector_dimension=8)

    assert first.get(made.connector_id) == made
    assert second.get(made.connector_id) is None
    assert [c.name for c in first.list(connector_type=ConnectorType.VECTOR)] == ["Vectors"]
    assert first.get_statistics().connectors_by_type == {"vector": 1}


def test_a_registry_given_a_storage_needs_its_context() -> None:
    with open_store("memory://") as store, pytest.raises(TypeError):
        ConnectorRegistry(store.connectors._storage)


@pytest.mark.parametrize("scope", ["store", "unit of work"])
def test_the_response_and_worker_helpers_take_a_store_or_a_unit_of_work(scope: str) -> None:
    with open_store("memory://") as store:
        if scope == "store":
            _use_helpers(store)
        else:
            with store.transaction() as unit_of_work:
                _use_helpers(unit_of_work)


def _use_helpers(services: Store | UnitOfWork) -> None:
    recorded = record_external_response(services, "crm", {"deal": 7}, "pricing", request_id="r-1")
    assert get_interpreted_response(services, recorded.id) is None

    interpreted = interpret_response(services, recorded.id, {"price": 70}, "pricing-engine")
    found = get_interpreted_response(services, recorded.id)

    assert interpreted.interpreted_value == {"price": 70}
    assert found is not None and found.interpreted_by == "pricing-engine"
    assert get_worker_registry_service(services) is services.workers

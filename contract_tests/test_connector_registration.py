"""Registering connectors: defaults, subclasses, stamps, ids, conflicts, copies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integration_store import (
    Connector,
    ConnectorAlreadyExistsError,
    ConnectorCapability,
    ConnectorConfig,
    ConnectorStatus,
    ConnectorType,
    DuplicateConnectorNameError,
    FileConnector,
    ServerlessConnector,
    VectorConnector,
)
from integration_store.store import Store
from integration_store.testing import DEFAULT_START, FixedClock, SequentialIds, assert_identical


def test_vector_connector_built_from_ids_and_name_gets_upstream_defaults(store: Store) -> None:
    stored = store.connectors.register(
        VectorConnector(connector_id="vec-1", tenant_id="t", name="V")
    )

    assert_identical(
        stored,
        VectorConnector(
            connector_id="vec-1",
            tenant_id="t",
            name="V",
            config=ConnectorConfig(),
            status=ConnectorStatus.REGISTERED,
            capabilities=(
                ConnectorCapability.READ,
                ConnectorCapability.WRITE,
                ConnectorCapability.SEARCH,
                ConnectorCapability.VECTOR_SEARCH,
            ),
            last_connected=None,
            last_error=None,
            connection_count=0,
            error_count=0,
            metadata={},
            created_at=DEFAULT_START,
            updated_at=DEFAULT_START,
            revision=1,
            vector_dimension=1536,
            distance_metric="cosine",
        ),
    )


@pytest.mark.parametrize(
    ("connector", "connector_type"),
    [
        (
            VectorConnector(connector_id="c", tenant_id="t", name="n", vector_dimension=3),
            ConnectorType.VECTOR,
        ),
        (
            FileConnector(connector_id="c", tenant_id="t", name="n", base_path="/data"),
            ConnectorType.FILE,
        ),
        (
            ServerlessConnector(connector_id="c", tenant_id="t", name="n", region="eu-west-1"),
            ConnectorType.SERVERLESS,
        ),
        (
            Connector(connector_id="c", tenant_id="t", name="n", connector_type=ConnectorType.HTTP),
            ConnectorType.HTTP,
        ),
        (
            Connector(
                connector_id="c", tenant_id="t", name="n", connector_type=ConnectorType.VECTOR
            ),
            ConnectorType.VECTOR,
        ),
    ],
    ids=["vector", "file", "serverless", "base-http", "base-with-vector-type"],
)
def test_connector_comes_back_as_its_own_class(
    store: Store, connector: Connector, connector_type: ConnectorType
) -> None:
    store.connectors.register(connector)

    fetched = store.connectors.get("c")

    assert type(fetched) is type(connector)
    assert fetched is not None and fetched.connector_type is connector_type
    assert_identical(fetched, store.connectors.list()[0])


def test_every_field_round_trips(store: Store) -> None:
    connector = FileConnector(
        connector_id="file-1",
        tenant_id="tenant-a",
        name="Files",
        config=ConnectorConfig(
            endpoint="https://files.example/api",
            timeout_seconds=5,
            max_retries=0,
            retry_delay_seconds=7,
            auth_type="api_key",
            credentials={"api_key": "s3cret", "nested": {"token": "x"}},
            rate_limit_enabled=True,
            rate_limit_requests=10,
            rate_limit_window_seconds=1,
            options={"region": "eu", "retries": [1, 2.5]},
        ),
        status=ConnectorStatus.READY,
        capabilities=(ConnectorCapability.READ, ConnectorCapability.BATCH),
        last_connected=datetime(2025, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        last_error="timeout",
        connection_count=4,
        error_count=2,
        metadata={"owner": "ops", "n": 1},
        storage_type="s3",
        base_path="/bucket",
    )

    stored = store.connectors.register(connector)

    expected = FileConnector(
        **{
            **{
                name: getattr(connector, name)
                for name in (
                    "connector_id",
                    "tenant_id",
                    "name",
                    "config",
                    "status",
                    "capabilities",
                    "last_error",
                    "connection_count",
                    "error_count",
                    "metadata",
                    "storage_type",
                    "base_path",
                )
            },
            "last_connected": datetime(2025, 5, 6, 7, 8, 9, 123000, tzinfo=UTC),
            "created_at": DEFAULT_START,
            "updated_at": DEFAULT_START,
            "revision": 1,
        }
    )
    assert_identical(stored, expected)
    assert_identical(store.connectors.get("file-1"), expected)


def test_register_stamps_created_and_updated_from_the_store_clock(
    store: Store, clock: FixedClock
) -> None:
    clock.set(datetime(2030, 1, 1, 12, 0, 0, 999999, tzinfo=UTC))
    given = datetime(2001, 1, 1, tzinfo=UTC)
    connector = Connector(
        connector_id="c", tenant_id="t", name="n", created_at=given, updated_at=given
    )

    stored = store.connectors.register(connector)

    expected_time = datetime(2030, 1, 1, 12, 0, 0, 999000, tzinfo=UTC)
    assert stored.created_at == stored.updated_at == expected_time
    assert stored.created_at is not None and stored.created_at.tzinfo is UTC
    assert clock.readings == 1


def test_create_helpers_draw_one_id_each_from_the_id_factory(
    store: Store, ids: SequentialIds
) -> None:
    vector = store.connectors.create_vector_connector("t", "v", vector_dimension=8)
    file = store.connectors.create_file_connector("t", "f", storage_type="gcs")
    serverless = store.connectors.create_serverless_connector("t", "s", platform="gcp_functions")

    assert vector.connector_id == "00000000-0000-0000-0000-000000000001"
    assert file.connector_id == "00000000-0000-0000-0000-000000000002"
    assert serverless.connector_id == "00000000-0000-0000-0000-000000000003"
    assert ids.drawn == 3
    assert isinstance(vector, VectorConnector) and vector.vector_dimension == 8
    assert isinstance(file, FileConnector) and file.storage_type == "gcs"
    assert isinstance(serverless, ServerlessConnector) and serverless.platform == "gcp_functions"
    assert serverless.capabilities == (ConnectorCapability.READ, ConnectorCapability.WRITE)


def test_create_helper_with_explicit_id_draws_no_id(store: Store, ids: SequentialIds) -> None:
    created = store.connectors.create_file_connector(
        "t", "f", config=ConnectorConfig(endpoint="e"), connector_id="mine"
    )

    assert created.connector_id == "mine"
    assert created.config.endpoint == "e"
    assert ids.drawn == 0


def test_registering_a_taken_connector_id_raises_already_exists(store: Store) -> None:
    store.connectors.register(Connector(connector_id="c", tenant_id="t", name="one"))

    with pytest.raises(ConnectorAlreadyExistsError) as raised:
        store.connectors.register(Connector(connector_id="c", tenant_id="t2", name="two"))

    assert raised.value.connector_id == "c"
    assert store.connectors.get_by_name("t2", "two") is None


def test_registering_a_taken_id_and_name_prefers_already_exists(store: Store) -> None:
    store.connectors.register(Connector(connector_id="c", tenant_id="t", name="n"))

    with pytest.raises(ConnectorAlreadyExistsError):
        store.connectors.register(Connector(connector_id="c", tenant_id="t", name="n"))


def test_a_tenant_cannot_have_two_connectors_with_one_name(store: Store) -> None:
    store.connectors.register(Connector(connector_id="c1", tenant_id="t", name="Docs"))

    with pytest.raises(DuplicateConnectorNameError):
        store.connectors.create_vector_connector("t", "Docs")

    assert [c.connector_id for c in store.connectors.list()] == ["c1"]


def test_names_differing_by_case_or_trailing_space_are_distinct(store: Store) -> None:
    for index, name in enumerate(["Docs", "docs", "Docs ", "Döcs"]):
        store.connectors.register(Connector(connector_id=f"c{index}", tenant_id="t", name=name))

    assert [c.name for c in store.connectors.list(tenant_id="t")] == [
        "Docs",
        "Docs ",
        "Döcs",
        "docs",
    ]
    found = store.connectors.get_by_name("t", "Docs ")
    assert found is not None and found.connector_id == "c2"


def test_two_tenants_may_use_the_same_name(store: Store) -> None:
    store.connectors.register(Connector(connector_id="a", tenant_id="t1", name="Docs"))
    store.connectors.register(Connector(connector_id="b", tenant_id="t2", name="Docs"))

    found_1 = store.connectors.get_by_name("t1", "Docs")
    found_2 = store.connectors.get_by_name("t2", "Docs")
    assert found_1 is not None and found_1.connector_id == "a"
    assert found_2 is not None and found_2.connector_id == "b"


def test_mutating_a_passed_or_returned_dict_never_changes_stored_data(store: Store) -> None:
    metadata = {"k": [1]}
    credentials = {"key": "v"}
    stored = store.connectors.register(
        Connector(
            connector_id="c",
            tenant_id="t",
            name="n",
            metadata=metadata,
            config=ConnectorConfig(credentials=credentials),
        )
    )
    metadata["k"].append(2)
    credentials["key"] = "changed"
    stored.metadata["k"].append(3)
    fetched = store.connectors.get("c")
    assert fetched is not None
    fetched.metadata["new"] = True

    again = store.connectors.get("c")

    assert again is not None
    assert again.metadata == {"k": [1]}
    assert again.config.credentials == {"key": "v"}


def test_to_dict_masks_credentials_unless_secrets_are_asked_for(store: Store) -> None:
    stored = store.connectors.create_vector_connector(
        "t", "v", config=ConnectorConfig(credentials={"api_key": "k", "secret": "s"})
    )

    masked = stored.to_dict()
    revealed = stored.to_dict(include_secrets=True)

    assert masked["config"]["credentials"] == {"api_key": "***", "secret": "***"}
    assert revealed["config"]["credentials"] == {"api_key": "k", "secret": "s"}
    assert "credentials" not in repr(stored) and "api_key" not in repr(stored)
    assert masked["created_at"] == DEFAULT_START.isoformat()
    assert masked["connector_type"] == "vector" and masked["status"] == "registered"
    assert masked["capabilities"] == ["read", "write", "search", "vector_search"]
    assert masked["vector_dimension"] == 1536 and masked["distance_metric"] == "cosine"


def test_timestamps_come_back_aware_utc_at_millisecond_precision(
    store: Store, clock: FixedClock
) -> None:
    clock.set(datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC))

    stored = store.connectors.create_vector_connector("t", "v")
    fetched = store.connectors.get(stored.connector_id)

    assert fetched is not None and fetched.created_at is not None
    assert fetched.created_at == datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)
    assert fetched.created_at.utcoffset() == timedelta(0)

"""Upstream's connector test suite, case for case, with real behaviour.

Upstream's own tests exercised simulated connectors (``read_file`` returned ``b"file content"``
whatever was written, ``search`` made up scores, ``invoke`` always said "completed"). These are
the same 32 cases, in the same classes, written against this library: where upstream called an
operation on the connector, the test opens the connector's live client, and where upstream
asserted a simulated answer, the test asserts the real one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import integration_store
from integration_store import (
    ConnectorCapability,
    ConnectorConfig,
    ConnectorRegistry,
    ConnectorStatus,
    ConnectorType,
    FileConnector,
    ServerlessConnector,
    VectorConnector,
    _reset_registry,
    get_connector,
    get_connector_registry,
    list_connectors,
    register_connector,
)
from integration_store.functions import register_function, unregister_function

pytest.importorskip("numpy")
pytest.importorskip("fsspec")


@pytest.fixture(autouse=True)
def reset_registry() -> Iterator[None]:
    _reset_registry()
    yield
    _reset_registry()


def _registered(connector: Any) -> Any:
    """The connector registered in the process-wide registry (upstream kept it in memory)."""
    return register_connector(connector)


def _client(connector: Any) -> Any:
    """Where upstream called an operation on the connector: its live client."""
    return get_connector_registry().open(connector.connector_id)


def _local_files(base: Path) -> FileConnector:
    return FileConnector("file-1", "tenant-1", "Files", None, "local", str(base))


def _local_functions() -> ServerlessConnector:
    return ServerlessConnector("sls-1", "tenant-1", "Functions", None, "local")


class TestConnectorImports:
    def test_type_import(self) -> None:
        assert integration_store.ConnectorType.VECTOR == "vector"

    def test_status_import(self) -> None:
        assert integration_store.ConnectorStatus.READY == "ready"

    def test_capability_import(self) -> None:
        assert integration_store.ConnectorCapability.READ == "read"

    def test_config_import(self) -> None:
        assert integration_store.ConnectorConfig().timeout_seconds == 30

    def test_registry_import(self) -> None:
        assert ConnectorRegistry() is not None

    def test_connectors_import(self) -> None:
        assert (VectorConnector, FileConnector, ServerlessConnector) == (
            integration_store.VectorConnector,
            integration_store.FileConnector,
            integration_store.ServerlessConnector,
        )


class TestConnectorConfig:
    def test_default_values(self) -> None:
        config = ConnectorConfig()
        assert (config.timeout_seconds, config.max_retries, config.rate_limit_enabled) == (
            30,
            3,
            False,
        )

    def test_to_dict_masks_secrets(self) -> None:
        config = ConnectorConfig(credentials={"api_key": "secret"})
        assert config.to_dict()["credentials"]["api_key"] == "***"


class TestVectorConnector:
    def test_vector_connector_creation(self) -> None:
        connector = VectorConnector(connector_id="vec-1", tenant_id="tenant-1", name="Vector DB")

        assert connector.connector_type == ConnectorType.VECTOR
        assert connector.vector_dimension == 1536
        assert ConnectorCapability.VECTOR_SEARCH in connector.capabilities

    def test_vector_connector_connect(self) -> None:
        connector = _registered(VectorConnector("vec-1", "tenant-1", "Vector DB"))
        client = _client(connector)

        assert client.connect() is True
        assert client.connector.status == ConnectorStatus.CONNECTED
        assert get_connector("vec-1").connection_count == 1

    def test_vector_connector_search(self) -> None:
        connector = _registered(VectorConnector("vec-1", "tenant-1", "Vector DB", None, 3))
        client = _client(connector)
        client.connect()
        client.upsert_vectors(
            [
                {"id": "north", "values": [0.0, 1.0, 0.0]},
                {"id": "east", "values": [1.0, 0.0, 0.0]},
                {"id": "up", "values": [0.0, 0.0, 1.0]},
            ]
        )

        results = client.search([0.1, 0.9, 0.0], top_k=2)

        assert len(results) <= 2
        assert [hit["id"] for hit in results] == ["north", "east"]
        assert results[0]["score"] > results[1]["score"]

    def test_vector_connector_upsert(self) -> None:
        connector = _registered(VectorConnector("vec-1", "tenant-1", "Vector DB"))
        client = _client(connector)
        client.connect()

        result = client.upsert_vectors(
            [{"id": "v1", "values": [0.1] * 1536}, {"id": "v2", "values": [0.2] * 1536}]
        )

        assert result["upserted"] == 2
        assert {hit["id"] for hit in client.search([0.1] * 1536, top_k=5)} == {"v1", "v2"}


class TestFileConnector:
    def test_file_connector_creation(self) -> None:
        connector = FileConnector(
            connector_id="file-1", tenant_id="tenant-1", name="File Storage", storage_type="s3"
        )

        assert connector.connector_type == ConnectorType.FILE
        assert connector.storage_type == "s3"
        assert ConnectorCapability.READ in connector.capabilities

    def test_file_connector_connect(self, tmp_path: Path) -> None:
        connector = _registered(_local_files(tmp_path))
        client = _client(connector)

        assert client.connect() is True
        assert client.connector.status == ConnectorStatus.CONNECTED

    def test_file_connector_list(self, tmp_path: Path) -> None:
        (tmp_path / "report.csv").write_bytes(b"a,b\n")
        connector = _registered(_local_files(tmp_path))
        client = _client(connector)
        client.connect()

        files = client.list_files("/")

        assert [(entry["name"], entry["path"], entry["size"]) for entry in files] == [
            ("report.csv", "/report.csv", 4)
        ]

    def test_file_connector_write_read(self, tmp_path: Path) -> None:
        connector = _registered(_local_files(tmp_path))
        client = _client(connector)
        client.connect()

        write_result = client.write_file("/test.txt", b"content")
        assert write_result["status"] == "success"

        assert client.read_file("/test.txt") == b"content"
        assert (tmp_path / "test.txt").read_bytes() == b"content"


class TestServerlessConnector:
    @pytest.fixture(autouse=True)
    def functions(self) -> Iterator[None]:
        register_function("my-function", lambda payload: {"echo": payload, "length": len(payload)})
        yield
        unregister_function("my-function")

    def test_serverless_connector_creation(self) -> None:
        connector = ServerlessConnector(
            connector_id="sls-1", tenant_id="tenant-1", name="Lambda", platform="aws_lambda"
        )

        assert connector.connector_type == ConnectorType.SERVERLESS
        assert connector.platform == "aws_lambda"

    def test_serverless_connector_invoke(self) -> None:
        connector = _registered(_local_functions())
        client = _client(connector)
        client.connect()

        result = client.invoke("my-function", {"key": "value"})

        assert result["status"] == "completed"
        assert result["result"] == {"echo": {"key": "value"}, "length": 1}
        assert client.get_result(result["request_id"])["result"] == result["result"]

    def test_serverless_connector_list_functions(self) -> None:
        connector = _registered(_local_functions())
        client = _client(connector)
        client.connect()

        functions = client.list_functions()

        assert "my-function" in [function["name"] for function in functions]


class TestConnectorRegistry:
    def test_registry_creation(self) -> None:
        assert ConnectorRegistry() is not None

    def test_register_vector_connector(self) -> None:
        registry = ConnectorRegistry()
        connector = registry.create_vector_connector(tenant_id="tenant-1", name="Vector DB")

        assert connector.connector_type == ConnectorType.VECTOR
        assert registry.get(connector.connector_id) is not None

    def test_register_file_connector(self) -> None:
        registry = ConnectorRegistry()
        connector = registry.create_file_connector(
            tenant_id="tenant-1", name="File Storage", storage_type="s3"
        )

        assert connector.connector_type == ConnectorType.FILE
        assert connector.storage_type == "s3"

    def test_register_serverless_connector(self) -> None:
        registry = ConnectorRegistry()
        connector = registry.create_serverless_connector(
            tenant_id="tenant-1", name="Lambda", platform="aws_lambda"
        )

        assert connector.connector_type == ConnectorType.SERVERLESS
        assert connector.platform == "aws_lambda"

    def test_list_by_type(self) -> None:
        registry = ConnectorRegistry()
        registry.create_vector_connector(tenant_id="tenant-1", name="Vec 1")
        registry.create_vector_connector(tenant_id="tenant-1", name="Vec 2")
        registry.create_file_connector(tenant_id="tenant-1", name="File 1")

        assert len(registry.list(connector_type=ConnectorType.VECTOR)) == 2
        assert len(registry.list(connector_type=ConnectorType.FILE)) == 1

    def test_list_by_tenant(self) -> None:
        registry = ConnectorRegistry()
        registry.create_vector_connector(tenant_id="tenant-1", name="Vec 1")
        registry.create_vector_connector(tenant_id="tenant-2", name="Vec 2")

        assert len(registry.list(tenant_id="tenant-1")) == 1
        assert len(registry.list(tenant_id="tenant-2")) == 1

    def test_get_by_name(self) -> None:
        registry = ConnectorRegistry()
        registry.create_vector_connector(tenant_id="tenant-1", name="My Vector DB")

        connector = registry.get_by_name("tenant-1", "My Vector DB")
        assert connector is not None
        assert connector.name == "My Vector DB"

    def test_delete_connector(self) -> None:
        registry = ConnectorRegistry()
        connector = registry.create_vector_connector(tenant_id="tenant-1", name="To Delete")

        assert registry.delete(connector.connector_id) is True
        assert registry.get(connector.connector_id) is None

    def test_get_statistics(self) -> None:
        registry = ConnectorRegistry()
        registry.create_vector_connector(tenant_id="tenant-1", name="Vec 1")
        registry.create_file_connector(tenant_id="tenant-1", name="File 1")
        registry.create_serverless_connector(tenant_id="tenant-1", name="Sls 1")

        stats = registry.get_statistics()
        assert stats.total_connectors == 3
        assert stats.connectors_by_type == {"vector": 1, "file": 1, "serverless": 1}

    def test_clear_tenant(self) -> None:
        registry = ConnectorRegistry()
        for i in range(3):
            registry.create_vector_connector(tenant_id="tenant-1", name=f"Vec {i}")

        assert registry.clear_tenant("tenant-1") == 3
        assert len(registry.list(tenant_id="tenant-1")) == 0


class TestHelperFunctions:
    def test_get_connector_registry(self) -> None:
        assert get_connector_registry() is get_connector_registry()

    def test_register_and_get_connector(self) -> None:
        register_connector(VectorConnector(connector_id="vec-1", tenant_id="tenant-1", name="Test"))

        retrieved = get_connector("vec-1")
        assert retrieved is not None
        assert retrieved.connector_id == "vec-1"

    def test_list_connectors(self) -> None:
        registry = get_connector_registry()
        registry.create_vector_connector(tenant_id="tenant-1", name="Vec 1")
        registry.create_file_connector(tenant_id="tenant-1", name="File 1")

        assert len(list_connectors()) == 2
        assert len(list_connectors(connector_type=ConnectorType.VECTOR)) == 1

"""Every public name of DESIGN's API is importable from the top-level package."""

from __future__ import annotations

import importlib.resources

import pytest

import integration_store

PUBLIC_NAMES = [
    "open_store",
    "Store",
    "ConnectorRegistry",
    "ExternalResponseService",
    "WorkerRegistryService",
    "ConnectorType",
    "ConnectorStatus",
    "ConnectorCapability",
    "ConnectorConfig",
    "Connector",
    "VectorConnector",
    "FileConnector",
    "ServerlessConnector",
    "UnknownKindConnector",
    "ConnectorStats",
    "ConnectorError",
    "ExternalResponse",
    "InterpretedResponse",
    "Worker",
    "WorkerConfig",
    "WorkerStatus",
    "IntegrationStoreError",
    "ValidationError",
    "BackendUnavailableError",
    "OutcomeUnknownError",
    "TransactionConflictError",
    "BackendAccessError",
    "SecretKeyError",
    "UnsupportedOperationError",
    "ConnectorAlreadyExistsError",
    "DuplicateConnectorNameError",
    "ConnectorNotFoundError",
    "ResponseNotFoundError",
    "WorkerRegistryError",
    "WorkerNotFoundError",
    "WorkerUnavailableError",
    "WorkerAlreadyExistsError",
    "StaleObjectError",
    "Page",
    "get_connector_registry",
    "register_connector",
    "get_connector",
    "list_connectors",
    "_reset_registry",
    "BaseConnector",
    "ConnectorClient",
    "record_external_response",
    "interpret_response",
    "get_interpreted_response",
    "get_worker_registry_service",
    "VECTORS",
    "INVOCATIONS",
]


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_public_name_is_exported_at_top_level(name: str) -> None:
    assert hasattr(integration_store, name)
    assert name in integration_store.__all__


def test_every_error_has_one_root() -> None:
    for name in PUBLIC_NAMES:
        value = getattr(integration_store, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, integration_store.IntegrationStoreError), name


def test_the_version_is_the_installed_distributions() -> None:
    from importlib.metadata import version

    assert integration_store.__version__ == version("integration-store")


def test_validation_error_is_also_a_value_error() -> None:
    assert issubclass(integration_store.ValidationError, ValueError)


def test_package_ships_py_typed() -> None:
    assert importlib.resources.files("integration_store").joinpath("py.typed").is_file()


def test_backends_and_contract_suite_are_importable_under_the_package() -> None:
    import integration_store.backends.memory as memory
    import integration_store.contract as contract

    assert memory.provider is not None
    assert contract.__doc__ and "--store-url" in contract.__doc__

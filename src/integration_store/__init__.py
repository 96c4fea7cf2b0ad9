"""integration-store: connectors, external responses and workers behind one repository
interface, on swappable, contract-tested backends. Start with ``open_store(url)``."""

from importlib.metadata import PackageNotFoundError, version

from integration_store.default_registry import (
    _reset_registry,
    get_connector,
    get_connector_registry,
    list_connectors,
    register_connector,
)
from integration_store.errors import (
    AlreadyInterpretedError,
    BackendAccessError,
    BackendUnavailableError,
    ConflictError,
    ConnectorAlreadyExistsError,
    ConnectorError,
    ConnectorNotFoundError,
    DuplicateConnectorNameError,
    IntegrationStoreError,
    LeaseLostError,
    NotFoundError,
    OutcomeUnknownError,
    ResponseAlreadyExistsError,
    ResponseNotFoundError,
    SecretKeyError,
    StaleObjectError,
    StoreClosedError,
    TransactionConflictError,
    UnsupportedOperationError,
    ValidationError,
    WorkerAlreadyExistsError,
    WorkerNotFoundError,
    WorkerRegistryError,
    WorkerUnavailableError,
)
from integration_store.live.client import ConnectorClient
from integration_store.model.connectors import (
    BaseConnector,
    Connector,
    ConnectorCapability,
    ConnectorConfig,
    ConnectorStats,
    ConnectorStatus,
    ConnectorType,
    FileConnector,
    ServerlessConnector,
    UnknownKindConnector,
    VectorConnector,
)
from integration_store.model.responses import ExternalResponse, InterpretedResponse
from integration_store.model.workers import Worker, WorkerConfig, WorkerStatus
from integration_store.module_helpers import (
    get_interpreted_response,
    get_worker_registry_service,
    interpret_response,
    record_external_response,
)
from integration_store.paging import Page
from integration_store.protocols import CLAIMS, INVOCATIONS, SKIP_LOCKED, TRANSACTIONS, VECTORS
from integration_store.services import (
    ConnectorRegistry,
    ExternalResponseService,
    WorkerRegistryService,
)
from integration_store.store import Store, UnitOfWork, open_store

try:
    __version__ = version("integration-store")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "CLAIMS",
    "INVOCATIONS",
    "SKIP_LOCKED",
    "TRANSACTIONS",
    "VECTORS",
    "AlreadyInterpretedError",
    "BackendAccessError",
    "BackendUnavailableError",
    "BaseConnector",
    "ConflictError",
    "Connector",
    "ConnectorAlreadyExistsError",
    "ConnectorCapability",
    "ConnectorClient",
    "ConnectorConfig",
    "ConnectorError",
    "ConnectorNotFoundError",
    "ConnectorRegistry",
    "ConnectorStats",
    "ConnectorStatus",
    "ConnectorType",
    "DuplicateConnectorNameError",
    "ExternalResponse",
    "ExternalResponseService",
    "FileConnector",
    "IntegrationStoreError",
    "InterpretedResponse",
    "LeaseLostError",
    "NotFoundError",
    "OutcomeUnknownError",
    "Page",
    "ResponseAlreadyExistsError",
    "ResponseNotFoundError",
    "SecretKeyError",
    "ServerlessConnector",
    "StaleObjectError",
    "Store",
    "StoreClosedError",
    "TransactionConflictError",
    "UnitOfWork",
    "UnknownKindConnector",
    "UnsupportedOperationError",
    "ValidationError",
    "VectorConnector",
    "Worker",
    "WorkerAlreadyExistsError",
    "WorkerConfig",
    "WorkerNotFoundError",
    "WorkerRegistryError",
    "WorkerRegistryService",
    "WorkerStatus",
    "WorkerUnavailableError",
    "_reset_registry",
    "get_connector",
    "get_connector_registry",
    "get_interpreted_response",
    "get_worker_registry_service",
    "interpret_response",
    "list_connectors",
    "open_store",
    "record_external_response",
    "register_connector",
]

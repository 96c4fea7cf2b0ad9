"""The public API of the three drivers, written once on top of the storage protocols."""

from integration_store.services.connectors import ConnectorRegistry
from integration_store.services.responses import ExternalResponseService
from integration_store.services.workers import WorkerRegistryService

__all__ = ["ConnectorRegistry", "ExternalResponseService", "WorkerRegistryService"]

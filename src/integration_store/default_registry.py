"""Upstream's module-level helpers, for drop-in use: one process-wide store opened from
``INTEGRATION_STORE_URL`` (default ``memory://``)."""

from __future__ import annotations

import os
import threading

from integration_store.model.connectors import Connector, ConnectorType
from integration_store.services.connectors import C, ConnectorRegistry
from integration_store.store import Store, open_store

_lock = threading.Lock()
_store: Store | None = None


def get_connector_registry() -> ConnectorRegistry:
    """The registry of the process-wide store, opened (and its schema created) on first use."""
    global _store
    with _lock:
        if _store is None:
            store = open_store(os.environ.get("INTEGRATION_STORE_URL", "memory://"))
            store.create_schema()
            _store = store
        return _store.connectors


def register_connector(connector: C) -> C:
    """Register a connector in the process-wide registry."""
    return get_connector_registry().register(connector)


def get_connector(connector_id: str) -> Connector | None:
    """A connector of the process-wide registry, or None."""
    return get_connector_registry().get(connector_id)


def list_connectors(
    tenant_id: str | None = None, connector_type: ConnectorType | None = None
) -> list[Connector]:
    """Connectors of the process-wide registry (first 100, by name then id)."""
    return get_connector_registry().list(tenant_id=tenant_id, connector_type=connector_type)


def _reset_registry() -> None:
    """Close and forget the process-wide store (for tests); the next call opens a new one."""
    global _store
    with _lock:
        if _store is not None:
            _store.close()
        _store = None

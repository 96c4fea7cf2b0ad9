"""The store opens, stores and returns an object on every backend."""

from __future__ import annotations

from integration_store import VectorConnector
from integration_store.store import Store
from integration_store.testing import assert_identical


def test_registered_connector_comes_back_identical(store: Store, reference: Store) -> None:
    connector = VectorConnector(connector_id="vec-1", tenant_id="t", name="V")

    stored = store.connectors.register(connector)

    assert_identical(stored, reference.connectors.register(connector))
    assert_identical(store.connectors.get("vec-1"), stored)

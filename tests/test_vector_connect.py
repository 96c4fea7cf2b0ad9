"""Connecting a builtin vector client to a store whose backend lacks the ``vectors``
capability fails, with the reason recorded, rather than failing later on the first call."""

from __future__ import annotations

import pytest

from integration_store import open_store
from integration_store.protocols import VECTORS

pytest.importorskip("numpy")


def test_a_backend_without_vectors_fails_connect_with_the_capability_named() -> None:
    with open_store("memory://") as store:
        backend = store.backend
        object.__setattr__(backend, "capabilities", backend.capabilities - {VECTORS})
        connector = store.connectors.create_vector_connector("t", "V", vector_dimension=3)
        client = store.connectors.open(connector.connector_id)

        assert client.connect() is False

        failed = store.connectors.get(connector.connector_id)
        assert failed is not None and failed.error_count == 1
        assert "needs the capability 'vectors'" in (failed.last_error or "")

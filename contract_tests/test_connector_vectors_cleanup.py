"""Deleting a connector removes its vectors, so an id registered again starts empty."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from integration_store import FileConnector, VectorConnector
from integration_store.protocols import VectorStorage
from integration_store.store import Store

pytestmark = pytest.mark.requires("vectors")

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _vector(connector_id: str, vector_id: str) -> dict[str, Any]:
    return {
        "connector_id": connector_id,
        "vector_id": vector_id,
        "dimension": 1,
        "vector_values": b"\x00\x00\x80?",  # float32 1.0
        "metadata": {},
        "updated_at": WHEN,
    }


def _vectors(store: Store) -> VectorStorage:
    storage = store.backend.storages.vectors
    assert storage is not None
    return storage


def test_deleting_a_connector_removes_its_vectors_and_moves_its_generation_on(
    store: Store,
) -> None:
    store.connectors.register(VectorConnector("v", "t", "n", None, 1))
    store.connectors.register(VectorConnector("kept", "t", "kept", None, 1))
    vectors = _vectors(store)
    vectors.upsert("v", [_vector("v", "a"), _vector("v", "b")])
    vectors.upsert("kept", [_vector("kept", "a")])

    assert store.connectors.delete("v")

    assert vectors.load("v", None, 10) == []
    assert vectors.generation("v") == 2  # a client holding the old ones reloads
    assert [row["vector_id"] for row in vectors.load("kept", None, 10)] == ["a"]


def test_a_refused_delete_leaves_the_vectors(store: Store) -> None:
    store.connectors.register(VectorConnector("v", "t", "n", None, 1))
    _vectors(store).upsert("v", [_vector("v", "a")])

    assert not store.connectors.delete("v", tenant_id="other")

    assert len(_vectors(store).load("v", None, 10)) == 1


def test_clearing_a_tenant_removes_the_vectors_of_its_vector_connectors(store: Store) -> None:
    store.connectors.register(VectorConnector("v1", "t", "one", None, 1))
    store.connectors.register(VectorConnector("v2", "t", "two", None, 1))
    store.connectors.register(FileConnector("f", "t", "files"))
    store.connectors.register(VectorConnector("other", "u", "one", None, 1))
    vectors = _vectors(store)
    for connector_id in ("v1", "v2", "other"):
        vectors.upsert(connector_id, [_vector(connector_id, "a")])

    assert store.connectors.clear_tenant("t") == 3

    assert vectors.load("v1", None, 10) == vectors.load("v2", None, 10) == []
    assert len(vectors.load("other", None, 10)) == 1
    assert vectors.generation("f") == 0  # a connector that never had vectors gets no generation


@pytest.mark.requires("transactions")
def test_a_delete_rolled_back_keeps_the_vectors(store: Store) -> None:
    store.connectors.register(VectorConnector("v", "t", "n", None, 1))
    _vectors(store).upsert("v", [_vector("v", "a")])

    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.connectors.delete("v")
        raise RuntimeError("changed my mind")

    assert store.connectors.get("v") is not None
    assert len(_vectors(store).load("v", None, 10)) == 1

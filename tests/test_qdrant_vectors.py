"""Qdrant as a vector provider: embedded in-process Qdrant (``QdrantClient(":memory:")`` or on
disk) gives the same results as the builtin provider, checks arguments the same way, and keeps
credentials out of every message."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from integration_store import ConnectorConfig, ValidationError, open_store
from integration_store.store import Store

np = pytest.importorskip("numpy")
pytest.importorskip("qdrant_client")

from integration_store.live.vectors import VectorClient  # noqa: E402

METRICS = ("cosine", "dot", "euclidean")
SECRET = "qdrant-secret-key-123"


@pytest.fixture
def store() -> Iterator[Store]:
    with open_store("memory://") as store:
        yield store


def _client(
    store: Store,
    provider: str,
    metric: str = "cosine",
    dimension: int = 8,
    config: ConnectorConfig | None = None,
    name: str | None = None,
) -> VectorClient:
    options = {"provider": provider}
    given = config or ConnectorConfig()
    connector = store.connectors.create_vector_connector(
        "t",
        name or f"{provider}-{metric}-{dimension}",
        config=ConnectorConfig(
            endpoint=given.endpoint,
            credentials=given.credentials,
            options={**options, **given.options},
        ),
        vector_dimension=dimension,
        distance_metric=metric,
    )
    return cast(VectorClient, store.connectors.open(connector.connector_id))


def _connected(store: Store, provider: str, metric: str = "cosine", dimension: int = 8) -> Any:
    client = _client(store, provider, metric, dimension)
    assert client.connect(), client.last_failure
    return client


def _random_batch(seed: int, count: int, dimension: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    return [
        {
            "id": f"doc-{n:04}",
            "values": rng.normal(size=dimension).tolist(),
            "metadata": {"group": int(n % 4), "even": n % 2 == 0},
        }
        for n in range(count)
    ]


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("filters", [None, {"group": 1}, {"group": 2, "even": True}])
def test_qdrant_and_builtin_return_the_same_neighbours(
    store: Store, metric: str, filters: dict[str, Any] | None
) -> None:
    builtin = _connected(store, "builtin", metric)
    qdrant = _connected(store, "qdrant", metric)
    batch = _random_batch(3, 400, 8)
    for client in (builtin, qdrant):
        client.upsert_vectors(batch)
        client.delete_vectors(["doc-0007", "doc-0100"])
    rng = np.random.default_rng(4)

    for _ in range(5):
        query = rng.normal(size=8).tolist()
        expected = builtin.search(query, top_k=25, filter_metadata=filters)
        found = qdrant.search(query, top_k=25, filter_metadata=filters)
        assert [hit["id"] for hit in found] == [hit["id"] for hit in expected]
        assert [hit["metadata"] for hit in found] == [hit["metadata"] for hit in expected]
        assert [hit["score"] for hit in found] == pytest.approx(
            [hit["score"] for hit in expected], rel=1e-5, abs=1e-5
        )
        assert len(found) == 25


@pytest.mark.parametrize("metric", METRICS)
def test_qdrant_orders_ties_by_id_across_the_cut(store: Store, metric: str) -> None:
    client = _connected(store, "qdrant", metric, 2)
    tied = [f"t{n:02}" for n in range(40, 0, -1)]
    client.upsert_vectors([{"id": key, "values": [1.0, 1.0]} for key in tied])

    hits = client.search([1.0, 1.0], top_k=5)

    assert [hit["id"] for hit in hits] == sorted(tied)[:5]


def test_qdrant_filters_are_exact_json_equality(store: Store) -> None:
    client = _connected(store, "qdrant", "dot", 2)
    client.upsert_vectors(
        [
            {"id": "int", "values": [1, 0], "metadata": {"n": 1}},
            {"id": "float", "values": [1, 0], "metadata": {"n": 1.0}},
            {"id": "bool", "values": [1, 0], "metadata": {"n": True}},
            {"id": "list", "values": [1, 0], "metadata": {"n": [1], "a.b": {"c": None}}},
        ]
    )

    def found(filters: dict[str, Any]) -> list[str]:
        return [hit["id"] for hit in client.search([1, 0], 10, filter_metadata=filters)]

    assert found({"n": 1}) == ["int"]
    assert found({"n": 1.0}) == ["float"]
    assert found({"n": True}) == ["bool"]
    assert found({"n": [1]}) == ["list"]
    assert found({"a.b": {"c": None}}) == ["list"]


def test_qdrant_upserts_replace_and_deletes_count_what_existed(store: Store) -> None:
    client = _connected(store, "qdrant", "cosine", 2)
    client.upsert_vectors([{"id": "a", "values": [1, 0]}, {"id": "b", "values": [0, 1]}])
    client.upsert_vectors([{"id": "a", "values": [0, 1], "metadata": {"v": 2}}])

    assert client.search([0, 1], top_k=1) == [{"id": "a", "score": 1.0, "metadata": {"v": 2}}]
    assert client.delete_vectors(["a", "zzz"]) == {"deleted": 1, "status": "success"}
    assert [hit["id"] for hit in client.search([0, 1])] == ["b"]


def test_qdrant_refuses_what_builtin_refuses_before_writing(store: Store) -> None:
    client = _connected(store, "qdrant", "cosine", 2)

    with pytest.raises(ValidationError) as raised:
        client.upsert_vectors([{"id": "a", "values": [1, 0]}, {"id": "b", "values": [0, 0]}])

    assert raised.value.field == "vectors[1].values"
    assert client.search([1, 0]) == []


def test_qdrant_on_disk_keeps_vectors_and_refuses_another_dimension(
    store: Store, tmp_path: Path
) -> None:
    on_disk = ConnectorConfig(options={"path": str(tmp_path / "qdrant"), "collection": "docs"})
    first = _client(store, "qdrant", "dot", 2, on_disk, name="first")
    with first:
        first.upsert_vectors([{"id": "a", "values": [1, 2]}])
    with first:
        assert first.search([1, 0]) == [{"id": "a", "score": 1.0, "metadata": {}}]

    other = _client(store, "qdrant", "dot", 3, on_disk, name="other")
    assert other.connect() is False
    failed = store.connectors.get(other.connector_id)
    assert failed is not None and "holds 2-dimensional vectors" in (failed.last_error or "")


@pytest.mark.filterwarnings("ignore:Api key is used with an insecure connection")
def test_a_qdrant_server_that_does_not_answer_fails_connect_without_the_api_key(
    store: Store,
) -> None:
    config = ConnectorConfig(endpoint="http://127.0.0.1:9", credentials={"api_key": SECRET})
    client = _client(store, "qdrant", config=config)

    assert client.connect() is False

    failed = store.connectors.get(client.connector_id)
    assert failed is not None and failed.error_count == 1
    assert (failed.last_error or "").startswith("connect failed:")
    assert SECRET not in (failed.last_error or "")
    assert SECRET not in repr(client.last_failure)


def test_without_qdrant_client_connect_fails_naming_the_extra(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "integration_store.live.qdrant_vectors", None)
    client = _client(store, "qdrant")

    assert client.connect() is False

    failed = store.connectors.get(client.connector_id)
    assert failed is not None and "pip install 'integration-store[qdrant]'" in (
        failed.last_error or ""
    )

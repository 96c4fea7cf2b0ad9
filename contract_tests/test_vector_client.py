"""The builtin vector client, through ``store.connectors.open(id)``: what connecting records,
exact nearest neighbours, equality filters, ties by id, all-or-nothing validation, and a search
that sees what another store on the same database wrote."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, cast

import pytest

from integration_store import ConnectorConfig, ConnectorError, ValidationError
from integration_store.protocols import VECTORS
from integration_store.store import Store
from integration_store.targets import StoreFactory
from integration_store.testing import FixedClock, SequentialIds

if TYPE_CHECKING:
    from integration_store.live.vectors import VectorClient

np = pytest.importorskip("numpy")  # the [vectors] extra, part of [contract]

pytestmark = pytest.mark.requires(VECTORS)

METRICS = ("cosine", "dot", "euclidean")


def _connector(store: Store, dimension: int = 4, metric: str = "cosine", **options: Any) -> str:
    connector = store.connectors.create_vector_connector(
        "t",
        f"vectors-{metric}",
        config=ConnectorConfig(options=options),
        vector_dimension=dimension,
        distance_metric=metric,
        connector_id=f"vec-{metric}",
    )
    return connector.connector_id


def _open(store: Store, connector_id: str) -> VectorClient:
    return cast("VectorClient", store.connectors.open(connector_id))


def _connected(store: Store, dimension: int = 4, metric: str = "cosine") -> VectorClient:
    client = _open(store, _connector(store, dimension, metric))
    assert client.connect(), client.last_failure
    return client


def _ids(hits: list[dict[str, Any]]) -> list[str]:
    return [hit["id"] for hit in hits]


def _brute_force(
    vectors: dict[str, list[float]], query: list[float], metric: str, top_k: int
) -> list[tuple[str, float]]:
    """The reference: every score computed one by one from the float32-rounded values."""
    q = np.asarray(query, dtype=np.float32).astype(np.float64)
    scored = []
    for vector_id, given in vectors.items():
        v = np.asarray(given, dtype=np.float32).astype(np.float64)
        if metric == "cosine":
            score = float(v @ q / (np.linalg.norm(v) * np.linalg.norm(q)))
        elif metric == "dot":
            score = float(v @ q)
        else:
            score = float(np.linalg.norm(v - q))
        scored.append((vector_id, score))
    sign = 1.0 if metric == "euclidean" else -1.0
    scored.sort(key=lambda item: (sign * item[1], item[0]))
    return scored[:top_k]


# ---- connecting --------------------------------------------------------------------------


def test_connect_records_a_connection_and_disconnect_the_status(store: Store) -> None:
    client = store.connectors.open(_connector(store))

    assert client.connect() is True
    connected = store.connectors.get("vec-cosine")
    assert connected is not None
    assert (connected.status.value, connected.connection_count) == ("connected", 1)
    assert client.health_check() is True

    client.disconnect()
    disconnected = store.connectors.get("vec-cosine")
    assert disconnected is not None and disconnected.status.value == "disconnected"
    assert client.health_check() is False


@pytest.mark.parametrize(
    ("call", "arguments"),
    [
        ("upsert_vectors", ([{"id": "a", "values": [1.0, 0.0, 0.0, 0.0]}],)),
        ("search", ([1.0, 0.0, 0.0, 0.0],)),
        ("delete_vectors", (["a"],)),
    ],
)
def test_calls_before_connect_and_after_disconnect_are_refused(
    store: Store, call: str, arguments: tuple[Any, ...]
) -> None:
    client = store.connectors.open(_connector(store))
    with pytest.raises(ConnectorError, match="Not connected"):
        getattr(client, call)(*arguments)
    assert client.connect()
    client.disconnect()
    with pytest.raises(ConnectorError, match="Not connected"):
        getattr(client, call)(*arguments)


@pytest.mark.parametrize(
    ("options", "metric", "reason"),
    [
        ({"provider": "pinecone"}, "cosine", "unknown vector provider 'pinecone'"),
        ({}, "manhattan", "distance_metric: must be one of cosine, dot, euclidean"),
    ],
)
def test_a_connector_that_cannot_work_fails_to_connect_with_the_reason_recorded(
    store: Store, options: dict[str, Any], metric: str, reason: str
) -> None:
    client = store.connectors.open(_connector(store, metric=metric, **options))

    assert client.connect() is False
    failed = store.connectors.get(f"vec-{metric}")
    assert failed is not None
    assert (failed.status.value, failed.error_count) == ("error", 1)
    assert reason in (failed.last_error or "")
    with pytest.raises(ConnectorError, match="could not connect"), client:
        pass


# ---- upserts, searches, deletes ----------------------------------------------------------


def test_upsert_replaces_the_vector_with_the_same_id(store: Store) -> None:
    client = _connected(store)
    client.upsert_vectors([{"id": "a", "values": [1, 0, 0, 0], "metadata": {"v": 1}}])

    result = client.upsert_vectors([{"id": "a", "values": [0, 1, 0, 0], "metadata": {"v": 2}}])

    assert result == {"upserted": 1, "status": "success"}
    assert client.search([0, 1, 0, 0]) == [{"id": "a", "score": 1.0, "metadata": {"v": 2}}]


@pytest.mark.parametrize("metric", METRICS)
def test_search_finds_the_true_nearest_neighbours(store: Store, metric: str) -> None:
    rng = np.random.default_rng(7)
    vectors = {f"v{n:03}": rng.normal(size=8).tolist() for n in range(300)}
    client = _connected(store, 8, metric)
    client.upsert_vectors([{"id": key, "values": value} for key, value in vectors.items()])

    for _ in range(5):
        query = rng.normal(size=8).tolist()
        hits = client.search(query, top_k=10)
        expected = _brute_force(vectors, query, metric, 10)
        assert _ids(hits) == [vector_id for vector_id, _ in expected]
        assert [hit["score"] for hit in hits] == pytest.approx(
            [score for _, score in expected], rel=1e-9, abs=1e-12
        )


def test_values_are_kept_as_float32(store: Store) -> None:
    client = _connected(store, 2, "dot")
    client.upsert_vectors([{"id": "a", "values": [0.1, 0.0]}])

    [hit] = client.search([1.0, 0.0], top_k=1)

    assert hit["score"] == float(np.float32(0.1))


def test_filters_match_every_key_with_an_equal_value_of_the_same_type(store: Store) -> None:
    client = _connected(store, 2)
    client.upsert_vectors(
        [
            {"id": "int", "values": [1, 0], "metadata": {"n": 1, "lang": "en"}},
            {"id": "float", "values": [1, 0], "metadata": {"n": 1.0, "lang": "en"}},
            {"id": "bool", "values": [1, 0], "metadata": {"n": True, "lang": "en"}},
            {"id": "other", "values": [1, 0], "metadata": {"n": 1, "lang": "fr"}},
            {"id": "list", "values": [1, 0], "metadata": {"n": [1], "tags": {"a": [1, None]}}},
            {"id": "none", "values": [1, 0]},
        ]
    )

    def found(filters: dict[str, Any]) -> list[str]:
        return _ids(client.search([1, 0], top_k=100, filter_metadata=filters))

    assert found({"n": 1}) == ["int", "other"]
    assert found({"n": 1.0}) == ["float"]
    assert found({"n": True}) == ["bool"]
    assert found({"n": 1, "lang": "en"}) == ["int"]
    assert found({"tags": {"a": [1, None]}}) == ["list"]
    assert found({"n": [1]}) == ["list"]
    assert found({"missing": None}) == []
    assert found({}) == ["bool", "float", "int", "list", "none", "other"]


def test_filters_apply_before_ranking(store: Store) -> None:
    client = _connected(store, 2, "euclidean")
    client.upsert_vectors(
        [{"id": f"near{n}", "values": [n, 0], "metadata": {"keep": False}} for n in range(5)]
        + [{"id": "far", "values": [100, 100], "metadata": {"keep": True}}]
    )

    assert _ids(client.search([0, 0], top_k=1, filter_metadata={"keep": True})) == ["far"]


def test_equal_scores_are_ordered_by_id_also_across_the_cut(store: Store) -> None:
    client = _connected(store, 2)
    tied = ["b", "B", "a", "é", "a0", "Z"]
    client.upsert_vectors([{"id": key, "values": [1, 1]} for key in tied])
    client.upsert_vectors([{"id": "best", "values": [1, 0]}])

    assert _ids(client.search([1, 0], top_k=4)) == ["best", "B", "Z", "a"]
    assert _ids(client.search([1, 0], top_k=10)) == ["best", *sorted(tied)]


def test_delete_removes_the_vectors_and_counts_those_that_existed(store: Store) -> None:
    client = _connected(store, 2)
    client.upsert_vectors([{"id": key, "values": [1, 0]} for key in ("a", "b", "c")])

    assert client.delete_vectors(["a", "c", "nope", "a"]) == {"deleted": 2, "status": "success"}
    assert _ids(client.search([1, 0])) == ["b"]
    assert client.delete_vectors([]) == {"deleted": 0, "status": "success"}


def test_search_of_no_vectors_is_empty(store: Store) -> None:
    assert _connected(store).search([1, 2, 3, 4]) == []


def test_changing_a_result_changes_nothing_stored(store: Store) -> None:
    client = _connected(store, 2)
    client.upsert_vectors([{"id": "a", "values": [1, 0], "metadata": {"tags": ["x"]}}])

    client.search([1, 0])[0]["metadata"]["tags"].append("changed")

    assert client.search([1, 0])[0]["metadata"] == {"tags": ["x"]}


def test_results_equal_the_memory_backends(store: Store, reference: Store) -> None:
    rng = np.random.default_rng(11)
    batch = [
        {"id": f"id-{n}", "values": rng.normal(size=6).tolist(), "metadata": {"g": n % 3}}
        for n in range(120)
    ]
    query = rng.normal(size=6).tolist()
    results = []
    for each in (store, reference):
        client = _connected(each, 6, "dot")
        client.upsert_vectors(batch)
        client.delete_vectors(["id-5", "id-50"])
        results.append(
            [client.search(query, top_k=15), client.search(query, 7, filter_metadata={"g": 2})]
        )

    assert results[0] == results[1]


# ---- validation --------------------------------------------------------------------------

GOOD = {"id": "ok", "values": [1.0, 0.0, 0.0, 0.0]}


@pytest.mark.parametrize(
    ("vectors", "field"),
    [
        ("abc", "vectors"),
        ([GOOD, {"id": "", "values": [1, 0, 0, 0]}], "vectors[1].id"),
        ([GOOD, {"id": "x" * 256, "values": [1, 0, 0, 0]}], "vectors[1].id"),
        ([GOOD, {"id": 7, "values": [1, 0, 0, 0]}], "vectors[1].id"),
        ([GOOD, {"values": [1, 0, 0, 0]}], "vectors[1].id"),
        ([GOOD, {"id": "b", "values": [1, 0, 0]}], "vectors[1].values"),
        ([GOOD, {"id": "b", "values": "1000"}], "vectors[1].values"),
        ([GOOD, {"id": "b", "values": [1, 0, float("nan"), 0]}], "vectors[1].values[2]"),
        ([GOOD, {"id": "b", "values": [1, float("inf"), 0, 0]}], "vectors[1].values[1]"),
        ([GOOD, {"id": "b", "values": [1, 0, 0, 1e39]}], "vectors[1].values[3]"),
        ([GOOD, {"id": "b", "values": [1, True, 0, 0]}], "vectors[1].values[1]"),
        ([GOOD, {"id": "b", "values": [1, "0", 0, 0]}], "vectors[1].values[1]"),
        ([GOOD, {"id": "b", "values": [0, 0, 0, 0]}], "vectors[1].values"),
        ([GOOD, {"id": "b", "values": [1e-50, 0, 0, 0]}], "vectors[1].values"),
        ([GOOD, {"id": "b", "values": [1, 0, 0, 0], "metadata": []}], "vectors[1].metadata"),
        (
            [GOOD, {"id": "b", "values": [1, 0, 0, 0], "metadata": {"x": float("nan")}}],
            "vectors[1].metadata['x']",
        ),
        ([GOOD, {"id": "b", "values": [1, 0, 0, 0], "vector": [1]}], "vectors[1]"),
        ([GOOD, "ok"], "vectors[1]"),
        ([GOOD, {"id": "ok", "values": [0, 1, 0, 0]}], "vectors[1].id"),
        ([GOOD] * 10_001, "vectors"),
    ],
)
def test_bad_vectors_are_refused_naming_the_field_and_nothing_is_written(
    store: Store, vectors: Any, field: str
) -> None:
    client = _connected(store)

    with pytest.raises(ValidationError) as raised:
        client.upsert_vectors(vectors)

    assert raised.value.field == field
    assert client.search([1, 0, 0, 0]) == []


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (([1, 0, 0],), "query_vector"),
        (([0, 0, 0, 0],), "query_vector"),
        (([1, 0, float("nan"), 0],), "query_vector[2]"),
        (([1, 0, 0, 0], 0), "top_k"),
        (([1, 0, 0, 0], 10_001), "top_k"),
        (([1, 0, 0, 0], True), "top_k"),
        (([1, 0, 0, 0], 10, ["a"]), "filter_metadata"),
        (([1, 0, 0, 0], 10, {"a": {1, 2}}), "filter_metadata['a']"),
    ],
)
def test_bad_searches_are_refused_naming_the_field(
    store: Store, arguments: tuple[Any, ...], field: str
) -> None:
    client = _connected(store)

    with pytest.raises(ValidationError) as raised:
        client.search(*arguments)

    assert raised.value.field == field


def test_zero_vectors_are_fine_for_dot_and_euclidean(store: Store) -> None:
    for metric in ("dot", "euclidean"):
        client = _connected(store, 2, metric)
        client.upsert_vectors([{"id": "zero", "values": [0, 0]}])
        assert _ids(client.search([0, 0])) == ["zero"]


def test_bad_ids_to_delete_are_refused_and_nothing_is_deleted(store: Store) -> None:
    client = _connected(store, 2)
    client.upsert_vectors([{"id": "a", "values": [1, 0]}])

    with pytest.raises(ValidationError) as raised:
        client.delete_vectors(["a", ""])

    assert raised.value.field == "ids[1]"
    assert _ids(client.search([1, 0])) == ["a"]


# ---- sharing -----------------------------------------------------------------------------


def _each_open_is_private(url: str) -> bool:
    """``memory://``, ``mongomock://`` and in-memory SQLite give a new store on every open."""
    scheme, _, rest = url.partition("://")
    return scheme in ("memory", "mongomock") or (
        scheme.startswith("sqlite") and rest in ("", "/:memory:")
    )


def _check_reader_follows_writer(store: Store, other: Store) -> None:
    writer = _connected(store, 2)
    reader = _open(other, "vec-cosine")
    assert reader.connect()
    assert reader.search([1, 0]) == []

    writer.upsert_vectors([{"id": "a", "values": [1, 0]}, {"id": "b", "values": [0, 1]}])
    assert _ids(reader.search([1, 0])) == ["a", "b"]

    writer.upsert_vectors([{"id": "b", "values": [1, 0]}])
    writer.delete_vectors(["a"])
    assert reader.search([1, 0]) == [{"id": "b", "score": 1.0, "metadata": {}}]


def test_a_search_sees_what_another_store_on_the_database_wrote(
    store: Store, store_url: str, open_same_store: StoreFactory
) -> None:
    """Another store opened from the URL (its own connections, its own client cache); where
    every open is a private store, another store on the same backend object."""
    other = (
        Store(store.backend, clock=FixedClock(), id_factory=SequentialIds())
        if _each_open_is_private(store_url)
        else open_same_store()
    )
    _check_reader_follows_writer(store, other)


def test_threads_sharing_a_client_lose_no_vector(store: Store) -> None:
    client = _connected(store, 2)
    failures: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            for n in range(10):
                client.upsert_vectors([{"id": f"t{thread}-{n}", "values": [1, thread + n]}])
                assert f"t{thread}-{n}" in _ids(client.search([1, thread + n], top_k=10_000))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write, args=(thread,)) for thread in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(client.search([1, 0], top_k=10_000)) == 40


@pytest.mark.requires("transactions")
def test_a_search_inside_a_rolled_back_unit_of_work_leaves_no_stale_vectors(
    store: Store,
) -> None:
    client = _connected(store, dimension=2)
    client.upsert_vectors([{"id": "kept", "values": [1.0, 0.0]}])
    assert _ids(client.search([1.0, 0.0], top_k=5)) == ["kept"]

    with pytest.raises(RuntimeError), store.transaction():
        client.upsert_vectors([{"id": "undone", "values": [0.0, 1.0]}])
        assert _ids(client.search([0.0, 1.0], top_k=1)) == ["undone"]  # its own write
        raise RuntimeError("roll back")
    # The next write brings the generation back to the number the rolled-back one had.
    client.upsert_vectors([{"id": "later", "values": [0.0, 1.0]}])

    assert _ids(client.search([0.0, 1.0], top_k=5)) == ["later", "kept"]

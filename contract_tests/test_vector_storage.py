"""The vector storage protocol (``Storages.vectors``): what a builtin vector connector's client
relies on — vectors kept exactly, loaded in code-point pages, and a generation that every write
moves on."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from integration_store.protocols import TRANSACTIONS, VECTORS, VectorStorage
from integration_store.records import Record
from integration_store.store import Store
from integration_store.testing import assert_identical

from .samples import TRICKY_JSON

pytestmark = pytest.mark.requires(VECTORS)

WRITTEN_AT = datetime(2026, 11, 26, 0, 30, 0, 123000, tzinfo=UTC)


def vector(
    vector_id: str,
    values: tuple[float, ...] = (0.5, -1.25, 3.0),
    connector_id: str = "c",
    metadata: dict[str, Any] | None = None,
    updated_at: datetime = WRITTEN_AT,
) -> Record:
    """A VECTOR record whose values are packed little-endian float32, as the client packs them."""
    return {
        "connector_id": connector_id,
        "vector_id": vector_id,
        "dimension": len(values),
        "vector_values": struct.pack(f"<{len(values)}f", *values),
        "metadata": {} if metadata is None else metadata,
        "updated_at": updated_at,
    }


@pytest.fixture
def vectors(store: Store) -> VectorStorage:
    storage = store.backend.storages.vectors
    assert storage is not None, "a backend declaring 'vectors' has a vector storage"
    return storage


def _ids(records: list[Record]) -> list[str]:
    return [record["vector_id"] for record in records]


def _load_all(vectors: VectorStorage, connector_id: str = "c") -> list[Record]:
    return vectors.load(connector_id, None, 10_000)


def test_the_generation_is_0_before_any_write(vectors: VectorStorage) -> None:
    assert vectors.generation("c") == 0
    assert _load_all(vectors) == []


def test_an_upsert_stores_new_vectors_and_returns_the_new_generation(
    vectors: VectorStorage,
) -> None:
    written = [vector("v1"), vector("v2", (1.0,), metadata={"k": "v"})]

    generation = vectors.upsert("c", written)

    assert generation == 1 == vectors.generation("c")
    assert_identical(_load_all(vectors), written)


def test_an_upsert_replaces_the_stored_vector_with_the_same_id(vectors: VectorStorage) -> None:
    vectors.upsert("c", [vector("v1"), vector("v2")])
    replacement = vector(
        "v1", (9.0, 8.0), metadata={"new": True}, updated_at=WRITTEN_AT + timedelta(seconds=1)
    )

    assert vectors.upsert("c", [replacement]) == 2

    assert_identical(_load_all(vectors), [replacement, vector("v2")])


@pytest.mark.parametrize(
    "values",
    [
        bytes(range(256)),
        b"\x00" * 8,
        b"",
        struct.pack("<384f", *(i / 7 - 27.0 for i in range(384))),
        struct.pack("<3f", float("nan"), float("-inf"), -0.0),
    ],
    ids=["every-byte", "zeros", "empty", "384-dim", "nan-inf-negzero"],
)
def test_vector_values_come_back_byte_for_byte(vectors: VectorStorage, values: bytes) -> None:
    record = {**vector("v"), "vector_values": values, "dimension": len(values) // 4}

    vectors.upsert("c", [record])

    (loaded,) = _load_all(vectors)
    assert type(loaded["vector_values"]) is bytes
    assert loaded["vector_values"] == values


def test_metadata_comes_back_equal_and_of_the_same_types(vectors: VectorStorage) -> None:
    vectors.upsert("c", [vector("v", metadata=TRICKY_JSON)])

    (loaded,) = _load_all(vectors)

    assert_identical(loaded["metadata"], TRICKY_JSON)


def test_each_upsert_and_delete_moves_the_generation_on_by_one(vectors: VectorStorage) -> None:
    assert vectors.upsert("c", [vector("a")]) == 1
    assert vectors.upsert("c", [vector("a"), vector("b")]) == 2
    assert vectors.delete("c", ["a"]) == 1
    assert vectors.generation("c") == 3
    assert vectors.delete("c", ["missing"]) == 0
    assert vectors.generation("c") == 4


def test_delete_counts_only_the_ids_that_were_stored(vectors: VectorStorage) -> None:
    vectors.upsert("c", [vector("a"), vector("b"), vector("c")])

    removed = vectors.delete("c", ["a", "missing", "c", "a"])

    assert removed == 2
    assert _ids(_load_all(vectors)) == ["b"]


def test_delete_all_removes_every_vector_and_moves_the_generation_on(
    vectors: VectorStorage,
) -> None:
    vectors.upsert("c", [vector("a"), vector("b")])
    vectors.upsert("other", [vector("a", connector_id="other")])

    assert vectors.delete_all("c") == 2

    assert _load_all(vectors) == []
    assert vectors.generation("c") == 2
    assert vectors.delete_all("c") == 0
    assert vectors.generation("c") == 3
    assert vectors.upsert("c", [vector("a")]) == 4
    assert vectors.delete_all("never-written") == 0
    assert vectors.generation("never-written") == 0
    assert _ids(_load_all(vectors, "other")) == ["a"]
    assert vectors.generation("other") == 1


IDS_OUT_OF_ORDER = ["é", "a", "B", "a ", "Z", "ä", "a\u0301", "10", "9", "𝄞", "\uff5a"]
"""Ids whose code-point order differs from case-, accent- and locale-aware orders."""


def test_load_orders_vectors_by_id_code_point(vectors: VectorStorage) -> None:
    vectors.upsert("c", [vector(vector_id) for vector_id in IDS_OUT_OF_ORDER])

    assert _ids(_load_all(vectors)) == sorted(IDS_OUT_OF_ORDER)
    assert sorted(IDS_OUT_OF_ORDER)[:4] == ["10", "9", "B", "Z"]


def _pages(vectors: VectorStorage, limit: int) -> Iterator[list[Record]]:
    after: str | None = None
    while page := vectors.load("c", after, limit):
        yield page
        after = page[-1]["vector_id"]


def test_keyset_pages_after_an_id_cover_every_vector_once_in_order(
    vectors: VectorStorage,
) -> None:
    vectors.upsert("c", [vector(vector_id) for vector_id in IDS_OUT_OF_ORDER])

    pages = [_ids(page) for page in _pages(vectors, 3)]

    assert [len(page) for page in pages] == [3, 3, 3, 2]
    assert [vector_id for page in pages for vector_id in page] == sorted(IDS_OUT_OF_ORDER)


def test_a_page_after_an_id_that_is_not_stored_starts_at_the_next_one(
    vectors: VectorStorage,
) -> None:
    vectors.upsert("c", [vector("a"), vector("c"), vector("e")])

    assert _ids(vectors.load("c", "b", 10)) == ["c", "e"]
    assert _ids(vectors.load("c", "e", 10)) == []
    assert _ids(vectors.load("c", "", 1)) == ["a"]


def test_connectors_keep_their_own_vectors_and_generations(vectors: VectorStorage) -> None:
    vectors.upsert("c1", [vector("same", (1.0,), connector_id="c1")])
    vectors.upsert("c2", [vector("same", (2.0,), connector_id="c2")])
    vectors.upsert("c2", [vector("only-c2", connector_id="c2")])

    vectors.delete("c1", ["same"])

    assert _load_all(vectors, "c1") == []
    assert_identical(
        _load_all(vectors, "c2"),
        [vector("only-c2", connector_id="c2"), vector("same", (2.0,), connector_id="c2")],
    )
    assert (vectors.generation("c1"), vectors.generation("c2")) == (2, 2)


def test_a_loaded_record_is_a_fresh_copy(vectors: VectorStorage) -> None:
    written = vector("v", metadata={"tags": ["a"]})
    vectors.upsert("c", [written])
    written["metadata"]["tags"].append("changed after writing")

    (loaded,) = _load_all(vectors)
    loaded["metadata"]["tags"].append("changed after reading")

    assert _load_all(vectors)[0]["metadata"] == {"tags": ["a"]}


def test_concurrent_writes_of_overlapping_ids_each_get_their_own_generation(
    store: Store,
) -> None:
    """Writers of one connector upsert and delete the same ids in opposite orders: none may
    deadlock, fail or share a generation, and the last write of each id is what is kept."""
    vectors = _routed_vectors(store)
    ids = [f"v{n}" for n in range(12)]

    def write(thread: int) -> list[int]:
        order = ids if thread % 2 else ids[::-1]
        generations = []
        for _ in range(WRITES_PER_THREAD):
            generations.append(vectors.upsert("c", [vector(i, (float(thread),)) for i in order]))
            generations.append(vectors.delete("c", order[:2]))
        return generations[::2]

    with ThreadPoolExecutor(THREADS) as pool:
        upserted = [g for generations in pool.map(write, range(THREADS)) for g in generations]

    writes = THREADS * WRITES_PER_THREAD * 2
    assert len(set(upserted)) == len(upserted) and max(upserted) < writes
    assert vectors.generation("c") == writes
    # The last write is a delete, of the first two ids or of the last two, after the last upsert
    # and maybe after another thread's delete of the other two.
    kept = set(_ids(_load_all(vectors)))
    assert kept in ({*ids[2:]}, {*ids[:-2]}, {*ids[2:-2]})


THREADS = 4
WRITES_PER_THREAD = 5


@pytest.mark.requires(TRANSACTIONS)
def test_a_rolled_back_upsert_leaves_neither_vectors_nor_a_generation(store: Store) -> None:
    vectors = _routed_vectors(store)
    vectors.upsert("c", [vector("kept")])

    with pytest.raises(RuntimeError, match="roll back"), store.transaction():
        assert vectors.upsert("c", [vector("kept", (7.0,)), vector("new")]) == 2
        assert vectors.delete("c", ["kept"]) == 1
        raise RuntimeError("roll back")

    assert vectors.generation("c") == 1
    assert_identical(_load_all(vectors), [vector("kept")])


@pytest.mark.requires(TRANSACTIONS)
def test_a_committed_upsert_and_delete_all_apply_together(store: Store) -> None:
    vectors = _routed_vectors(store)
    vectors.upsert("gone", [vector("x", connector_id="gone")])

    with store.transaction():
        vectors.upsert("c", [vector("new")])
        vectors.delete_all("gone")

    assert _ids(_load_all(vectors)) == ["new"]
    assert (vectors.generation("c"), vectors.generation("gone")) == (1, 2)
    assert _load_all(vectors, "gone") == []


def _routed_vectors(store: Store) -> VectorStorage:
    """The vector storage as the store's live clients use it: its calls join the calling
    thread's ``store.transaction()`` (the backend's own ``storages`` never do)."""
    return store._live.vectors

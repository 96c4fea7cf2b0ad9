"""The builtin provider's cache and ranking, below the client: reloads that race with writers,
and ties at the cut of ``top_k``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from integration_store.records import Record

np = pytest.importorskip("numpy")

from integration_store.live.vector_checks import Metric, VectorSettings  # noqa: E402
from integration_store.live.vector_codec import pack  # noqa: E402
from integration_store.live.vector_search import (  # noqa: E402
    MAX_RELOADS,
    VectorCache,
    VectorIndex,
)

SETTINGS = VectorSettings(2, Metric.DOT)


def _record(vector_id: str, values: list[float]) -> Record:
    return {
        "connector_id": "c",
        "vector_id": vector_id,
        "dimension": 2,
        "vector_values": pack(np.asarray(values, dtype=np.float32)),
        "metadata": {},
        "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
    }


class RacingStorage:
    """A vector storage where another writer adds a vector during each of the first
    ``racing_loads`` loads (after the page is read, before the generation is read again)."""

    def __init__(self, racing_loads: int) -> None:
        self.rows: dict[str, Record] = {"a": _record("a", [1, 0])}
        self.generation_value = 1
        self.racing_loads = racing_loads
        self.generation_reads = 0

    def upsert(self, connector_id: str, records: Sequence[Record]) -> int:
        for record in records:
            self.rows[record["vector_id"]] = record
        self.generation_value += 1
        return self.generation_value

    def delete(self, connector_id: str, vector_ids: Sequence[str]) -> int:
        raise AssertionError("a search never deletes")

    def delete_all(self, connector_id: str) -> int:
        raise AssertionError("a search never deletes")

    def generation(self, connector_id: str) -> int:
        self.generation_reads += 1
        return self.generation_value

    def load(self, connector_id: str, after: str | None, limit: int) -> list[Record]:
        page = [self.rows[key] for key in sorted(self.rows) if after is None or key > after]
        if self.racing_loads:
            self.racing_loads -= 1
            self.upsert(connector_id, [_record(f"w{self.generation_value}", [0, 1])])
        return page[:limit]


def test_a_write_during_the_load_makes_the_cache_load_again() -> None:
    storage = RacingStorage(racing_loads=1)
    cache = VectorCache(storage, "c", SETTINGS)

    index = cache.current()

    assert cache.loads == 2
    assert index.ids == ["a", "w1"] and index.generation == 2
    reads = storage.generation_reads
    assert cache.current() is index
    assert (cache.loads, storage.generation_reads) == (2, reads + 1)


def test_writers_that_never_stop_leave_an_index_the_next_search_replaces() -> None:
    storage = RacingStorage(racing_loads=MAX_RELOADS)
    cache = VectorCache(storage, "c", SETTINGS)

    first = cache.current()

    assert cache.loads == MAX_RELOADS
    assert first.generation < storage.generation_value  # tagged with what it surely covers
    second = cache.current()
    assert cache.loads == MAX_RELOADS + 1
    assert second.ids == sorted(storage.rows)


@pytest.mark.parametrize("top_k", [1, 2, 3, 4, 5, 6])
def test_ties_at_the_cut_go_to_the_smaller_ids(top_k: int) -> None:
    ids = ["a", "b", "c", "d", "e", "f"]
    matrix = np.asarray([[1.0], [2.0], [2.0], [2.0], [3.0], [2.0]])
    index = VectorIndex(1, ids, matrix, [{}] * 6, Metric.DOT)

    rows, scores = index.nearest(np.asarray([1.0]), top_k, None)

    assert [ids[row] for row in rows] == ["e", "b", "c", "d", "f", "a"][:top_k]
    assert scores.tolist() == [3.0, 2.0, 2.0, 2.0, 2.0, 1.0][:top_k]

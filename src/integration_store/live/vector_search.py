"""Exact k-nearest-neighbour search of a builtin vector connector, on an in-memory copy of its
vectors that follows the store.

``VectorCache`` keeps one ``VectorIndex`` (the connector's vectors as one float64 matrix, ids in
code point order) tagged with the storage generation read *before* it was loaded. A search reads
the generation (one cheap call) and reloads only when it moved, so it sees every write committed
before it, from any process, and costs one round trip plus numpy otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from integration_store.live.vector_checks import Metric, VectorSettings, metadata_pair
from integration_store.live.vector_codec import STORED_DTYPE, Matrix, unpack_matrix
from integration_store.protocols import VectorStorage
from integration_store.records import Record

LOAD_PAGE: Final = 10_000
"""Vectors read per ``load`` call when (re)loading."""

MAX_RELOADS: Final = 5
"""Loads tried in a row while writers keep moving the generation; the last one is kept, tagged
with the generation read before it (so the next search loads again)."""

Rows = npt.NDArray[np.intp]


class VectorIndex:
    """One connector's vectors at one generation, ready to rank (never changed once built).

    Rows are in vector_id order (code point), so a stable order by score breaks ties by id.
    For cosine the rows are scaled to unit length once (in place: the index owns the matrix it
    is given), so a search is one matrix-vector product; for euclidean each row's squared norm
    is kept for the same reason."""

    __slots__ = ("_postings", "generation", "ids", "matrix", "metadata", "metric", "squared_norms")

    def __init__(
        self,
        generation: int,
        ids: list[str],
        matrix: Matrix,
        metadata: list[dict[str, Any]],
        metric: Metric,
    ) -> None:
        self.generation = generation
        self.ids = ids
        self.metadata = metadata
        self.metric = metric
        self.squared_norms: Matrix | None = None
        if metric is Metric.COSINE:
            # In place, without temporaries: at 100k x 384 a copy is 300 MB.
            norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
            norms[norms == 0] = 1.0  # stored before the metric was cosine: scores 0
            matrix /= norms[:, None]
        elif metric is Metric.EUCLIDEAN:
            self.squared_norms = np.einsum("ij,ij->i", matrix, matrix)
        self.matrix = matrix
        self._postings: dict[str, dict[str, Rows]] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def matching_rows(self, filters: dict[str, Any]) -> Rows | None:
        """Rows whose metadata has every filter key with an equal value (exact JSON equality,
        types included); None for no filter. Each key's posting lists are built on first use
        and kept for this generation."""
        rows: Rows | None = None
        for key, value in filters.items():
            posting = self._postings.get(key)
            if posting is None:
                posting = self._postings[key] = self._posting(key)
            found = posting.get(metadata_pair(key, value), _NO_ROWS)
            rows = found if rows is None else np.intersect1d(rows, found, assume_unique=True)
            if not len(rows):
                break
        return rows

    def _posting(self, key: str) -> dict[str, Rows]:
        lists: dict[str, list[int]] = {}
        for row, metadata in enumerate(self.metadata):
            if key in metadata:
                lists.setdefault(metadata_pair(key, metadata[key]), []).append(row)
        return {pair: np.asarray(rows, dtype=np.intp) for pair, rows in lists.items()}

    def nearest(
        self, query: Matrix, top_k: int, rows: Rows | None
    ) -> tuple[Rows, npt.NDArray[np.float64]]:
        """The rows of the ``top_k`` nearest vectors (among ``rows`` when given), best first,
        ties by id, and their scores."""
        matrix = self.matrix if rows is None else self.matrix[rows]
        if self.metric is Metric.COSINE:
            scores = matrix @ (query / np.linalg.norm(query))
        elif self.metric is Metric.DOT:
            scores = matrix @ query
        else:
            assert self.squared_norms is not None
            norms = self.squared_norms if rows is None else self.squared_norms[rows]
            squared = norms - 2.0 * (matrix @ query) + float(query @ query)
            scores = np.sqrt(np.maximum(squared, 0.0, out=squared), out=squared)
        keys = -scores if self.metric.higher_first else scores
        order = _smallest(keys, top_k)
        positions = order if rows is None else rows[order]
        return positions, scores[order]


_NO_ROWS: Final[Rows] = np.zeros(0, dtype=np.intp)


def _smallest(keys: npt.NDArray[np.float64], count: int) -> Rows:
    """Positions of the ``count`` smallest keys, ascending, ties by position: ``argpartition``
    finds the bound, then every key tied with it is a candidate, so the cut is the same
    whatever the partition's order."""
    size = len(keys)
    if count < size:
        bound = keys[np.argpartition(keys, count - 1)[count - 1]]
        candidates = np.flatnonzero(keys <= bound)
    else:
        candidates = np.arange(size)
    ordered = candidates[np.lexsort((candidates, keys[candidates]))]
    result: Rows = ordered[:count]
    return result


def build_index(
    records: Sequence[Record], generation: int, settings: VectorSettings
) -> VectorIndex:
    """An index of loaded records (in vector_id order); ``ValueError`` naming a stored vector
    whose dimension is not the connector's (its dimension changed since it was written)."""
    size = settings.dimension * STORED_DTYPE.itemsize
    ids: list[str] = []
    blobs: list[bytes] = []
    metadata: list[dict[str, Any]] = []
    previous: str | None = None
    for record in records:
        vector_id = record["vector_id"]
        blob = record["vector_values"]
        if len(blob) != size:
            raise ValueError(
                f"stored vector {vector_id!r} has {len(blob) // STORED_DTYPE.itemsize} numbers, "
                f"the connector's dimension is {settings.dimension}"
            )
        if previous is not None and vector_id <= previous:
            raise ValueError("the vector storage did not load vectors in vector_id order")
        previous = vector_id
        ids.append(vector_id)
        blobs.append(blob)
        metadata.append(record["metadata"])
    return VectorIndex(
        generation, ids, unpack_matrix(blobs, settings.dimension), metadata, settings.metric
    )


def load_records(storage: VectorStorage, connector_id: str) -> list[Record]:
    """Every vector of the connector, in keyset pages of ``LOAD_PAGE``."""
    records: list[Record] = []
    after: str | None = None
    while True:
        page = storage.load(connector_id, after, LOAD_PAGE)
        records += page
        if len(page) < LOAD_PAGE:
            return records
        after = page[-1]["vector_id"]


class VectorCache:
    """A connector's ``VectorIndex``, reloaded when the storage generation moves.

    Thread-safe: searches read the current index without a lock; one reload runs at a time, and
    threads waiting on it use its result when it covers the generation they read."""

    def __init__(
        self,
        storage: VectorStorage,
        connector_id: str,
        settings: VectorSettings,
        in_transaction: Callable[[], bool] = lambda: False,
    ) -> None:
        self._storage = storage
        self._in_transaction = in_transaction
        self._connector_id = connector_id
        self._settings = settings
        self._lock = threading.Lock()
        self._index: VectorIndex | None = None
        self.loads = 0
        """How many times the vectors were loaded from storage (for tests and the benchmark)."""

    def current(self) -> VectorIndex:
        """The index holding every vector written before this call (one ``generation`` read
        when nothing changed).

        Inside a unit of work the vectors are loaded for this search only, never kept: they
        may hold its uncommitted writes, which a rollback undoes while their generation
        number comes back later for other vectors."""
        if self._in_transaction():
            self.loads += 1
            records = load_records(self._storage, self._connector_id)
            return build_index(records, -1, self._settings)
        generation = self._storage.generation(self._connector_id)
        index = self._index
        if index is not None and index.generation == generation:
            return index
        with self._lock:
            index = self._index
            if index is not None and index.generation == generation:
                return index
            index = self._index = self._reload(generation)
            return index

    def _reload(self, generation: int) -> VectorIndex:
        """Load until no write lands during a load (at most ``MAX_RELOADS`` times); the result
        is tagged with the generation read before its load, which it surely covers."""
        before = generation
        for attempt in range(MAX_RELOADS):
            records = load_records(self._storage, self._connector_id)
            self.loads += 1
            after = self._storage.generation(self._connector_id)
            if after == before or attempt == MAX_RELOADS - 1:
                break
            before = after  # a write landed during the load: it may be half seen, load again
        return build_index(records, before, self._settings)

    def forget(self) -> None:
        """Drop the index (the next search loads again)."""
        with self._lock:
            self._index = None


__all__ = ["LOAD_PAGE", "VectorCache", "VectorIndex", "build_index", "load_records"]

"""``integration-store bench-vectors``: exact search of a builtin vector connector, timed on each
store URL against raw numpy doing the same search on the same in-memory matrix in the same run.

For each URL and each ``--count`` it seeds a private database with that many random vectors
(``--dimension``), then times

* **cold**: a new client's first search, loading every vector from the store;
* **warm**: the median of ``--queries`` searches once loaded (each still reads the storage
  generation, one round trip, to see writes from elsewhere);
* **numpy**: the median of the same searches done by hand on the client's own matrix
  (matrix-vector product, ``argpartition``, sort), the floor any exact search in Python pays,

and prints the ratios cold/numpy and warm/numpy. The results of client and baseline are compared
before any figure counts, so both surely do the same work.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Final

import attrs
import numpy as np
import numpy.typing as npt

from integration_store import ConnectorConfig, open_store
from integration_store.live.vector_search import VectorIndex
from integration_store.live.vectors import BuiltinVectors, VectorClient
from integration_store.protocols import VECTORS
from integration_store.store import Store
from integration_store.test_support import isolated_url

from .targets import family_of

UPSERT_BATCH: Final = 10_000


@attrs.frozen
class VectorSettings:
    """What one run measures."""

    counts: tuple[int, ...] = (10_000,)
    dimension: int = 384
    queries: int = 20
    top_k: int = 10
    metric: str = "cosine"
    seed: int = 0


@attrs.frozen
class VectorFigures:
    """The figures of one URL at one count (times in milliseconds)."""

    label: str
    count: int
    dimension: int
    upsert_seconds: float
    cold_ms: float
    warm_ms: float
    numpy_ms: float

    @property
    def cold_ratio(self) -> float:
        return self.cold_ms / self.numpy_ms

    @property
    def warm_ratio(self) -> float:
        return self.warm_ms / self.numpy_ms


def numpy_search(index: VectorIndex, query: npt.NDArray[np.float64], top_k: int) -> list[int]:
    """The baseline: the same exact search, by hand, on the index's own matrix (cosine rows
    are already unit length there; euclidean by the same expansion the index uses)."""
    matrix = index.matrix
    if index.metric.value == "cosine":
        keys = -(matrix @ (query / np.linalg.norm(query)))
    elif index.metric.value == "dot":
        keys = -(matrix @ query)
    else:
        assert index.squared_norms is not None
        keys = np.sqrt(np.maximum(index.squared_norms - 2.0 * (matrix @ query) + query @ query, 0))
    count = min(top_k, len(keys))
    if count < len(keys):
        candidates = np.argpartition(keys, count - 1)[:count]
    else:
        candidates = np.arange(len(keys))
    best: list[int] = candidates[np.lexsort((candidates, keys[candidates]))].tolist()
    return best


def _interleaved_medians(
    ours: Callable[[], object], theirs: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median milliseconds of each of two calls, timed in turns: on a busy machine a slow
    spell then costs both alike instead of skewing the ratio."""
    times: tuple[list[int], list[int]] = ([], [])
    for _ in range(repeats):
        for run, kept in ((ours, times[0]), (theirs, times[1])):
            started = time.perf_counter_ns()
            run()
            kept.append(time.perf_counter_ns() - started)
    return statistics.median(times[0]) / 1e6, statistics.median(times[1]) / 1e6


def _seed(client: VectorClient, count: int, dimension: int, rng: np.random.Generator) -> float:
    """Upsert ``count`` random vectors in batches; seconds taken."""
    started = time.perf_counter()
    for start in range(0, count, UPSERT_BATCH):
        size = min(UPSERT_BATCH, count - start)
        block = rng.standard_normal((size, dimension), dtype=np.float32)
        client.upsert_vectors(
            [
                {"id": f"v{start + n:09}", "values": row, "metadata": {"shard": (start + n) % 8}}
                for n, row in enumerate(block)
            ]
        )
    return time.perf_counter() - started


def _new_client(store: Store, connector_id: str) -> VectorClient:
    client = store.connectors.open(connector_id)
    assert isinstance(client, VectorClient)
    if not client.connect():
        raise RuntimeError(f"could not connect: {client.connector.last_error}")
    return client


def measure(store: Store, label: str, count: int, settings: VectorSettings) -> VectorFigures:
    """Seed ``count`` vectors into a new connector of ``store`` and time its searches."""
    rng = np.random.default_rng(settings.seed)
    connector = store.connectors.create_vector_connector(
        "bench",
        f"vectors-{count}",
        config=ConnectorConfig(options={"provider": "builtin"}),
        vector_dimension=settings.dimension,
        distance_metric=settings.metric,
    )
    with _new_client(store, connector.connector_id) as writer:
        upsert_seconds = _seed(writer, count, settings.dimension, rng)
    queries = rng.standard_normal((settings.queries, settings.dimension), dtype=np.float32)

    client = _new_client(store, connector.connector_id)
    try:
        started = time.perf_counter_ns()
        first = client.search(queries[0], top_k=settings.top_k)
        cold_ms = (time.perf_counter_ns() - started) / 1e6
        provider = client.provider
        assert isinstance(provider, BuiltinVectors) and provider.cache.loads == 1
        index = provider.cache.current()
        as_float64 = [query.astype(np.float64) for query in queries]
        for query, query64 in zip(queries, as_float64, strict=True):
            ours = [hit["id"] for hit in client.search(query, top_k=settings.top_k)]
            theirs = [index.ids[row] for row in numpy_search(index, query64, settings.top_k)]
            if ours != theirs:
                raise AssertionError(f"client and numpy disagree: {ours} != {theirs}")
        assert first[0]["id"] == index.ids[numpy_search(index, as_float64[0], 1)[0]]
        ours_turn, numpy_turn = itertools.count(), itertools.count()

        def ours_once() -> object:
            return client.search(queries[next(ours_turn) % len(queries)], top_k=settings.top_k)

        def numpy_once() -> object:
            query = as_float64[next(numpy_turn) % len(queries)]
            return numpy_search(index, query, settings.top_k)

        warm_ms, numpy_ms = _interleaved_medians(ours_once, numpy_once, settings.queries)
        if provider.cache.loads != 1:
            raise AssertionError("the vectors were loaded again between warm searches")
    finally:
        client.disconnect()
    return VectorFigures(
        label, count, settings.dimension, upsert_seconds, cold_ms, warm_ms, numpy_ms
    )


@contextmanager
def _private_store(url: str) -> Iterator[Store]:
    with ExitStack() as stack:
        private = stack.enter_context(isolated_url(url))
        store = stack.enter_context(open_store(private))
        store.create_schema()
        yield store


HEADER: Final = (
    f"{'store':<22} {'vectors':>9} {'dim':>5} {'upsert s':>9} {'cold ms':>9} "
    f"{'warm ms':>9} {'numpy ms':>9} {'cold/np':>8} {'warm/np':>8}"
)


def row(figures: VectorFigures) -> str:
    """One line of the table."""
    return (
        f"{figures.label:<22} {figures.count:>9,} {figures.dimension:>5} "
        f"{figures.upsert_seconds:>9.2f} {figures.cold_ms:>9.2f} {figures.warm_ms:>9.3f} "
        f"{figures.numpy_ms:>9.3f} {figures.cold_ratio:>7.1f}x {figures.warm_ratio:>7.2f}x"
    )


def _label(url: str) -> str:
    family = family_of(url)
    names = {"memory": "memory://", "sqlite-file": "sqlite file"}
    return names.get(family, family)


def run_urls(urls: Sequence[str], settings: VectorSettings) -> tuple[list[VectorFigures], int]:
    """Measure every URL at every count, printing each line as it comes; the figures and how
    many URLs failed (a backend without the ``vectors`` capability is reported, not failed)."""
    print(HEADER, flush=True)
    figures: list[VectorFigures] = []
    failed = 0
    for url in urls:
        label = _label(url)
        for count in settings.counts:
            try:
                with _private_store(url) as store:
                    if VECTORS not in store.capabilities:
                        print(f"{label:<22} skipped: this backend lacks 'vectors'", flush=True)
                        break
                    figures.append(measure(store, label, count, settings))
            except Exception as error:
                failed += 1
                print(f"{label:<22} FAILED: {type(error).__name__}: {error}", flush=True)
                break
            print(row(figures[-1]), flush=True)
    return figures, failed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``bench-vectors``."""
    defaults = VectorSettings()
    parser.add_argument(
        "urls",
        nargs="*",
        metavar="URL",
        help="store URLs (default: memory:// and a temporary SQLite file)",
    )
    parser.add_argument(
        "--count",
        type=int,
        nargs="+",
        default=list(defaults.counts),
        help=f"vectors stored, one run per count ({defaults.counts[0]:,})",
    )
    parser.add_argument(
        "--dimension",
        type=int,
        default=defaults.dimension,
        help=f"numbers per vector ({defaults.dimension})",
    )
    parser.add_argument(
        "--queries",
        type=int,
        default=defaults.queries,
        help=f"warm searches timed; the median counts ({defaults.queries})",
    )
    parser.add_argument(
        "--top-k", type=int, default=defaults.top_k, help=f"results per search ({defaults.top_k})"
    )
    parser.add_argument(
        "--metric",
        choices=("cosine", "dot", "euclidean"),
        default=defaults.metric,
        help=f"distance metric ({defaults.metric})",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random data seed")


def run(args: argparse.Namespace) -> int:
    """Run the benchmark; 0 unless a URL failed."""
    settings = VectorSettings(
        counts=tuple(args.count),
        dimension=args.dimension,
        queries=args.queries,
        top_k=args.top_k,
        metric=args.metric,
        seed=args.seed,
    )
    temp = tempfile.mkdtemp(prefix="integration-store-bench-vectors-")
    try:
        urls = args.urls or ["memory://", f"sqlite:///{temp}/vectors.db"]
        _, failed = run_urls(urls, settings)
        return 1 if failed else 0
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def parser() -> argparse.ArgumentParser:
    """The command's parser (``integration-store bench-vectors --help``)."""
    result = argparse.ArgumentParser(
        prog="integration-store bench-vectors",
        description="Time exact vector search of a builtin vector connector on each URL "
        "(cold: load and first search; warm: median search) against raw numpy doing the same "
        "search on the same matrix; server URLs run on a private database, dropped afterwards.",
    )
    add_arguments(result)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m integration_store.bench.vectors``: the same as the CLI command."""
    return run(parser().parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["VectorFigures", "VectorSettings", "main", "measure", "numpy_search", "run_urls"]

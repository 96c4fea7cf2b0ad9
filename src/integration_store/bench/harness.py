"""The timing harness: open a backend and its baselines, seed, check, time every workload.

Per (backend, workload), each variant — ours, each baseline, and for bulk workloads ours one call
at a time ("singles") — runs untimed warm-up operations (``time_variants``), then ``rounds``
rounds of ``ops`` operations each (fewer for a slow backend: a round lasts about
``round_seconds``, the same count for every variant), timed with ``time.perf_counter``; the
figure is the median µs per operation over the rounds. A bulk workload runs ``bulk_rounds``
rounds of one call each, fewer once they have taken ``bulk_seconds``. Variants take turns
within a round, in an order rotated every round, so drift on a shared machine (other
processes, a growing table) spreads over all.

A ratio pairs the rounds: it is the median over rounds of ours ÷ the baseline *in the same
round* (their runs are seconds apart at most), not the quotient of two medians that may come
from rounds far apart — a machine that slows for a while then slows both sides of a pair.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import Any, Final

import attrs

from integration_store import open_store
from integration_store.store import Store
from integration_store.test_support import isolated_url

from .baseline import Baseline, Seeder
from .checks import check_same_results
from .dataset import BIG_TENANT, NEW_TENANT, PENDING_OWNER, TENANTS, Dataset
from .targets import BULK, family_of
from .workloads import (
    PAGE,
    WORKLOADS,
    Fixture,
    Op,
    Workload,
    payload,
)

WARM_UP_OPS: Final = 10
WARM_UP_SECONDS: Final = 0.05
MIN_OPS: Final = 30
SAMPLE: Final = 500


@attrs.frozen
class Settings:
    """How much work a run does."""

    rows: int = 1000
    ops: int = 300
    rounds: int = 5
    bulk_size: int = 1000
    bulk_rounds: int = 3
    round_seconds: float = 0.25
    """A round of a slow variant stops short of ``ops`` after about this long."""
    bulk_seconds: float = 5.0
    """A bulk workload's rounds stop once they have taken this long together (the first always
    runs): 1,000 inserts into mongomock take seconds, and the figures there have no target."""
    seed: int = 20250101
    workloads: tuple[str, ...] = ()
    """Names of the workloads to run (``WORKLOADS``); empty: every one."""


@attrs.frozen
class WorkloadResult:
    """The figures of one workload on one backend: µs per operation by variant."""

    workload: str
    group: str
    ops: int
    micros: dict[str, float]
    status: str = "ok"
    rounds: dict[str, list[float]] = attrs.field(factory=dict)
    """µs per operation of each variant in each round (``micros`` holds their medians)."""

    def ratio(self, variant: str) -> float | None:
        """ours / variant: the median over rounds of the two in the same round (see the module
        docstring); from the medians for a result without its rounds (read from an old JSON).
        None when either is missing."""
        if self.rounds:
            ours, other = self.rounds.get("ours"), self.rounds.get(variant)
            if not ours or not other or not all(other):
                return None
            pairs = zip(ours, other, strict=True)  # every variant runs every round
            return statistics.median(mine / theirs for mine, theirs in pairs)
        mine, theirs = self.micros.get("ours"), self.micros.get(variant)
        if mine is None or not theirs:
            return None
        return mine / theirs


@attrs.frozen
class BackendResult:
    """Every workload of one backend, and how long the backend took."""

    label: str
    family: str
    baselines: tuple[str, ...]
    workloads: list[WorkloadResult]
    seconds: float


def machine_micros() -> float:
    """µs this machine takes for a fixed pure-Python loop (the best of five), printed under a
    run's table as measured at its start and at its end: absolute figures (``memory://``'s
    targets) move with the machine's speed, and this says how fast the machine was."""

    def loop() -> int:
        total = 0
        for index in range(1000):
            item = {"index": index, "double": 2 * index}
            total += item["index"]
        return total

    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        loop()
        best = min(best, time.perf_counter() - start)
    return best * 1e6


def progress(message: str) -> None:
    """A progress line on stderr (stdout carries the table)."""
    print(message, file=sys.stderr, flush=True)


def open_baselines(url: str, store: Store) -> list[Baseline]:
    """The baselines for the URL's family, on the same database as ``store``."""
    family = family_of(url)
    if family in ("sqlite-file", "postgresql", "mariadb"):
        from .orm_style import OrmStyle
        from .sqlalchemy_core import SqlAlchemyCore

        raw: Baseline
        if family == "sqlite-file":
            import sqlalchemy as sa

            from .raw_sqlite import RawSqlite

            raw = RawSqlite(sa.make_url(url).database or "")
        elif family == "postgresql":
            from .raw_psycopg import RawPsycopg

            raw = RawPsycopg(url)
        else:
            from .raw_pymysql import RawPyMySQL

            raw = RawPyMySQL(url)
        return [raw, SqlAlchemyCore(url), OrmStyle(url)]
    if family in ("mongodb", "mongomock"):
        from .raw_mongo import RawMongo, database_name

        if family == "mongomock":
            return [RawMongo.for_mongomock(store, database_name(url))]
        return [RawMongo.for_server(url, database_name(url))]
    return []


def seed(store: Store, baselines: Sequence[Baseline], dataset: Dataset, start: int = 0) -> None:
    """Fill the tables: through a raw baseline's batch inserts, else through the backend's own
    storages (memory://, sqlite://), record by record — both with our encoding."""
    connectors = dataset.connector_records(start)
    responses = dataset.response_records(start)
    for baseline in baselines:
        if isinstance(baseline, Seeder):
            baseline.seed(connectors, responses)
            return
    storages = store.backend.storages
    for record in connectors:
        storages.connectors.insert(record)
    for record in responses:
        storages.external_responses.insert(record)


def _walk(fetch: Callable[[Any, int], Any], key: Callable[[Any], Any], size: int) -> list[Any]:
    """(cursor, key) pairs of up to 20 positions spread evenly through about ``size`` rows,
    each with a full page after it."""
    step = max(1, min(10_000, (size - PAGE) // 20))
    pages: list[tuple[Any, Any]] = []
    cursor: Any = None
    while len(pages) < 20:
        page = fetch(cursor, step)
        if page.next_cursor is None or not page.items:
            break
        cursor = page.next_cursor
        pages.append((cursor, key(page.items[-1])))
    return pages or [(None, None)]


def build_fixture(store: Store, dataset: Dataset, settings: Settings) -> Fixture:
    """Samples and cursors for the workloads, read from the seeded store (untimed)."""
    sample = dataset.sample_connectors(min(SAMPLE, max(settings.ops, 1)))
    big_tenant = dataset.rows // 2
    list_page = store.connectors.list_page
    connector_pages = _walk(
        lambda after, limit: list_page(tenant_id=BIG_TENANT, limit=limit, after=after),
        lambda item: (item.name, item.connector_id),
        big_tenant,
    )
    pending_page = store.external_responses.pending_page
    pending_pages = _walk(
        lambda after, limit: pending_page(PENDING_OWNER, limit=limit, after=after),
        lambda item: (item.received_at, item.id),
        dataset.rows * 3 // 16,  # a quarter of the responses, three in four pending
    )
    return Fixture(
        ops=settings.ops,
        bulk_size=settings.bulk_size,
        sample_ids=[record["connector_id"] for record in sample],
        sample_names=[(record["tenant_id"], record["name"]) for record in sample],
        tenants=[f"tenant-{index:02d}" for index in range(TENANTS)],
        interpret_ids=[record["id"] for record in dataset.interpret_targets()],
        payload=payload(),
        connector_pages=connector_pages,
        pending_pages=pending_pages,
    )


def time_variants(
    variants: dict[str, Callable[[str], Op]],
    ops: int,
    rounds: int,
    warm_up: int,
    round_seconds: float | None = None,
    rounds_seconds: float | None = None,
    reset: Callable[[], object] | None = None,
) -> tuple[dict[str, list[float]], int]:
    """µs per operation of each variant in each round (each factory gets a tag unique per
    round), and the operations per round: ``ops``, or fewer when the slowest variant's warm-up
    says a round would take longer than ``round_seconds`` (every variant runs the same count).
    No round starts after ``rounds_seconds`` of them (every variant runs the same rounds).

    Each variant first runs up to ``warm_up`` untimed operations, stopping after
    ``WARM_UP_SECONDS`` once ``WARM_UP_OPS`` ran: what a process does once (compile a
    decoder or a statement, fill a cache) stays out of the rounds. Ten were too few for
    ``memory://``, which decodes a record on its first read and keeps the object on its
    second, compiling a copier per class and shape of JSON values: two or three of five
    ``get`` rounds took 8 to 13 µs per call, the others ~3, so the median was a coin toss.
    The second reads still fall in the first round, which the median leaves out.

    ``reset`` (untimed) runs after each variant's operations: a workload that adds rows
    removes them, so every variant starts from the same data — else the last in a round
    writes into the largest table, which on mongomock (a scan per unique index per insert)
    made the raw baseline three times slower than ours."""
    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    slowest = 0.0
    for name in names:
        if warm_up:
            op = variants[name]("warm")
            start = time.perf_counter()
            count = 0
            while count < warm_up and (
                count < WARM_UP_OPS or time.perf_counter() - start < WARM_UP_SECONDS
            ):
                op(count)
                count += 1
            slowest = max(slowest, (time.perf_counter() - start) / count)
            if reset is not None:
                reset()
    if round_seconds is not None and slowest > 0:
        ops = max(min(ops, MIN_OPS), min(ops, int(round_seconds / slowest)))
    started = time.perf_counter()
    for round_number in range(rounds):
        if round_number and rounds_seconds and time.perf_counter() - started > rounds_seconds:
            break
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            op = variants[name](str(round_number))
            gc.collect()
            start = time.perf_counter()
            for index in range(ops):
                op(index)
            samples[name].append((time.perf_counter() - start) / ops * 1e6)
            if reset is not None:
                reset()
    return samples, ops


def measure_workload(
    number: int,
    workload: Workload,
    store: Store,
    baselines: Sequence[Baseline],
    fixture: Fixture,
    settings: Settings,
) -> WorkloadResult:
    """Time one workload for ours and every baseline."""
    ops = workload.ops(fixture)
    prefix = f"w{number}"
    variants: dict[str, Callable[[str], Op]] = {
        "ours": lambda tag: workload.ours(store, fixture, f"{prefix}-ours-{tag}")
    }
    if workload.singles is not None:
        singles = workload.singles
        variants["singles"] = lambda tag: singles(store, fixture, f"{prefix}-singles-{tag}")
    for baseline in baselines:
        variants[baseline.label] = _baseline_factory(workload, baseline, fixture, prefix)
    bulk = workload.group == BULK
    rounds, ops = time_variants(
        variants,
        ops,
        settings.bulk_rounds if bulk else settings.rounds,
        0 if bulk else ops,
        None if bulk else (settings.round_seconds or None),
        (settings.bulk_seconds or None) if bulk else None,
        partial(store.connectors.clear_tenant, NEW_TENANT) if workload.creates else None,
    )
    micros = {name: statistics.median(values) for name, values in rounds.items()}
    return WorkloadResult(workload.name, workload.group, ops, micros, rounds=rounds)


def _baseline_factory(
    workload: Workload, baseline: Baseline, fixture: Fixture, prefix: str
) -> Callable[[str], Op]:
    return lambda tag: workload.baseline(baseline, fixture, f"{prefix}-{baseline.label}-{tag}")


@contextmanager
def opened(url: str) -> Iterator[tuple[Store, list[Baseline]]]:
    """A private database for ``url`` with our schema, our store and the baselines on it."""
    with ExitStack() as stack:
        private = stack.enter_context(isolated_url(url))
        store = stack.enter_context(open_store(private))
        store.create_schema()
        baselines = open_baselines(private, store)
        for baseline in baselines:
            stack.callback(baseline.close)
        yield store, baselines


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """The objects alive now (modules, drivers, ORM mappings, the fixture) left out of every
    garbage collection for the block (``gc.freeze``): the full collection before each timed
    round then walks only what the workloads made — it walked all ~85,000 objects, 80 ms
    each on a slow day, a quarter of a default run's time — and no collection during a round
    walks them either, for ours and the baselines alike. Objects the process froze before
    stay frozen, with these (``gc.unfreeze`` cannot tell them apart)."""
    frozen_before = gc.get_freeze_count()
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_before:
            gc.unfreeze()


def measure_backend(url: str, label: str, settings: Settings) -> BackendResult:
    """Seed a private database for ``url`` and time every workload on it."""
    started = time.perf_counter()
    dataset = Dataset(settings.rows, settings.seed)
    results: list[WorkloadResult] = []
    with opened(url) as (store, baselines):
        progress(f"{label}: seeding {settings.rows} connectors and responses")
        seed(store, baselines, dataset)
        fixture = build_fixture(store, dataset, settings)
        for baseline in baselines:
            check_same_results(store, baseline, fixture)
        with _heap_frozen():
            for number, workload in enumerate(WORKLOADS):
                if settings.workloads and workload.name not in settings.workloads:
                    continue
                result = measure_workload(number, workload, store, baselines, fixture, settings)
                progress(f"{label}: {workload.name}: {result.status}")
                results.append(result)
        labels = tuple(baseline.label for baseline in baselines)
    return BackendResult(
        label, family_of(url), labels, results, time.perf_counter() - started
    )

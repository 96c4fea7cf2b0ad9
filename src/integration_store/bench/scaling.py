"""``--scaling LARGE``: do our reads stay flat as the tables grow?

On each URL (default: a temporary SQLite file; PostgreSQL when given), the tables are seeded
with ``--rows`` rows (default 10,000) and ours is timed on get, get_by_name, the first list
page, the first pending page and keyset pages spread through the big tenant and the pending
queue; then the tables are grown to ``LARGE`` rows (the raw baseline's batch inserts, our
encoding) and the same reads are timed again. The figure is large / small, targeted at
``targets.SCALING_LIMIT``.

After each seeding a SQL database gathers its statistics (``ANALYZE``), as autovacuum does for a
table that grew over time: a table bulk-loaded to a million rows a moment ago still has the
statistics of ten thousand, and PostgreSQL then plans a keyset page as a bitmap scan of half the
table plus a sort (measured: ~50 ms where ~1 ms is right) — a property of the load, not of the
steady state the scaling target is about.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .dataset import Dataset
from .harness import Settings, build_fixture, measure_workload, opened, progress, seed
from .report import write_json
from .targets import SCALING_LIMIT
from .workloads import WORKLOADS

READS = ("get", "get_by_name", "list 100", "pending 100", "keyset page 100", "pending keyset 100")
"""The workloads a scaling run times (reads only: writes would grow the tables)."""


def run_scaling(
    urls: Sequence[str],
    small: int,
    large: int,
    args: argparse.Namespace,
    label_of: Callable[[str], str],
) -> int:
    """Time the reads at ``small`` and at ``large`` rows on each URL; print the ratios."""
    settings = Settings(rows=small, ops=args.ops, rounds=args.rounds,
                        round_seconds=args.round_seconds, seed=args.seed)
    workloads = [workload for workload in WORKLOADS if workload.name in READS]
    rows: list[dict[str, Any]] = []
    for url in urls:
        label = label_of(url)
        with opened(url) as (store, baselines):
            figures: dict[int, dict[str, tuple[float | None, str]]] = {}
            for size, start in ((small, 0), (large, small)):
                progress(f"{label}: seeding up to {size} rows")
                dataset = Dataset(size, settings.seed)
                seed(store, baselines, dataset, start)
                _gather_statistics(store)
                fixture = build_fixture(store, dataset, settings)
                figures[size] = {}
                for number, workload in enumerate(workloads):
                    result = measure_workload(number, workload, store, [], fixture, settings)
                    figures[size][workload.name] = (result.micros.get("ours"), result.status)
                    progress(f"{label} @ {size}: {workload.name}: {result.status}")
        for workload in workloads:
            before, status = figures[small][workload.name]
            after, _ = figures[large][workload.name]
            ratio = after / before if before and after else None
            rows.append({"backend": label, "workload": workload.name, "status": status,
                         "small_rows": small, "large_rows": large, "small_micros": before,
                         "large_micros": after, "ratio": ratio, "limit": SCALING_LIMIT,
                         "ok": None if ratio is None else ratio <= SCALING_LIMIT})  # fmt: skip
    print(_table(rows, small, large), flush=True)
    if args.json is not None:
        write_json(Path(args.json), {"scaling": rows})
    return 0


def _table(rows: Sequence[dict[str, Any]], small: int, large: int) -> str:
    header = ["backend", "workload", f"µs @ {small:,}", f"µs @ {large:,}", "large/small", "target"]
    lines = [header]
    for row in rows:
        if row["ratio"] is None:
            lines.append([row["backend"], row["workload"], row["status"], "", "", ""])
            continue
        mark = "✓" if row["ok"] else "✗"
        lines.append([row["backend"], row["workload"], f"{row['small_micros']:.1f}",
                      f"{row['large_micros']:.1f}", f"{row['ratio']:.2f}x",
                      f"{mark} ≤{SCALING_LIMIT:g}x"])  # fmt: skip
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i])
                      for i, cell in enumerate(line)).rstrip() for line in lines]  # fmt: skip
    text.insert(1, "-" * len(text[0]))
    return "\n".join(text)


def _gather_statistics(store: Any) -> None:
    """``ANALYZE`` on a SQL store (see the module docstring), then on PostgreSQL a
    ``CHECKPOINT``, so the gigabyte a load of a million rows dirtied is not written out while
    the large reads are timed; other backends keep none."""
    engine = getattr(store.backend, "engine", None)
    if engine is None:
        return
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("CHECKPOINT")

"""``integration-store bench``: argument parsing and the run."""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import tempfile
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Final

from integration_store.discovery import redacted

from .harness import BackendResult, Settings, machine_micros, measure_backend, progress
from .report import as_json, table, write_chart, write_json
from .targets import family_of
from .workloads import WORKLOADS

SCALING_ROWS: Final = 10_000
"""The small size of ``--scaling``, unless ``--rows`` names another."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``bench`` subcommand's options."""
    defaults = Settings()
    parser.add_argument("urls", nargs="*", metavar="URL",
                        help="store URLs (default: memory://, a temp SQLite file, mongomock://)")
    parser.add_argument("--rows", type=int, default=None,
                        help="connectors and responses seeded beforehand "
                        f"({defaults.rows}; with --scaling, the small size: {SCALING_ROWS:,})")
    parser.add_argument("--ops", type=int, default=defaults.ops,
                        help=f"operations per round ({defaults.ops})")
    parser.add_argument("--rounds", type=int, default=defaults.rounds,
                        help=f"timed rounds; the median counts ({defaults.rounds})")
    parser.add_argument("--bulk-size", type=int, default=defaults.bulk_size,
                        help=f"rows per bulk call ({defaults.bulk_size})")
    parser.add_argument("--bulk-rounds", type=int, default=defaults.bulk_rounds,
                        help=f"timed rounds of the bulk workloads ({defaults.bulk_rounds})")
    parser.add_argument("--bulk-seconds", type=float, default=defaults.bulk_seconds,
                        help="start no more bulk rounds after this long "
                        f"({defaults.bulk_seconds}; 0: never)")  # fmt: skip
    parser.add_argument("--round-seconds", type=float, default=defaults.round_seconds,
                        help="cap a round of a slow backend at about this long, with fewer "
                        f"operations ({defaults.round_seconds}; 0: never)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=defaults.seed, help="dataset seed")
    parser.add_argument("--workloads", type=_workload_names, default=(), metavar="NAME[,NAME]",
                        help="run only these workloads (names as printed: "
                        "'record_raw_response,bulk responses')")  # fmt: skip
    parser.add_argument("--json", type=Path, metavar="PATH", help="write every figure as JSON")
    parser.add_argument("--chart", type=Path, metavar="PATH",
                        help="write a PNG bar chart of the ratios (needs the [bench] extra)")
    parser.add_argument("--scaling", type=int, metavar="LARGE",
                        help=f"instead: time reads at --rows ({SCALING_ROWS:,}) and at LARGE rows "
                        "(default URLs: a temp SQLite file)")  # fmt: skip


def _workload_names(text: str) -> tuple[str, ...]:
    """The names given to ``--workloads``, each one a workload's (so a typo fails at once)."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    known = [workload.name for workload in WORKLOADS]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown workload {', '.join(map(repr, unknown)) or repr(text)};"
            f" the workloads are {', '.join(map(repr, known))}"
        )
    return names


def _label(url: str) -> str:
    family = family_of(url)
    names = {"memory": "memory://", "mongomock": "mongomock://", "sqlite-file": "sqlite file"}
    return names.get(family, redacted(url))


def run(args: argparse.Namespace) -> int:
    """Run the benchmark (or the scaling run) and report; 0 unless a backend failed."""
    temp = tempfile.mkdtemp(prefix="integration-store-bench-")
    try:
        if args.scaling is not None:
            from .scaling import run_scaling

            small = SCALING_ROWS if args.rows is None else args.rows
            urls = args.urls or [f"sqlite:///{temp}/scaling.db"]
            return run_scaling(urls, small, args.scaling, args, _label)
        rows = Settings().rows if args.rows is None else args.rows
        settings = Settings(rows=rows, ops=args.ops, rounds=args.rounds,
                            bulk_size=args.bulk_size, bulk_rounds=args.bulk_rounds,
                            bulk_seconds=args.bulk_seconds,
                            round_seconds=args.round_seconds, seed=args.seed,
                            workloads=args.workloads)  # fmt: skip
        started = machine_micros()
        results, failed = _measure_all(args.urls or default_urls(temp), settings)
        machine = (started, machine_micros())
        print(table(results, machine), flush=True)
        for line in failed:
            print(line, flush=True)
        if args.json is not None:
            write_json(args.json, as_json(results, settings, machine))
        if args.chart is not None:
            write_chart(args.chart, results)
        return 1 if failed else 0
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def default_urls(temp: str) -> list[str]:
    """memory://, a SQLite file in ``temp`` and mongomock:// (when installed)."""
    from integration_store.test_support import embedded_test_urls

    embedded = embedded_test_urls()
    urls = ["memory://", f"sqlite:///{temp}/bench.db"]
    return urls + [url for url in embedded if url.startswith("mongomock")]


def _measure_all(
    urls: Sequence[str], settings: Settings
) -> tuple[list[BackendResult], list[str]]:
    """Figures of every backend that ran, and a line for each that failed (the others still
    run: one server being down should not cost the whole run)."""
    results, failed = [], []
    for url in urls:
        label = _label(url)
        progress(f"{label}: starting")
        try:
            results.append(_measure_apart(url, label, settings))
        except Exception as error:
            failed.append(f"{label}: FAILED: {type(error).__name__}: {error}")
            progress(failed[-1])
            continue
        progress(f"{label}: done in {results[-1].seconds:.1f} s")
    return results, failed


def _measure_apart(url: str, label: str, settings: Settings) -> BackendResult:
    """``measure_backend`` in a new interpreter of its own, as ``verify`` runs each backend: what
    an earlier backend left in this process (its modules, caches and heap, which the garbage
    collector walks) would otherwise slow the Python work of the later ones, and each backend's
    figures would depend on the URLs before it."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as apart:
        return apart.submit(measure_backend, url, label, settings).result()

"""``integration-store bench`` end to end at tiny sizes (figures are checked for presence and
sign only: timing asserts would fail on a busy machine)."""

from __future__ import annotations

import gc
import importlib.util
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from integration_store.bench import harness
from integration_store.bench.dataset import Dataset
from integration_store.bench.harness import Settings, build_fixture, opened, seed, time_variants
from integration_store.bench.workloads import WORKLOADS, Op
from integration_store.cli import main

TINY = ["--ops", "5", "--rows", "20", "--rounds", "1", "--bulk-size", "5", "--bulk-rounds", "1"]
BASELINES = {"memory": set(), "sqlite-file": {"raw", "core", "orm"}, "mongomock": {"raw"}}


def _bench(tmp_path: Path, *extra: str) -> dict[str, Any]:
    figures = tmp_path / "bench.json"
    urls = ["memory://", f"sqlite:///{tmp_path}/bench.db", "mongomock://"]
    assert main(["bench", *TINY, "--json", str(figures), *extra, *urls]) == 0
    document: dict[str, Any] = json.loads(figures.read_text(encoding="utf-8"))
    return document


def _check_figures(document: dict[str, Any], baselines: dict[str, set[str]] = BASELINES) -> None:
    assert document["machine_micros"]["start"] > 0 and document["machine_micros"]["end"] > 0
    assert [backend["family"] for backend in document["backends"]] == list(baselines)
    for backend in document["backends"]:
        assert set(backend["baselines"]) == baselines[backend["family"]]
        by_name = {workload["workload"]: workload for workload in backend["workloads"]}
        assert list(by_name) == [workload.name for workload in WORKLOADS]
        for workload in WORKLOADS:
            figures = by_name[workload.name]
            assert figures["status"] == "ok"
            expected = set(backend["baselines"]) | ({"singles"} if workload.singles else set())
            assert set(figures["micros"]) == {"ours"} | expected
            assert all(micros > 0 for micros in figures["micros"].values())
            assert set(figures["ratios"]) == expected
            assert all(ratio > 0 for ratio in figures["ratios"].values())
            assert figures["rounds"].keys() == figures["micros"].keys()
            assert len({len(times) for times in figures["rounds"].values()}) == 1


def test_bench_reports_a_figure_for_every_workload_and_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _bench(tmp_path)

    _check_figures(document)
    table = capsys.readouterr().out
    assert "ours/raw" in table and "sqlite file" in table and "mongomock://" in table
    assert "this machine:" in table


def test_bench_runs_on_each_server_with_its_baselines(server_base_url: str, tmp_path: Path) -> None:
    # The raw driver, Core and ORM baselines of PostgreSQL and MariaDB first check that they
    # return what ours returns, then every workload runs once.
    figures = tmp_path / "bench.json"
    assert main(["bench", *TINY, "--json", str(figures), server_base_url]) == 0

    family = "postgresql" if server_base_url.startswith("postgresql") else "mariadb"
    _check_figures(json.loads(figures.read_text()), {family: {"raw", "core", "orm"}})


def test_the_keyset_workloads_start_from_cursors_spread_through_the_data() -> None:
    # Each keyset page is timed after a real cursor: a cursor-less page is the first page again.
    settings = Settings()
    dataset = Dataset(settings.rows, settings.seed)
    with opened("memory://") as (store, baselines):
        seed(store, baselines, dataset)
        fixture = build_fixture(store, dataset, settings)
    for pages in (fixture.connector_pages, fixture.pending_pages):
        assert len(pages) >= 2
        assert all(cursor is not None and key is not None for cursor, key in pages)
        assert len({cursor for cursor, _ in pages}) == len(pages)


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="needs [bench]")
def test_bench_draws_a_chart(tmp_path: Path) -> None:
    chart = tmp_path / "bench.png"

    _bench(tmp_path, "--chart", str(chart))

    assert chart.read_bytes().startswith(b"\x89PNG")


def test_bench_runs_only_the_workloads_named(tmp_path: Path) -> None:
    document = _bench(tmp_path, "--workloads", "get, record_raw_response")

    for backend in document["backends"]:
        assert [w["workload"] for w in backend["workloads"]] == ["get", "record_raw_response"]
    assert document["settings"]["workloads"] == ["get", "record_raw_response"]


def test_scaling_times_each_read_at_both_sizes_with_their_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = tmp_path / "scaling.json"
    url = f"sqlite:///{tmp_path}/scaling.db"
    sizes = ["--rows", "200", "--scaling", "400"]

    code = main(["bench", "--ops", "5", "--rounds", "1", *sizes, "--json", str(figures), url])

    assert code == 0
    rows = json.loads(figures.read_text(encoding="utf-8"))["scaling"]
    reads = [
        "get",
        "get_by_name",
        "list 100",
        "pending 100",
        "keyset page 100",
        "pending keyset 100",
    ]
    assert sorted(row["workload"] for row in rows) == sorted(reads)
    printed = [re.split(r"\s{2,}", line) for line in capsys.readouterr().out.splitlines()]
    assert ["backend", "workload", "µs @ 200", "µs @ 400", "large/small", "target"] in printed
    by_workload = {cells[1]: cells[2:] for cells in printed if cells[0] == "sqlite file"}
    for row in rows:
        assert row["backend"] == "sqlite file" and row["status"] == "ok"
        assert (row["small_rows"], row["large_rows"]) == (200, 400)
        assert row["small_micros"] > 0 and row["large_micros"] > 0
        assert row["ratio"] == pytest.approx(row["large_micros"] / row["small_micros"])
        assert row["ok"] is (row["ratio"] <= row["limit"])
        mark = "✓" if row["ok"] else "✗"
        assert by_workload[row["workload"]] == [
            f"{row['small_micros']:.1f}",
            f"{row['large_micros']:.1f}",
            f"{row['ratio']:.2f}x",
            f"{mark} ≤{row['limit']:g}x",
        ]


def test_bench_refuses_an_unknown_workload_name(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "--workloads", "record_raw_responses", "memory://"])

    assert code != 0
    error = capsys.readouterr().err
    assert "unknown workload 'record_raw_responses'" in error and "'bulk responses'" in error


def test_bench_measures_each_url_in_a_process_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Broken here, in the test's process only: a backend measured in it would fail.
    def broken(*arguments: Any) -> None:
        raise RuntimeError("seeded in the calling process")

    monkeypatch.setattr(harness, "seed", broken)

    assert main(["bench", *TINY, "--workloads", "get", "memory://"]) == 0


def test_no_round_starts_once_the_rounds_have_taken_their_time() -> None:
    calls: dict[str, int] = {"slow": 0, "fast": 0}

    def variant(name: str, seconds: float) -> Callable[[str], Op]:
        def op(index: int) -> None:
            calls[name] += 1
            time.sleep(seconds)

        return lambda tag: op

    variants = {"slow": variant("slow", 0.02), "fast": variant("fast", 0)}
    rounds, ops = time_variants(variants, 1, 5, 0, rounds_seconds=0.01)

    assert calls == {"slow": 1, "fast": 1}  # one round each, then the budget was spent
    assert ops == 1 and rounds.keys() == {"slow", "fast"}
    assert all(len(times) == 1 for times in rounds.values())
    time_variants(variants, 1, 3, 0)
    assert calls == {"slow": 4, "fast": 4}  # without a budget, every round


def test_the_warm_up_runs_its_count_or_stops_after_its_time_with_ten_done(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]  # a clock the operations move on: no sleeping, no real time
    monkeypatch.setattr(harness.time, "perf_counter", lambda: now[0])
    warm: dict[str, int] = {"fast": 0, "slow": 0}

    def variant(name: str, seconds: float) -> Callable[[str], Op]:
        def factory(tag: str) -> Op:
            def op(index: int) -> None:
                warm[name] += tag == "warm"
                now[0] += seconds

            return op

        return factory

    time_variants({"fast": variant("fast", 1e-6)}, 1, 1, 200)
    time_variants({"slow": variant("slow", harness.WARM_UP_SECONDS / 8)}, 1, 1, 200)

    assert warm == {"fast": 200, "slow": harness.WARM_UP_OPS}


def test_every_variant_starts_from_the_data_the_reset_restores() -> None:
    table: list[str] = []
    seen: dict[str, list[int]] = {"ours": [], "raw": []}

    def variant(name: str) -> Callable[[str], Op]:
        def factory(tag: str) -> Op:
            seen[name].append(len(table))  # the rows there when its round starts
            return table.append

        return factory

    variants = {"ours": variant("ours"), "raw": variant("raw")}
    time_variants(variants, 4, 3, 2, reset=table.clear)

    assert seen == {"ours": [0, 0, 0, 0], "raw": [0, 0, 0, 0]}  # warm-up and three rounds
    assert table == []


def test_the_rounds_run_with_the_heap_of_before_left_out_of_collections() -> None:
    assert gc.get_freeze_count() == 0
    with harness._heap_frozen():
        assert gc.get_freeze_count() > 0  # what is alive now
    assert gc.get_freeze_count() == 0


def test_what_the_process_froze_before_stays_frozen() -> None:
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with harness._heap_frozen():
            pass
        assert gc.get_freeze_count() >= before > 0
    finally:
        gc.unfreeze()


def test_a_ratio_pairs_the_variants_timed_in_the_same_round() -> None:
    # The machine slowed in rounds 2 and 3: both sides of each pair slowed with it.
    result = harness.WorkloadResult(
        "get",
        "single",
        1,
        {"ours": 12.0, "raw": 20.0},
        rounds={"ours": [10.0, 12.0, 30.0, 33.0, 11.0], "raw": [10.0, 11.0, 31.0, 30.0, 20.0]},
    )

    assert result.ratio("raw") == pytest.approx(1.0)  # the medians' quotient would say 0.6
    assert result.ratio("core") is None
    without_rounds = harness.WorkloadResult("get", "single", 1, {"ours": 12.0, "raw": 20.0})
    assert without_rounds.ratio("raw") == pytest.approx(0.6)
    uneven = harness.WorkloadResult(
        "get", "single", 1, {"ours": 1.0, "raw": 1.0}, rounds={"ours": [1.0], "raw": [1.0, 2.0]}
    )
    with pytest.raises(ValueError):
        uneven.ratio("raw")  # rounds that do not pair are a harness bug, never averaged away

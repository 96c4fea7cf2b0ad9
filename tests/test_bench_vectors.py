"""``integration-store bench-vectors`` at a tiny size: it runs, compares its results with the
numpy baseline, and prints a figure line per URL and count (no timing is asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integration_store.cli import main

np = pytest.importorskip("numpy")

from integration_store.bench.vectors import numpy_search  # noqa: E402
from integration_store.live.vector_checks import Metric  # noqa: E402
from integration_store.live.vector_search import VectorIndex  # noqa: E402


def _figure_lines(output: str, label: str) -> list[list[str]]:
    return [line.split() for line in output.splitlines() if line.startswith(label)]


def test_bench_vectors_prints_figures_for_each_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "bench-vectors",
            "memory://",
            "--count",
            "40",
            "120",
            "--dimension",
            "6",
            "--queries",
            "3",
            "--top-k",
            "5",
        ]
    )

    output = capsys.readouterr().out
    assert code == 0, output
    lines = _figure_lines(output, "memory://")
    assert [line[1] for line in lines] == ["40", "120"]
    for line in lines:
        assert line[2] == "6"
        assert all(float(value) > 0 for value in line[4:7])
        assert line[7].endswith("x") and line[8].endswith("x")


@pytest.mark.parametrize("metric", ["dot", "euclidean"])
def test_bench_vectors_runs_every_metric(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, metric: str
) -> None:
    code = main(
        [
            "bench-vectors",
            "memory://",
            "--count",
            "30",
            "--dimension",
            "4",
            "--queries",
            "2",
            "--metric",
            metric,
        ]
    )

    assert code == 0
    assert len(_figure_lines(capsys.readouterr().out, "memory://")) == 1


def test_the_numpy_baseline_ranks_like_the_client() -> None:
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(50, 3))
    index = VectorIndex(1, [f"v{n:02}" for n in range(50)], matrix, [{}] * 50, Metric.EUCLIDEAN)
    query = rng.normal(size=3)

    rows, _ = index.nearest(query, 7, None)
    expected = np.argsort(np.linalg.norm(matrix - query, axis=1), kind="stable")[:7]

    assert numpy_search(index, query, 7) == rows.tolist() == expected.tolist()

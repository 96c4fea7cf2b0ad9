"""The report of a run: an aligned text table, a JSON file of every figure, a PNG chart.

Every figure is µs per operation (a bulk operation is one call of ``--bulk-size`` rows), the
median over rounds; a ratio is ours / baseline, the median over rounds of the two timed in the
same round (``harness``), so below 1 ours is faster. A figure with a target prints it and a ✓
or ✗ beside it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from integration_store.errors import IntegrationStoreError

from .harness import BackendResult, Settings, WorkloadResult
from .targets import ABSOLUTE, target_for

BASELINES: Final = ("raw", "core", "orm", "singles")
"""Comparison columns, in print order (``singles``: ours one call per row, bulk only)."""


def _micros(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _judged(backend: BackendResult, result: WorkloadResult, baseline: str) -> str:
    ratio = result.ratio(baseline)
    if ratio is None:
        return "-"
    text = f"{ratio:.2f}x"
    target = target_for(backend.family, result.workload, result.group, baseline)
    if target is not None:
        text += f" {'✓' if target.passes(ratio) else '✗'} {target.text}"
    return text


def _absolute(backend: BackendResult, result: WorkloadResult) -> str:
    target = target_for(backend.family, result.workload, result.group, ABSOLUTE)
    ours = result.micros.get("ours")
    if target is None or ours is None:
        return ""
    return f"{'✓' if target.passes(ours) else '✗'} {target.text}"


def table(backends: Sequence[BackendResult], machine: tuple[float, float]) -> str:
    """Every figure as one aligned text table (``machine``: ``harness.machine_micros`` at the
    start and at the end of the run)."""
    header = ["backend", "workload", "ops", "ours µs"]
    for baseline in BASELINES:
        header += [f"{baseline} µs", f"ours/{baseline}"]
    header.append("target")
    rows = [header]
    for backend in backends:
        for result in backend.workloads:
            if result.status != "ok":
                rows.append([backend.label, result.workload, result.status])
                continue
            row = [backend.label, result.workload, str(result.ops),
                   _micros(result.micros.get("ours"))]
            for baseline in BASELINES:
                row += [_micros(result.micros.get(baseline)), _judged(backend, result, baseline)]
            row.append(_absolute(backend, result))
            rows.append(row)
    widths = [max(len(row[column]) for row in rows if column < len(row))
              for column in range(len(header))]  # fmt: skip
    lines = []
    for row in rows:
        cells = [cell.rjust(widths[i]) if i >= 2 else cell.ljust(widths[i])
                 for i, cell in enumerate(row)]  # fmt: skip
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    timing = ", ".join(f"{backend.label} {backend.seconds:.1f} s" for backend in backends)
    lines.append("\nµs: the median over rounds; ours/x: the median over rounds of ours ÷ x")
    lines.append(f"time per backend: {timing}")
    lines.append(
        f"this machine: harness.machine_micros' loop took {machine[0]:.0f} µs at the start,"
        f" {machine[1]:.0f} µs at the end"
    )
    return "\n".join(lines)


def as_json(
    backends: Sequence[BackendResult], settings: Settings, machine: tuple[float, float]
) -> dict[str, Any]:
    """Every figure, ratio and target verdict of the run."""
    out: dict[str, Any] = {"settings": attrs.asdict(settings), "unit": "µs per operation",
                           "machine_micros": {"start": machine[0], "end": machine[1]},
                           "backends": []}  # fmt: skip
    for backend in backends:
        workloads = []
        for result in backend.workloads:
            ratios: dict[str, float] = {}
            verdicts: dict[str, dict[str, Any]] = {}
            for baseline in BASELINES:
                ratio = result.ratio(baseline)
                if ratio is None:
                    continue
                ratios[baseline] = ratio
                target = target_for(backend.family, result.workload, result.group, baseline)
                if target is not None:
                    verdicts[baseline] = {"target": target.text, "limit": target.limit,
                                          "ok": target.passes(ratio)}  # fmt: skip
            target = target_for(backend.family, result.workload, result.group, ABSOLUTE)
            ours = result.micros.get("ours")
            if target is not None and ours is not None:
                verdicts[ABSOLUTE] = {"target": target.text, "limit": target.limit,
                                      "ok": target.passes(ours)}  # fmt: skip
            workloads.append({
                "workload": result.workload, "group": result.group, "status": result.status,
                "ops_per_round": result.ops, "micros": result.micros, "ratios": ratios,
                "targets": verdicts, "rounds": result.rounds,
            })  # fmt: skip
        out["backends"].append({
            "label": backend.label, "family": backend.family, "baselines": list(backend.baselines),
            "seconds": backend.seconds, "workloads": workloads,
        })  # fmt: skip
    return out


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write the figures as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_chart(path: Path, backends: Sequence[BackendResult]) -> None:
    """A PNG: per baseline, bars of ours/baseline by workload, one bar per backend."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as missing:
        raise IntegrationStoreError(
            "--chart needs matplotlib: pip install 'integration-store[bench]'"
        ) from missing
    panels = [b for b in BASELINES if any(b in backend.baselines or b == "singles"
                                          for backend in backends)]  # fmt: skip
    panels = [b for b in panels if any(r.ratio(b) for x in backends for r in x.workloads)]
    if not panels:
        panels = ["raw"]
    figure, axes = plt.subplots(len(panels), 1, figsize=(12, 3.6 * len(panels)), squeeze=False)
    names = [r.workload for r in backends[0].workloads] if backends else []
    for axis, baseline in zip(axes[:, 0], panels, strict=True):
        with_ratio = [b for b in backends if any(r.ratio(baseline) for r in b.workloads)]
        width = 0.8 / max(1, len(with_ratio))
        for offset, backend in enumerate(with_ratio):
            by_name = {r.workload: r.ratio(baseline) for r in backend.workloads}
            heights = [by_name.get(name) or 0.0 for name in names]
            positions = [i + (offset - (len(with_ratio) - 1) / 2) * width
                         for i in range(len(names))]  # fmt: skip
            axis.bar(positions, heights, width, label=backend.label)
        axis.axhline(1.0, color="black", linewidth=0.8)
        axis.set_xticks(range(len(names)), names, rotation=20, ha="right", fontsize=8)
        axis.set_ylabel(f"ours / {baseline}")
        axis.set_title(f"ours / {baseline} (lower is better; 1 = same speed)", fontsize=10)
        axis.legend(fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)

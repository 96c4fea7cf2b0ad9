"""``integration-store bench`` end to end at tiny sizes (figures are checked for presence and
sign only: timing asserts would fail on a busy machine)."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from integration_store import Connector, ExternalResponse
from integration_store.bench.workloads import WORKLOADS
from integration_store.cli import main
from integration_store.services.connectors import ConnectorRegistry
from integration_store.services.responses import ExternalResponseService

TINY = ["--ops", "5", "--rows", "20", "--rounds", "1", "--bulk-size", "5", "--bulk-rounds", "1"]
BASELINES = {"memory": set(), "sqlite-file": {"raw", "core", "orm"}, "mongomock": {"raw"}}


def _bench(tmp_path: Path, *extra: str) -> dict[str, Any]:
    figures = tmp_path / "bench.json"
    urls = ["memory://", f"sqlite:///{tmp_path}/bench.db", "mongomock://"]
    assert main(["bench", *TINY, "--json", str(figures), *extra, *urls]) == 0
    document: dict[str, Any] = json.loads(figures.read_text(encoding="utf-8"))
    return document


def _check_figures(document: dict[str, Any], *, everything_available: bool) -> None:
    assert [backend["family"] for backend in document["backends"]] == list(BASELINES)
    for backend in document["backends"]:
        assert set(backend["baselines"]) == BASELINES[backend["family"]]
        by_name = {workload["workload"]: workload for workload in backend["workloads"]}
        assert list(by_name) == [workload.name for workload in WORKLOADS]
        for workload in WORKLOADS:
            figures = by_name[workload.name]
            if figures["status"] != "ok":
                assert not everything_available
                assert figures["status"] == "n/a: not available"
                continue
            expected = set(backend["baselines"]) | ({"singles"} if workload.singles else set())
            assert set(figures["micros"]) == {"ours"} | expected
            assert all(micros > 0 for micros in figures["micros"].values())
            assert set(figures["ratios"]) == expected
            assert all(ratio > 0 for ratio in figures["ratios"].values())


def test_bench_reports_a_figure_for_every_workload_and_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _bench(tmp_path)

    _check_figures(document, everything_available=False)
    table = capsys.readouterr().out
    assert "ours/raw" in table and "sqlite file" in table and "mongomock://" in table


# A stand-in for the bulk and keyset API landing on another branch, on top of today's calls, so
# the workloads that wait for it are exercised end to end now.


@attrs.frozen
class _Page:
    items: list[Any]
    next_cursor: int | None


def _register_many(self: ConnectorRegistry, connectors: list[Connector]) -> list[Connector]:
    return [self.register(connector) for connector in connectors]


def _list_page(
    self: ConnectorRegistry, tenant_id: str, limit: int = 100, after: int | None = None
) -> _Page:
    offset = after or 0
    items = self.list(tenant_id=tenant_id, limit=limit, offset=offset)
    return _Page(items, offset + len(items) if len(items) == limit else None)


def _record_raw_responses(
    self: ExternalResponseService, responses: list[dict[str, Any]]
) -> list[ExternalResponse]:
    return [self.record_raw_response(**response) for response in responses]


_PENDING = ExternalResponseService.get_pending_interpretations


def _pending(
    self: ExternalResponseService, owner: str, limit: int = 100, after: int | None = None
) -> Any:
    if after is None and limit == 100:
        return _PENDING(self, owner, limit)
    offset = after or 0
    items = _PENDING(self, owner, min(10_000, offset + limit))[offset:]
    return _Page(items, offset + len(items) if len(items) == limit else None)


@pytest.fixture
def upcoming_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(ConnectorRegistry, "register_many", _register_many, raising=False)
    monkeypatch.setattr(ConnectorRegistry, "list_page", _list_page, raising=False)
    monkeypatch.setattr(
        ExternalResponseService, "record_raw_responses", _record_raw_responses, raising=False
    )
    monkeypatch.setattr(ExternalResponseService, "get_pending_interpretations", _pending)
    yield


@pytest.mark.usefixtures("upcoming_api")
def test_bench_measures_the_bulk_and_keyset_workloads_once_their_api_exists(
    tmp_path: Path,
) -> None:
    document = _bench(tmp_path)

    _check_figures(document, everything_available=True)


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


def test_bench_refuses_an_unknown_workload_name(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["bench", "--workloads", "record_raw_responses", "memory://"])

    assert code != 0
    error = capsys.readouterr().err
    assert "unknown workload 'record_raw_responses'" in error and "'bulk responses'" in error

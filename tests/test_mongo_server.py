"""The MongoDB backend on a real server over a socket: the first ``mongodb://`` URL in
``INTEGRATION_STORE_TEST_URLS``, else a SecantusDB started by ``scripts/secantus.py`` for this
module (skipped when neither is available). Also: a down server is reported quickly."""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("pymongo")

from pymongo import MongoClient
from pymongo.errors import ServerSelectionTimeoutError

from integration_store import (
    TRANSACTIONS,
    BackendUnavailableError,
    Connector,
    ConnectorAlreadyExistsError,
    DuplicateConnectorNameError,
    IntegrationStoreError,
    open_store,
)
from integration_store.bench.workloads import WORKLOADS
from integration_store.discovery import provider_for
from integration_store.store import Store
from integration_store.testing import FixedClock, SequentialIds

LAUNCHER = Path(__file__).resolve().parent.parent / "scripts" / "secantus.py"


def _env_server_url() -> str | None:
    for url in os.environ.get("INTEGRATION_STORE_TEST_URLS", "").split(","):
        if url.strip().startswith(("mongodb://", "mongodb+srv://")):
            return url.strip()
    return None


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A MongoDB-wire server for this module's tests."""
    configured = _env_server_url()
    if configured is not None:
        yield configured
        return
    if importlib.util.find_spec("secantus") is None:
        pytest.skip("no mongodb:// URL in INTEGRATION_STORE_TEST_URLS and SecantusDB not installed")
    pidfile = tmp_path_factory.mktemp("secantus") / "secantus.pid"
    started = subprocess.run(
        [sys.executable, str(LAUNCHER), str(pidfile)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert started.returncode == 0, started.stderr
    pid = int(pidfile.read_text())
    try:
        yield started.stdout.strip()
    finally:
        os.kill(pid, signal.SIGTERM)


@pytest.fixture
def private_url(server_url: str) -> Iterator[str]:
    with provider_for(server_url).isolated_url(server_url) as url:
        yield url


@pytest.fixture
def store(private_url: str) -> Iterator[Store]:
    with open_store(private_url, clock=FixedClock(), id_factory=SequentialIds()) as store:
        store.create_schema()
        yield store


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_closed_port_raises_backend_unavailable_quickly() -> None:
    url = f"mongodb://127.0.0.1:{_closed_port()}/its_test?serverSelectionTimeoutMS=300"
    started = time.monotonic()
    with pytest.raises(BackendUnavailableError) as raised, open_store(url) as store:
        store.connectors.get("c")
    assert time.monotonic() - started < 5
    assert isinstance(raised.value.__cause__, ServerSelectionTimeoutError)


def test_the_default_server_selection_timeout_is_short() -> None:
    url = f"mongodb://127.0.0.1:{_closed_port()}/its_test"
    started = time.monotonic()
    with pytest.raises(BackendUnavailableError), open_store(url) as store:
        store.workers.list_workers()
    assert time.monotonic() - started < 10


def test_isolated_url_names_a_fresh_database_and_drops_it(server_url: str) -> None:
    provider = provider_for(server_url)
    with provider.isolated_url(server_url) as url:
        assert url != server_url
        with open_store(url) as store:
            store.create_schema()
            store.workers.register_worker("w", "W")
        name = url.split("?", 1)[0].rsplit("/", 1)[1]
        client: MongoClient[dict[str, object]] = MongoClient(server_url)
        try:
            assert name in client.list_database_names()
        finally:
            client.close()
    client = MongoClient(server_url)
    try:
        assert name not in client.list_database_names()
    finally:
        client.close()


def test_create_schema_twice_is_harmless(store: Store) -> None:
    store.create_schema()
    store.connectors.register(Connector(connector_id="c", tenant_id="t", name="n"))
    store.create_schema()
    assert store.connectors.get("c") is not None


def test_transactions_are_declared_where_the_server_has_them(store: Store) -> None:
    client: MongoClient[dict[str, object]] = store.backend._client  # type: ignore[attr-defined]
    hello = client.admin.command("hello")
    clustered = "setName" in hello or hello.get("msg") == "isdbgrid"
    assert (TRANSACTIONS in store.capabilities) is clustered


def test_a_conflict_inside_a_transaction_leaves_it_usable(store: Store) -> None:
    if TRANSACTIONS not in store.capabilities:
        pytest.skip("server has no transactions")
    store.connectors.register(Connector(connector_id="c", tenant_id="t", name="n"))
    with store.transaction() as tx:
        with pytest.raises(ConnectorAlreadyExistsError):
            tx.connectors.register(Connector(connector_id="c", tenant_id="t", name="other"))
        tx.connectors.register(Connector(connector_id="d", tenant_id="t", name="d"))
    assert store.connectors.get("d") is not None


def test_a_nested_transaction_joins_the_outer_one(store: Store) -> None:
    if TRANSACTIONS not in store.capabilities:
        pytest.skip("server has no transactions")

    class Abort(Exception):
        pass

    with pytest.raises(Abort), store.transaction() as outer:
        outer.workers.register_worker("w1", "W1")
        with store.transaction() as inner:
            inner.workers.register_worker("w2", "W2")
        raise Abort
    assert store.workers.get_worker("w1") is None
    assert store.workers.get_worker("w2") is None


def test_a_closed_store_raises_a_library_error(private_url: str) -> None:
    store = open_store(private_url)
    store.close()
    with pytest.raises(IntegrationStoreError):
        store.connectors.get("c")


def test_names_stay_unique_even_if_create_schema_was_never_called(private_url: str) -> None:
    with open_store(private_url) as store:
        store.connectors.create_file_connector("t", "same")

        with pytest.raises(DuplicateConnectorNameError):
            store.connectors.create_file_connector("t", "same")

        assert len(store.connectors.list()) == 1


def test_the_bench_runs_here_with_its_raw_pymongo_baseline(
    server_url: str, tmp_path: Path
) -> None:
    # The raw pymongo baseline first checks that it returns what ours returns, then every
    # workload runs once (tiny sizes: figures are checked for presence, never for speed).
    from integration_store.cli import main

    figures = tmp_path / "bench.json"
    tiny = ["--ops", "5", "--rows", "20", "--rounds", "1", "--bulk-size", "5", "--bulk-rounds", "1"]
    assert main(["bench", *tiny, "--json", str(figures), server_url]) == 0

    (backend,) = json.loads(figures.read_text())["backends"]
    assert backend["family"] == "mongodb" and backend["baselines"] == ["raw"]
    assert [workload["workload"] for workload in backend["workloads"]] == [
        workload.name for workload in WORKLOADS
    ]
    for workload in backend["workloads"]:
        assert workload["status"] == "ok" and workload["ratios"]["raw"] > 0



def test_the_bench_baseline_sends_the_very_commands_ours_sends(server_url: str) -> None:
    # The bench holds ours to "raw pymongo issuing the same server command": every workload's
    # filters, sorts, limits and write shapes must match (values differ: ids, names, times).
    # In a process of its own: pymongo's command listeners are registered for a whole process.
    from integration_store.bench.commands import command_shapes

    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as apart:
        shapes = apart.submit(command_shapes, server_url).result(timeout=120)

    assert set(shapes) == {workload.name for workload in WORKLOADS}
    for name, (ours, raw) in shapes.items():
        assert ours, name
        assert ours == raw, name

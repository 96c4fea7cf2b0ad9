"""A MongoDB-wire server restarted under an open store: a SecantusDB of the test's own, its data
on disk, stopped and started again on the same port (``scripts/secantus.py``). The store goes on
without being reopened, keeps what was stored, and applies each write once."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pymongo")

from integration_store import VectorConnector, open_store

LAUNCHER = Path(__file__).resolve().parent.parent / "scripts" / "secantus.py"


class OwnServer:
    """One SecantusDB the test started, on disk in ``home``; stopped and started at will."""

    def __init__(self, home: Path) -> None:
        self._data = home / "data"
        self._pidfile = home / "secantus.pid"
        self.port = 0
        self.pid: int | None = None

    def start(self) -> str:
        """Start it (on the port it had, once it had one); its URL."""
        started = subprocess.run(
            [sys.executable, str(LAUNCHER), str(self._pidfile), "--port", str(self.port),
             "--storage-path", str(self._data), "--database", "restart_test"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip()
        self.port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
        self.pid = int(self._pidfile.read_text())
        return url

    def stop(self) -> None:
        """SIGTERM, then wait until the process is gone (its data files closed)."""
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _running(pid):
            assert time.monotonic() < deadline, f"SecantusDB {pid} did not stop within 30 s"
            time.sleep(0.05)


def _running(pid: int) -> bool:
    """Whether a process (not this one's child, maybe not reaped) still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().split(") ", 1)[1][0] != "Z"  # a zombie has ended
    except (FileNotFoundError, IndexError):
        return not sys.platform.startswith("linux")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[OwnServer]:
    if importlib.util.find_spec("secantus") is None:
        pytest.skip("SecantusDB is not installed")
    own = OwnServer(tmp_path)
    try:
        yield own
    finally:
        own.stop()


def test_an_open_store_goes_on_after_its_server_restarts(server: OwnServer) -> None:
    url = server.start()
    with open_store(url) as store:
        store.create_schema()
        store.connectors.register(VectorConnector(connector_id="a", tenant_id="t", name="a"))
        store.connectors.record_connection("a")

        server.stop()
        server.start()

        store.connectors.register(VectorConnector(connector_id="b", tenant_id="t", name="b"))
        assert store.connectors.record_connection("a").connection_count == 2
        assert [c.connector_id for c in store.connectors.list("t")] == ["a", "b"]

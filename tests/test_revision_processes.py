"""Processes updating one connector and one worker config by revision, on every store several
processes can share: a SQLite file, and each server URL of ``INTEGRATION_STORE_TEST_URLS``
(PostgreSQL, MariaDB, a MongoDB-wire server). No update is lost, counters are exact.

The writers run the contract suite's thread loop (``write_rounds``), start together (each says
it is ready, then waits for the word on stdin) and report how many attempts were stale.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration_store import open_store
from integration_store.contract.test_revision_concurrency import assert_nothing_lost, prepare
from integration_store.targets import env_urls
from integration_store.test_support import isolated_url

ROOT = Path(__file__).resolve().parent.parent

WRITERS = 4

_SHARED_SCHEMES = ("postgresql", "mysql", "mariadb", "mongodb")
"""Server URLs: each open names the same data, so separate processes can share it."""


def _shared_urls() -> list[str]:
    servers = [url for url in env_urls() if url.split(":", 1)[0].startswith(_SHARED_SCHEMES)]
    return ["sqlite-file", *servers]


@pytest.fixture(params=_shared_urls())
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A private database (or a new SQLite file) that every writer process opens."""
    url = f"sqlite:///{tmp_path}/revisions.db" if request.param == "sqlite-file" else request.param
    with isolated_url(url) as private:
        yield private


WRITER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {root!r})
    from contract_tests.test_revision_concurrency import write_rounds
    from integration_store import open_store

    with open_store({url!r}) as store:
        store.connectors.get("warm-up")  # connect first
        print("ready", flush=True)
        sys.stdin.readline()
        stale = write_rounds(store)
    print(json.dumps({{"stale": stale}}), flush=True)
    """
)


def test_processes_updating_by_revision_lose_no_update(shared_url: str) -> None:
    with open_store(shared_url) as setup:
        setup.create_schema()
        prepare(setup)
    script = WRITER_SCRIPT.format(root=str(ROOT), url=shared_url)
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for _ in range(WRITERS)
    ]
    try:
        for writer in writers:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        for writer in writers:
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        reports = [json.loads(writer.communicate(timeout=120)[0]) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
    assert [writer.returncode for writer in writers] == [0] * WRITERS
    print("stale attempts per writer:", [report["stale"] for report in reports])

    with open_store(shared_url) as check:
        assert_nothing_lost(check, WRITERS)

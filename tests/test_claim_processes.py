"""Processes racing for one pending queue through claims, on every store several processes can
share: a SQLite file, and each server URL of ``INTEGRATION_STORE_TEST_URLS`` (PostgreSQL,
MariaDB, a MongoDB-wire server). Every response is interpreted exactly once.

The workers load their loop from the contract suite's thread test, start together (each says
it is ready, then waits for the word on stdin) and report the ids they claimed as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID

import pytest

from integration_store import CLAIMS, open_store
from integration_store.targets import env_urls
from integration_store.test_support import isolated_url

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
RESPONSES = 200
OWNER = "classifier"

_SHARED_SCHEMES = ("postgresql", "mysql", "mariadb", "mongodb")
"""Server URLs: each open names the same data, so separate processes can share it."""


def _shared_urls() -> list[str]:
    servers = [url for url in env_urls() if url.split(":", 1)[0].startswith(_SHARED_SCHEMES)]
    return ["sqlite-file", *servers]


@pytest.fixture(params=_shared_urls())
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A private database (or a new SQLite file) that every worker process opens."""
    url = f"sqlite:///{tmp_path}/claims.db" if request.param == "sqlite-file" else request.param
    with isolated_url(url) as private:
        yield private


WORKER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {root!r})
    from contract_tests.test_claim_concurrency import claim_and_interpret_until_empty
    from integration_store import open_store

    with open_store({url!r}) as store:
        store.external_responses.get_pending_interpretations("warm-up", 1)  # connect first
        print("ready", flush=True)
        sys.stdin.readline()
        claimed, refused = claim_and_interpret_until_empty(store, sys.argv[1])
    print(json.dumps({{"claimed": [str(i) for i in claimed], "refused": refused}}), flush=True)
    """
)


def test_processes_claiming_one_queue_interpret_every_response_exactly_once(
    shared_url: str,
) -> None:
    with open_store(shared_url) as setup:
        setup.create_schema()
        assert CLAIMS in setup.capabilities
        setup.external_responses.record_raw_responses(
            [{"source": "s", "raw_response": {"n": n}, "interpretation_owner": OWNER}
             for n in range(RESPONSES)]
        )  # fmt: skip
    script = WORKER_SCRIPT.format(root=str(ROOT), url=shared_url)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, f"process-{index}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for index in range(WORKERS)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        reports = [json.loads(worker.communicate(timeout=120)[0]) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert [worker.returncode for worker in workers] == [0] * WORKERS

    claims = [UUID(response_id) for report in reports for response_id in report["claimed"]]
    assert len(claims) == RESPONSES
    assert len(set(claims)) == RESPONSES  # no response was handed to two processes
    assert [report["refused"] for report in reports] == [0] * WORKERS
    with open_store(shared_url) as check:
        assert check.external_responses.get_pending_interpretations(OWNER) == []
        for index, report in enumerate(reports):
            for response_id in report["claimed"]:
                interpreted = check.external_responses.get_interpreted(UUID(response_id))
                assert interpreted is not None
                assert interpreted.interpreted_by == f"process-{index}"

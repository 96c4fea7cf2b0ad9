"""Processes racing on one store, on every store several processes can share: a SQLite file,
and each server URL of ``INTEGRATION_STORE_TEST_URLS`` (PostgreSQL, MariaDB, a MongoDB-wire
server). Updates by revision lose nothing, config upserts on different fields lose no field, and
one name is registered once.

Each process runs a short script, says it is ready, waits for the word on stdin (so they start
together) and reports its result as JSON on its last line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration_store import open_store
from integration_store.contract.test_revision_concurrency import assert_nothing_lost, prepare
from integration_store.targets import env_urls
from integration_store.test_support import isolated_url

ROOT = Path(__file__).resolve().parent.parent

_SHARED_SCHEMES = ("postgresql", "mysql", "mariadb", "mongodb")
"""Server URLs: each open names the same data, so separate processes can share it."""


def _shared_urls() -> list[str]:
    servers = [url for url in env_urls() if url.split(":", 1)[0].startswith(_SHARED_SCHEMES)]
    return ["sqlite-file", *servers]


@pytest.fixture(params=_shared_urls())
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A private database (or a new SQLite file) that every process opens, schema created."""
    url = f"sqlite:///{tmp_path}/races.db" if request.param == "sqlite-file" else request.param
    with isolated_url(url) as private:
        with open_store(private) as setup:
            setup.create_schema()
        yield private


_SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {root!r})
    from integration_store import open_store
    {imports}

    argument = json.loads(sys.argv[1])
    with open_store({url!r}) as store:
        store.connectors.get("warm-up")  # connect first
        print("ready", flush=True)
        sys.stdin.readline()
        result = {body}
    print(json.dumps(result), flush=True)
    """
)


def _run_together(url: str, imports: str, body: str, arguments: list[Any]) -> list[Any]:
    """Start one process per argument, let them go at once, return each one's result."""
    script = _SCRIPT.format(root=str(ROOT), url=url, imports=imports, body=body)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, json.dumps(argument)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for argument in arguments
    ]
    try:
        for process in processes:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=120)[0] for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    assert [process.returncode for process in processes] == [0] * len(processes)
    return [json.loads(output.strip().splitlines()[-1]) for output in outputs]


def test_processes_updating_by_revision_lose_no_update(shared_url: str) -> None:
    writers = 4
    with open_store(shared_url) as setup:
        prepare(setup)

    stale = _run_together(
        shared_url,
        "from contract_tests.test_revision_concurrency import write_rounds",
        "write_rounds(store)",
        list(range(writers)),
    )

    print("stale attempts per writer:", stale)
    with open_store(shared_url) as check:
        assert_nothing_lost(check, writers)


CONFIG_FIELDS = ("config", "brand", "max_runs_per_day", "max_tokens_per_run")
CONFIG_ROUNDS = 25


def test_processes_upserting_different_config_fields_lose_no_field(shared_url: str) -> None:
    with open_store(shared_url) as setup:
        setup.workers.register_worker("w", "W")

    _run_together(
        shared_url,
        "",
        f"""[
            store.workers.set_tenant_worker_config(
                "t", "w", **{{argument: {{"n": n}} if argument in ("config", "brand") else n}}
            ).revision
            for n in range({CONFIG_ROUNDS})
        ]""",
        list(CONFIG_FIELDS),
    )

    last = CONFIG_ROUNDS - 1
    with open_store(shared_url) as check:
        config = check.workers.get_tenant_worker_config("t", "w")
    assert config is not None
    assert (config.config, config.brand) == ({"n": last}, {"n": last})
    assert (config.max_runs_per_day, config.max_tokens_per_run) == (last, last)
    assert config.revision == len(CONFIG_FIELDS) * CONFIG_ROUNDS  # the creation was one of them


def test_processes_registering_one_name_let_exactly_one_win(shared_url: str) -> None:
    registrants = 8

    won = _run_together(
        shared_url,
        "from integration_store import Connector, DuplicateConnectorNameError\n"
        "def register(store, index):\n"
        "    try:\n"
        "        store.connectors.register(\n"
        "            Connector(connector_id=f'c{index}', tenant_id='t', name='same'))\n"
        "    except DuplicateConnectorNameError:\n"
        "        return False\n"
        "    return True",
        "register(store, argument)",
        list(range(registrants)),
    )

    assert won.count(True) == 1
    with open_store(shared_url) as check:
        listed = check.connectors.list()
    winner = f"c{won.index(True)}"
    assert [(c.connector_id, c.name, c.revision) for c in listed] == [(winner, "same", 1)]

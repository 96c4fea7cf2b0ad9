"""The ``integration_store`` fixture apps use in their own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from integration_store import Connector, Store, open_store
from integration_store.testing import DEFAULT_START, FixedClock, SequentialIds


def test_fixture_gives_an_empty_memory_store_with_fixed_clock_and_ids(
    integration_store: Store,
    integration_store_clock: FixedClock,
    integration_store_ids: SequentialIds,
) -> None:
    assert integration_store.connectors.list() == []

    first = integration_store.external_responses.record_raw_response("s", {}, "o")
    integration_store_clock.advance(timedelta(seconds=1))
    second = integration_store.external_responses.record_raw_response("s", {}, "o")

    assert (first.id, second.id) == (UUID(int=1), UUID(int=2))
    assert second.received_at == DEFAULT_START + timedelta(seconds=1)
    assert integration_store_ids.drawn == 2


_APP_TEST = """
from integration_store import Connector


def test_the_fixture_store_starts_empty_and_takes_writes(integration_store):
    assert integration_store.connectors.list() == []
    integration_store.connectors.register(Connector(connector_id="app", tenant_id="t", name="n"))


def test_each_test_starts_empty_again(integration_store):
    assert integration_store.connectors.list() == []
"""


def _run_app_tests(tmp_path: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_app.py").write_text(_APP_TEST)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options, "test_app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_fixture_runs_on_a_named_sqlite_file_without_touching_it(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy")
    url = f"sqlite:///{tmp_path}/app.db"
    with open_store(url) as owner:
        owner.create_schema()
        owner.connectors.register(Connector(connector_id="kept", tenant_id="t", name="kept"))

    run = _run_app_tests(tmp_path, "--integration-store-url", url)

    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
    with open_store(url) as owner:
        assert [c.connector_id for c in owner.connectors.list(tenant_id="t")] == ["kept"]
    assert sorted(path.name for path in tmp_path.glob("*.db")) == ["app.db"]


def test_the_fixture_url_may_come_from_the_environment(tmp_path: Path) -> None:
    pytest.importorskip("mongomock")
    (tmp_path / "test_which.py").write_text(
        "def test_backend(integration_store):\n"
        "    assert type(integration_store.backend).__name__ == 'MongoBackend'\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_which.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "INTEGRATION_STORE_TEST_URL": "mongomock://"},
    )

    assert run.returncode == 0, run.stdout + run.stderr

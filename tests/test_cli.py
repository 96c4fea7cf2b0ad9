"""The ``integration-store`` command as a process: ``verify``, ``--version``, ``schemes``, and
what it says when an extra it needs is missing."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import pytest

from integration_store import FileConnector, open_store
from integration_store.cli import embedded_urls, main
from integration_store.discovery import provider_for
from integration_store.verify import preflight, run_contract_suite

# A few contract modules: enough to write, read and clear every table, in a bounded time.
SUBSET = ["--pytest-arg=-k", "--pytest-arg=test_connector_registration or test_external_responses"]


def _cli(*args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    command = (
        [sys.executable, "-c", code, *args]
        if code
        else [sys.executable, "-m", "integration_store.cli", *args]
    )
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)


def test_verify_prints_a_passing_line_for_memory() -> None:
    completed = _cli("verify", "memory://")

    assert completed.returncode == 0, completed.stdout + completed.stderr
    (line,) = completed.stdout.splitlines()
    assert line.startswith("memory://: passed (")
    assert " 0 failed" in line


def test_verify_names_the_scheme_no_backend_serves_without_running_the_suite() -> None:
    completed = _cli("verify", "nosuchdb://x")

    assert completed.returncode == 3
    (line,) = completed.stdout.splitlines()
    assert line.startswith("nosuchdb://x: FAILED: no backend installed for URL scheme 'nosuchdb'")
    assert "memory" in line  # the installed schemes are listed


def test_verify_reports_an_unreachable_server_with_the_drivers_reason() -> None:
    completed = _cli("verify", "postgresql+psycopg://someone:hunter2@127.0.0.1:1/db")

    assert completed.returncode == 3
    assert "BackendUnavailableError" in completed.stdout
    assert "refused" in completed.stdout.lower()
    assert "hunter2" not in completed.stdout + completed.stderr


def test_verify_refuses_a_sqlite_uri_filename(tmp_path: Path) -> None:
    completed = _cli("verify", f"sqlite:///file:{tmp_path}/app.db?uri=true")

    assert completed.returncode == 1
    assert "refused" in completed.stdout
    assert list(tmp_path.iterdir()) == []


def test_verify_leaves_a_named_sqlite_file_and_its_rows_as_they_were(tmp_path: Path) -> None:
    app_db = tmp_path / "app.db"
    with open_store(f"sqlite:///{app_db}") as store:
        store.create_schema()
        store.connectors.register(FileConnector(connector_id="c-1", tenant_id="t", name="Kept"))
        store.external_responses.record_raw_response("openai", {"n": 1}, "classifier")
    before = _dump(app_db)

    completed = _cli("verify", f"sqlite:///{app_db}", *SUBSET)

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.startswith(f"sqlite:///{app_db}: passed (")
    assert _dump(app_db) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["app.db"]


def _dump(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return list(connection.iterdump())


def test_verify_refuses_a_backend_that_cannot_make_a_private_database(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without_isolation = SimpleNamespace(open=provider_for("memory://").open)  # no isolated_url
    monkeypatch.setattr("integration_store.verify.provider_for", lambda url: without_isolation)

    refused = preflight("memory://")

    assert refused is not None and not refused.unavailable
    assert "--in-place" in (refused.not_run or "")
    assert preflight("memory://", in_place=True) is None


def test_progress_counts_every_test_of_the_run(tmp_path: Path) -> None:
    seen: list[tuple[int, int, int]] = []

    result = run_contract_suite(
        "memory://", ["-k", "test_connector_registration"], on_progress=lambda *s: seen.append(s)
    )

    assert result.ok
    done, total, failed = seen[-1]
    assert done == total == result.passed and failed == 0
    assert result.log_path is None  # a passing run's output is not kept


FAILING_PLUGIN = """
import pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    if "test_two_tenants_may_use_the_same_name" in item.nodeid:
        assert 1 == 2, "x" * 70_000
"""


def test_a_failing_test_is_summarised_by_name_and_first_line(tmp_path: Path) -> None:
    (tmp_path / "failing_plugin.py").write_text(FAILING_PLUGIN)
    log_dir = tmp_path / "logs"
    log_dir.mkdir()

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "integration_store.cli",
            "verify",
            "memory://",
            "--log-dir",
            str(log_dir),
            "--pytest-arg=-p",
            "--pytest-arg=failing_plugin",
            *SUBSET,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )

    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("memory://: FAILED (") and " 1 failed" in lines[0]
    assert "test_two_tenants_may_use_the_same_name" in lines[1]
    assert "AssertionError: " in lines[1] and len(lines[1]) < 1000
    (log,) = log_dir.iterdir()
    assert lines[2] == f"  full output: {log}"
    assert "x" * 70_000 in log.read_text()


def test_verify_names_the_contract_extra_when_pytest_is_missing() -> None:
    completed = _cli(
        code="import sys; sys.modules['pytest'] = None; sys.modules['hypothesis'] = None; "
        "from integration_store.cli import main; sys.exit(main(['verify', 'memory://']))"
    )

    assert completed.returncode == 1
    assert "pip install 'integration-store[contract]'" in completed.stderr
    assert "pytest, hypothesis" in completed.stderr


def test_the_command_names_the_cli_extra_when_click_is_missing() -> None:
    completed = _cli(
        code="import sys; sys.modules['click'] = None; "
        "from integration_store.cli import main; sys.exit(main(['schemes']))"
    )

    assert completed.returncode == 1
    assert "pip install 'integration-store[cli]'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_version_is_the_installed_distributions() -> None:
    completed = _cli("--version")

    assert completed.returncode == 0
    assert completed.stdout.strip() == f"integration-store, version {version('integration-store')}"


def test_embedded_urls_start_with_memory() -> None:
    assert embedded_urls()[0] == "memory://"
    assert all("{tmp}" not in url for url in embedded_urls())


def test_schemes_lists_installed_backends(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemes"]) == 0
    assert "memory" in capsys.readouterr().out.split()


def test_bench_keeps_its_own_options() -> None:
    completed = _cli("bench", "--help")

    assert completed.returncode == 0
    assert "--rows" in completed.stdout and "--scaling" in completed.stdout

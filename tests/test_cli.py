"""The ``integration-store`` command."""

from __future__ import annotations

import subprocess
import sys

from integration_store.cli import embedded_urls, main


def test_verify_prints_a_passing_line_for_memory() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "integration_store.cli", "verify", "memory://"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    (line,) = completed.stdout.splitlines()
    assert line.startswith("memory://: passed (")
    assert " 0 failed" in line


def test_verify_fails_for_a_url_no_backend_serves() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "integration_store.cli", "verify", "nosuchdb://x"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 1
    assert completed.stdout.startswith("nosuchdb://x: FAILED")


def test_embedded_urls_start_with_memory() -> None:
    assert embedded_urls()[0] == "memory://"
    assert all("{tmp}" not in url for url in embedded_urls())


def test_schemes_lists_installed_backends() -> None:
    assert main(["schemes"]) == 0

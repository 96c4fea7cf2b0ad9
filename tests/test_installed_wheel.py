"""The package as a user gets it: a wheel built from this checkout, installed with
``[all,contract]`` into a fresh virtualenv outside the checkout. ``verify`` on a SQLite file
holding rows passes and leaves every row as it was; ``connectors list --json`` works on SQLite
and on each server URL of ``INTEGRATION_STORE_TEST_URLS``.

Slow by nature (a build, an install from PyPI, a whole contract run), so one test does it all.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import venv
from pathlib import Path

from integration_store import FileConnector, open_store
from integration_store.targets import env_urls
from integration_store.test_support import isolated_url

ROOT = Path(__file__).resolve().parent.parent


def _run(command: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
        env=environment,
    )  # fmt: skip


def _dump(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_the_installed_wheel_verifies_a_file_without_touching_it_and_lists_connectors(
    tmp_path: Path,
) -> None:
    # Built from a copy: setuptools would leave a build/ directory in the checkout.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT, source, ignore=shutil.ignore_patterns(".*", "build", "*.egg-info", "__pycache__")
    )
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
         str(source)],
        cwd=tmp_path,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("integration_store-*.whl")
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    installed = _run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", f"{wheel}[all,contract]"],
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stderr
    command = str(bin_dir / "integration-store")
    probe = "import integration_store as i; print(i.__file__)"
    where = _run([str(bin_dir / "python"), "-c", probe], cwd=tmp_path)
    assert str(ROOT) not in where.stdout  # the installed copy, not the checkout

    app_db = tmp_path / "srv" / "app.db"
    url = f"sqlite:///{app_db}"  # an absolute path: four slashes
    with open_store(url) as store:
        store.create_schema()
        store.connectors.register(FileConnector(connector_id="kept", tenant_id="t", name="n"))
    before = _dump(app_db)

    verified = _run([command, "verify", url], cwd=tmp_path)

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith(f"{url}: passed (")
    assert _dump(app_db) == before
    assert sorted(path.name for path in app_db.parent.iterdir()) == ["app.db"]

    listed = _run([command, "--url", url, "connectors", "list", "--json"], cwd=tmp_path)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert [row["connector_id"] for row in json.loads(listed.stdout)] == ["kept"]
    for server in env_urls():
        with isolated_url(server) as private:
            with open_store(private) as store:
                store.create_schema()
                store.connectors.register(
                    FileConnector(connector_id="kept", tenant_id="t", name="n")
                )
            listed = _run([command, "--url", private, "connectors", "list", "--json"], cwd=tmp_path)
        assert listed.returncode == 0, server + listed.stdout + listed.stderr
        assert [row["connector_id"] for row in json.loads(listed.stdout)] == ["kept"], server

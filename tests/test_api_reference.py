"""The API reference is generated from the docstrings (pdoc) and builds for every public module.

``python -m pdoc <modules> -o docs/api`` writes the same pages locally (see README)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PUBLIC_MODULES = [
    "integration_store",
    "integration_store.store",
    "integration_store.errors",
    "integration_store.secrets",
    "integration_store.paging",
    "integration_store.testing",
    "integration_store.protocols",
    "integration_store.test_support",
    "integration_store.functions",
    "integration_store.live.vectors",
    "integration_store.live.files",
    "integration_store.live.functions",
]
"""What an application or a backend author uses (``integration_store`` defines ``__all__``, so
pdoc documents only the modules named)."""


def test_the_api_reference_builds_from_the_docstrings(tmp_path: Path) -> None:
    pytest.importorskip("pdoc")
    built = subprocess.run(
        [sys.executable, "-m", "pdoc", *PUBLIC_MODULES, "-o", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert built.returncode == 0, built.stderr
    for module in PUBLIC_MODULES:
        page = tmp_path / (module.replace(".", "/") + ".html")
        assert page.is_file(), module
    store_page = (tmp_path / "integration_store" / "store.html").read_text()
    assert "open_store" in store_page and "run_in_transaction" in store_page
    assert "rotate_secrets" in store_page
    vectors_page = (tmp_path / "integration_store" / "live" / "vectors.html").read_text()
    assert "upsert_vectors" in vectors_page and "delete_vectors" in vectors_page

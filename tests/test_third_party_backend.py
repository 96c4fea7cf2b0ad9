"""A backend from another package plugs in through its entry point alone.

``tests/third_party`` holds ``dictstore``, a backend on plain dicts written the way a third party
would write it, and its installed-package metadata (a ``.dist-info`` with the entry point
``dicts = dictstore:provider``). Putting that folder on the path is all it takes: the core finds
the scheme, the contract suite finds its embedded URL, and ``verify`` certifies it. No file of
integration-store names it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

THIRD_PARTY = Path(__file__).parent / "third_party"


def _run(*code_or_args: str) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(filter(None, [str(THIRD_PARTY), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, *code_or_args],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        check=False,
    )


def test_its_scheme_and_embedded_url_are_found_through_the_entry_point() -> None:
    completed = _run(
        "-c",
        "from integration_store.discovery import installed_schemes\n"
        "from integration_store.test_support import embedded_test_urls\n"
        "print(installed_schemes()); print(embedded_test_urls())",
    )

    schemes, urls = completed.stdout.splitlines()
    assert "'dicts'" in schemes, completed.stderr
    assert "'dicts://'" in urls


def test_the_whole_contract_suite_passes_against_it() -> None:
    completed = _run("-m", "integration_store.cli", "verify", "dicts://")

    assert completed.returncode == 0, completed.stdout + completed.stderr
    (line,) = completed.stdout.splitlines()
    assert line.startswith("dicts://: passed (")
    assert " 0 failed" in line
    # Only the tests needing transactions or claims, which it declares it lacks, are skipped.
    assert " 0 skipped-by-capability" not in line
    assert "skipped without a declared capability" not in line
    assert "(0 differed)" in line

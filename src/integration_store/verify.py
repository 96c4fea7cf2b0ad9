"""Run the contract suite against store URLs and summarise each run in one line.

Each URL runs in its own pytest process (so backends never share module state); a small pytest
plugin in that process (``integration_store.verify_plugin``) writes the outcome counts to a JSON
file that the parent reads. This module does not import pytest: the CLI works without it until a
suite is actually run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import attrs

from integration_store.discovery import redacted

REPORT_OPTION = "--integration-store-report"
"""Where the child pytest run writes its outcome counts (option of ``verify_plugin``)."""


@attrs.frozen
class BackendResult:
    """Outcome counts of one contract-suite run."""

    url: str
    passed: int
    failed: int
    skipped_by_capability: int
    skipped_otherwise: int
    steps_compared: int
    steps_differed: int
    exit_code: int

    @property
    def ok(self) -> bool:
        """Passed: tests ran, none failed, and nothing was skipped without a declared reason."""
        return (
            self.exit_code == 0
            and self.failed == 0
            and self.skipped_otherwise == 0
            and self.passed > 0
            and self.steps_differed == 0
        )

    def line(self) -> str:
        """The one-line summary ``verify`` prints."""
        verdict = "passed" if self.ok else "FAILED"
        details = (
            f"{self.passed} passed, {self.failed} failed, "
            f"{self.skipped_by_capability} skipped-by-capability"
        )
        if self.skipped_otherwise:
            details += f", {self.skipped_otherwise} skipped without a declared capability"
        if self.steps_compared:
            details += (
                f", {self.steps_compared} generated steps compared with memory://"
                f" ({self.steps_differed} differed)"
            )
        return f"{redacted(self.url)}: {verdict} ({details})"


def run_contract_suite(url: str, extra_args: list[str] | None = None) -> BackendResult:
    """Run the whole contract suite against one URL in a child pytest process."""
    with tempfile.TemporaryDirectory(prefix="integration-store-verify-") as workdir:
        report_path = os.path.join(workdir, "report.json")
        empty_ini = os.path.join(workdir, "pytest.ini")
        Path(empty_ini).write_text("[pytest]\n")
        command = [
            sys.executable, "-m", "pytest", "--pyargs", "integration_store.contract",
            "-c", empty_ini, "--rootdir", workdir, "--import-mode=importlib",
            "-p", "no:cacheprovider", "-p", "integration_store.verify_plugin",
            "--store-url", url, REPORT_OPTION, report_path, "-q", "--no-header", "-rfE",
            *(extra_args or []),
        ]  # fmt: skip
        completed = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
        counts: dict[str, Any] = {}
        if os.path.exists(report_path):
            counts = json.loads(Path(report_path).read_text())
        result = BackendResult(
            url=url,
            passed=counts.get("passed", 0),
            failed=counts.get("failed", 0),
            skipped_by_capability=counts.get("skipped_by_capability", 0),
            skipped_otherwise=counts.get("skipped_otherwise", 0),
            steps_compared=counts.get("steps_compared", 0),
            steps_differed=counts.get("steps_differed", 0),
            exit_code=completed.returncode,
        )
        if not result.ok:
            # The tail holds pytest's short summary of what failed.
            sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-2000:])
        return result

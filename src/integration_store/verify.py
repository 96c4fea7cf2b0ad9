"""Run the contract suite against store URLs and summarise each run.

Each URL runs in its own pytest process (so backends never share module state); a small pytest
plugin in that process (``integration_store.verify_plugin``) writes the outcome counts, the
failures and a line per finished test to files the parent reads. This module does not import
pytest: the CLI works without it until a suite is actually run.

Before a run, ``preflight`` checks in the parent, in seconds, what would otherwise fail every
test: an unknown scheme, a missing driver, a server that does not answer, a URL on which no
private database can be made (the suite clears every table between tests, so it must never run
on the database a user named).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import attrs

from integration_store.discovery import provider_for, redacted
from integration_store.errors import (
    BackendAccessError,
    BackendUnavailableError,
    IntegrationStoreError,
)

REPORT_OPTION = "--integration-store-report"
"""Where the child pytest run writes its outcome counts (option of ``verify_plugin``)."""

PROGRESS_OPTION = "--integration-store-progress"
"""Where the child pytest run appends a JSON line per finished test (option of
``verify_plugin``); the first line holds the number of tests collected."""

CONTRACT_EXTRA = "contract"
"""The extra that carries what the contract suite needs to run."""

_SUITE_PACKAGES = ("pytest", "hypothesis")

Progress = Callable[[int, int, int], None]
"""Called while a run goes on with (tests finished, tests collected, tests failed)."""


def missing_suite_packages() -> list[str]:
    """The packages the contract suite needs that are not installed (empty when it can run)."""
    return [name for name in _SUITE_PACKAGES if find_spec(name) is None]


@attrs.frozen
class Failure:
    """One failing test: its id and the first line of why it failed."""

    test: str
    reason: str


@attrs.frozen
class BackendResult:
    """Outcome counts of one contract-suite run (or why it could not run)."""

    url: str
    passed: int = 0
    failed: int = 0
    skipped_by_capability: int = 0
    skipped_otherwise: int = 0
    steps_compared: int = 0
    steps_differed: int = 0
    exit_code: int = 0
    failures: tuple[Failure, ...] = ()
    not_run: str | None = None
    """Why the suite was not run (an unknown scheme, an unreachable server, a refusal)."""
    unavailable: bool = False
    """The backend could not be reached or is not installed (as opposed to refused)."""
    log_path: str | None = None
    """The full pytest output, kept when the run failed."""

    @property
    def ok(self) -> bool:
        """Passed: tests ran, none failed, and nothing was skipped without a declared reason."""
        return (
            self.not_run is None
            and self.exit_code == 0
            and self.failed == 0
            and self.skipped_otherwise == 0
            and self.passed > 0
            and self.steps_differed == 0
        )

    def line(self) -> str:
        """The one-line summary ``verify`` prints."""
        if self.not_run is not None:
            return f"{redacted(self.url)}: FAILED: {self.not_run}"
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


def preflight(url: str, *, in_place: bool = False) -> BackendResult | None:
    """None when the suite can run on ``url``; else a result saying why not.

    Makes the private database the suite would use (and drops it again), so an unreachable
    server, a refused login or a URL that allows no private copy is reported at once."""
    from integration_store.store import open_store
    from integration_store.test_support import IsolatedDatabases, isolated_url

    try:
        provider = provider_for(url)
    except IntegrationStoreError as error:
        return BackendResult(url=url, not_run=str(error), unavailable=True)
    if not isinstance(provider, IsolatedDatabases) and not in_place:
        return BackendResult(
            url=url,
            not_run="its backend cannot make a private database, and the suite would clear "
            "the one this URL names; pass --in-place to run on it anyway",
        )
    try:
        with isolated_url(url) as private, open_store(private) as store:
            store.create_schema()
    except (BackendUnavailableError, BackendAccessError) as error:
        return BackendResult(url=url, not_run=_reason(error), unavailable=True)
    except IntegrationStoreError as error:
        return BackendResult(url=url, not_run=f"refused: {_reason(error)}")
    return None


def _reason(error: BaseException) -> str:
    """The error (which quotes the driver's message) on one line."""
    return redacted(" ".join(f"{type(error).__name__}: {error}".split()))


def run_contract_suite(
    url: str,
    extra_args: list[str] | None = None,
    *,
    on_progress: Progress | None = None,
    log_dir: str | None = None,
) -> BackendResult:
    """Run the whole contract suite against one URL in a child pytest process.

    The child's whole output goes to a log file in ``log_dir`` (the system's temp directory by
    default), kept and named in the result when the run failed."""
    handle, log_path = tempfile.mkstemp(
        prefix="integration-store-verify-", suffix=".log", dir=log_dir
    )
    with tempfile.TemporaryDirectory(prefix="integration-store-verify-") as workdir:
        report_path = os.path.join(workdir, "report.json")
        progress_path = os.path.join(workdir, "progress.jsonl")
        empty_ini = os.path.join(workdir, "pytest.ini")
        Path(empty_ini).write_text("[pytest]\n")
        command = [
            sys.executable, "-m", "pytest", "--pyargs", "integration_store.contract",
            "-c", empty_ini, "--rootdir", workdir, "--import-mode=importlib",
            "-p", "no:cacheprovider", "-p", "integration_store.verify_plugin",
            "--store-url", url, REPORT_OPTION, report_path, PROGRESS_OPTION, progress_path,
            "-q", "--no-header", "-rfE", *(extra_args or []),
        ]  # fmt: skip
        with os.fdopen(handle, "w") as log:
            child = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
            _follow(child, progress_path, on_progress)
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
        exit_code=child.returncode,
        failures=tuple(Failure(f["test"], f["reason"]) for f in counts.get("failures", [])),
        log_path=log_path,
    )
    if result.ok:
        os.unlink(log_path)
        result = attrs.evolve(result, log_path=None)
    return result


def _follow(
    child: subprocess.Popen[bytes], progress_path: str, on_progress: Progress | None
) -> None:
    """Wait for the child, reporting each test it finishes."""
    total = done = failed = 0
    offset = 0
    while True:
        finished = child.poll() is not None
        if on_progress is not None and os.path.exists(progress_path):
            with open(progress_path, "rb") as lines:
                lines.seek(offset)
                for line in lines:
                    if not line.endswith(b"\n"):
                        break  # the child is still writing it
                    offset += len(line)
                    event = json.loads(line)
                    total = event.get("total", total)
                    done += "outcome" in event
                    failed += event.get("outcome") == "failed"
            on_progress(done, total, failed)
        if finished:
            return
        time.sleep(0.2)

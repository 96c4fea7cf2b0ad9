"""The pytest side of ``integration-store verify``: counts outcomes in the child run.

A test skipped because the backend lacks a capability is recognised by the marker the contract
suite's ``store`` fixture leaves on it (``mark_capability_skip``), never by a message's text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integration_store.verify import PROGRESS_OPTION, REPORT_OPTION

CAPABILITY_SKIP = "integration_store_capability_skip"
"""The ``user_properties`` key that marks a test skipped for a declared-missing capability."""

STEPS_COMPARED = pytest.StashKey[int]()
"""Where generated-step tests add how many steps they compared against the memory reference."""

STEPS_DIFFERED = pytest.StashKey[int]()
"""Where generated-step tests add how many steps differed from the memory reference."""


def count_compared_steps(config: pytest.Config, compared: int, differed: int = 0) -> None:
    """Add to the run's tally of generated steps compared with (and differing from) memory://."""
    config.stash[STEPS_COMPARED] = config.stash.get(STEPS_COMPARED, 0) + compared
    config.stash[STEPS_DIFFERED] = config.stash.get(STEPS_DIFFERED, 0) + differed


def skip_for_capability(node: pytest.Item, capability: str) -> None:
    """Skip the running test because the backend declares it lacks ``capability``, marked so
    that ``verify`` counts it as a declared skip."""
    node.user_properties.append((CAPABILITY_SKIP, capability))
    pytest.skip(f"backend declares it lacks capability {capability!r}")


def _declared_skip(report: pytest.TestReport) -> bool:
    return any(key == CAPABILITY_SKIP for key, _ in report.user_properties)


OUTCOMES = ("passed", "failed", "skipped_by_capability", "skipped_otherwise")


REASON_LENGTH = 160
"""A failure's reason is cut to this many characters: a generated example can be huge."""


def first_line(report: pytest.TestReport) -> str:
    """The first line of why a test failed (for an assertion: the ``assert`` line)."""
    crash = getattr(report.longrepr, "reprcrash", None)
    text = getattr(crash, "message", None) or str(report.longrepr)
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(line) > REASON_LENGTH:
        line = line[:REASON_LENGTH] + f"… ({len(line)} characters)"
    return line


class ReportPlugin:
    """Gives each test one outcome (a failure in any phase wins over the call's pass) and
    writes the counts and the failures to ``path`` at the end; with ``progress_path``, appends
    a JSON line there per finished test, so the parent can show progress while it runs."""

    def __init__(self, path: str, progress_path: str | None = None) -> None:
        self.path = path
        self.progress_path = progress_path
        self.outcomes: dict[str, str] = {}
        self.failures: dict[str, str] = {}

    def _progress(self, event: dict[str, object]) -> None:
        if self.progress_path is not None:
            with open(self.progress_path, "a") as progress:
                progress.write(json.dumps(event) + "\n")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self._progress({"total": len(session.items)})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = None
        if report.failed:
            outcome = "failed"
        elif report.skipped:
            declared = _declared_skip(report)
            outcome = "skipped_by_capability" if declared else "skipped_otherwise"
        elif report.when == "call":
            outcome = "passed"
        if outcome == "failed" and report.nodeid not in self.failures:
            self.failures[report.nodeid] = first_line(report)
        if outcome is not None and self.outcomes.get(report.nodeid) != "failed":
            self.outcomes[report.nodeid] = outcome
        if report.when == "teardown":
            self._progress({"outcome": self.outcomes.get(report.nodeid, "passed")})

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        counts = dict.fromkeys(OUTCOMES, 0)
        for outcome in self.outcomes.values():
            counts[outcome] += 1
        steps = {
            "steps_compared": session.config.stash.get(STEPS_COMPARED, 0),
            "steps_differed": session.config.stash.get(STEPS_DIFFERED, 0),
        }
        failures = [{"test": test, "reason": reason} for test, reason in self.failures.items()]
        Path(self.path).write_text(json.dumps({**counts, **steps, "failures": failures}))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(REPORT_OPTION, default=None, help="write contract outcome counts here")
    parser.addoption(PROGRESS_OPTION, default=None, help="append a line per finished test here")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption(REPORT_OPTION)
    if path:
        plugin = ReportPlugin(path, config.getoption(PROGRESS_OPTION))
        config.pluginmanager.register(plugin, "integration-store-report")

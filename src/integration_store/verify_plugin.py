"""The pytest side of ``integration-store verify``: counts outcomes in the child run.

A test skipped because the backend lacks a capability is recognised by the marker the contract
suite's ``store`` fixture leaves on it (``mark_capability_skip``), never by a message's text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integration_store.verify import REPORT_OPTION

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


class ReportPlugin:
    """Gives each test one outcome (a failure in any phase wins over the call's pass) and
    writes the counts to ``path`` at the end."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.outcomes: dict[str, str] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            outcome = "failed"
        elif report.skipped:
            declared = _declared_skip(report)
            outcome = "skipped_by_capability" if declared else "skipped_otherwise"
        elif report.when == "call":
            outcome = "passed"
        else:
            return
        if self.outcomes.get(report.nodeid) != "failed":
            self.outcomes[report.nodeid] = outcome

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        counts = dict.fromkeys(OUTCOMES, 0)
        for outcome in self.outcomes.values():
            counts[outcome] += 1
        steps = {
            "steps_compared": session.config.stash.get(STEPS_COMPARED, 0),
            "steps_differed": session.config.stash.get(STEPS_DIFFERED, 0),
        }
        Path(self.path).write_text(json.dumps({**counts, **steps}))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(REPORT_OPTION, default=None, help="write contract outcome counts here")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption(REPORT_OPTION)
    if path:
        config.pluginmanager.register(ReportPlugin(path), "integration-store-report")

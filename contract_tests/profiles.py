"""The hypothesis profiles of the contract suite, in one place.

``ci`` is what the suite runs by default (derandomised and bounded, so each backend takes a
minute or two at most); ``deep`` (``INTEGRATION_STORE_HYPOTHESIS_PROFILE=deep``) is many more,
longer, random runs for local bug hunting; ``quick`` is ``run_differential``'s default for a
third-party caller; ``faults`` is for the test proving the machine catches injected faults
(no shrinking: detecting a difference is enough, and fast). None of them writes a hypothesis
database into the repository. Profiles are registered by name but never loaded globally: each
caller passes the settings object it wants.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

PROFILE_ENV = "INTEGRATION_STORE_HYPOTHESIS_PROFILE"
"""Selects the hypothesis profile of the state machine: ``ci`` (default) or ``deep``."""

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

CI = settings(
    max_examples=80,
    stateful_step_count=50,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=_SLOW_OK,
)
"""The suite's default: derandomised, so every run on a backend generates the same steps."""

DEEP = settings(
    CI,
    max_examples=int(os.environ.get("INTEGRATION_STORE_DEEP_EXAMPLES", "400")),
    stateful_step_count=80,
    derandomize=False,
    # Failing examples are kept outside the repository, to be replayed by the next deep run.
    database=DirectoryBasedExampleDatabase(
        Path(tempfile.gettempdir()) / "integration-store-hypothesis"
    ),
)
"""Local bug hunting: random, longer runs that remember their failures."""

QUICK = settings(
    CI,
    max_examples=20,
    stateful_step_count=40,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""A small, derandomised default for ``run_differential`` callers outside this suite."""

FAULTS = settings(
    CI,
    max_examples=60,
    stateful_step_count=30,
    print_blob=False,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: detecting is enough, and fast
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
)
"""For proving the machine catches injected faults: no shrinking, every health check off."""

PROFILES = {"ci": CI, "deep": DEEP, "quick": QUICK, "faults": FAULTS}
for _name, _profile in PROFILES.items():
    settings.register_profile(_name, _profile)


def machine_settings() -> settings:
    """The profile the environment selects (only for this machine: no global profile change)."""
    return settings.get_profile(os.environ.get(PROFILE_ENV, "ci"))


__all__ = ["CI", "DEEP", "FAULTS", "PROFILES", "PROFILE_ENV", "QUICK", "machine_settings"]

"""The performance targets, in one table: what each figure of a run is held to.

A ratio target bounds ``ours / baseline`` (lower is better: 1.3 means "at most 30 % slower than
the baseline"; 0.1 means "at least 10x faster"). An ``absolute`` target bounds ours in µs per
operation. Backends are named by family (``family_of``); workloads by name and group.
"""

from __future__ import annotations

from typing import Final

import attrs

from integration_store.discovery import url_scheme

SINGLE: Final = "single"
"""Workload group: one row written or read per call."""
LIST: Final = "list"
"""Workload group: a page of 100 rows."""
BULK: Final = "bulk"
"""Workload group: many rows in one call."""

ABSOLUTE: Final = "absolute"


@attrs.frozen
class Target:
    """``ours / baseline ≤ limit`` (or ours ≤ ``limit`` µs when ``baseline`` is ``absolute``)
    for the given backend families and workload groups (or named workloads)."""

    families: tuple[str, ...]
    baseline: str
    limit: float
    groups: tuple[str, ...] = ()
    workloads: tuple[str, ...] = ()

    def applies(self, family: str, workload: str, group: str, baseline: str) -> bool:
        """Whether this target judges that figure."""
        return (
            family in self.families
            and baseline == self.baseline
            and (group in self.groups or workload in self.workloads)
        )

    def passes(self, value: float) -> bool:
        """Whether the ratio (or µs) meets the target."""
        return value <= self.limit

    @property
    def text(self) -> str:
        """The target as printed: ``≤1.3x``, ``≥10x faster``, ``≤5µs``."""
        if self.baseline == ABSOLUTE:
            return f"≤{self.limit:g}µs"
        if self.limit < 1:
            return f"≥{1 / self.limit:g}x faster"
        return f"≤{self.limit:g}x"


TARGETS: Final = (
    Target(("sqlite-file",), "raw", 2.0, groups=(SINGLE,)),
    Target(("sqlite-file",), "raw", 1.5, groups=(LIST,)),
    Target(("postgresql", "mariadb"), "raw", 1.3, groups=(SINGLE, LIST)),
    Target(("mongodb", "mongomock"), "raw", 1.2, groups=(SINGLE, LIST)),
    Target(("postgresql",), "singles", 1 / 10, groups=(BULK,)),
    Target(("postgresql",), "orm", 1 / 20, groups=(BULK,)),
    Target(("memory",), ABSOLUTE, 5.0, workloads=("get",)),
    Target(("memory",), ABSOLUTE, 8.0, workloads=("record_connection",)),
    Target(("memory",), ABSOLUTE, 300.0, workloads=("list 100",)),
)
"""Every target of ``integration-store bench``."""

SCALING_LIMIT: Final = 1.5
"""``--scaling``: time at the large size / time at the small size, at most."""


def target_for(family: str, workload: str, group: str, baseline: str) -> Target | None:
    """The target judging that figure, if any."""
    for target in TARGETS:
        if target.applies(family, workload, group, baseline):
            return target
    return None


def family_of(url: str) -> str:
    """The backend family a URL belongs to, as the targets name them."""
    scheme = url_scheme(url)
    if scheme.startswith("sqlite"):
        rest = url.split("://", 1)[1]
        return "sqlite-memory" if rest in ("", "/:memory:") else "sqlite-file"
    if scheme.startswith("postgresql"):
        return "postgresql"
    if scheme.startswith(("mysql", "mariadb")):
        return "mariadb"
    if scheme.startswith("mongodb"):
        return "mongodb"
    return scheme

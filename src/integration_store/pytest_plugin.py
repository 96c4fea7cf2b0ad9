"""pytest plugin (entry point ``pytest11``): the ``integration_store`` fixture for app tests, and
the ``--store-url`` option through which the contract suite runs against chosen backends."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integration_store.store import Store, open_store
from integration_store.testing import FixedClock, SequentialIds


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("integration-store")
    group.addoption(
        "--store-url",
        action="append",
        default=[],
        metavar="URL",
        help="run the integration-store contract suite against this store URL (repeatable); "
        "without it the suite runs on the default embedded backends",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "requires(capability): needs a backend capability; skipped only where the backend "
        "declares it lacks it",
    )


@pytest.fixture
def integration_store_clock() -> FixedClock:
    """The fixed clock of the ``integration_store`` fixture (advance it to move time)."""
    return FixedClock()


@pytest.fixture
def integration_store_ids() -> SequentialIds:
    """The sequential id factory of the ``integration_store`` fixture."""
    return SequentialIds()


@pytest.fixture
def integration_store(
    integration_store_clock: FixedClock, integration_store_ids: SequentialIds
) -> Iterator[Store]:
    """A fresh, private in-memory store with a fixed clock and sequential ids."""
    store = open_store("memory://", clock=integration_store_clock, id_factory=integration_store_ids)
    store.create_schema()
    with store:
        yield store

"""pytest plugin (entry point ``pytest11``): the ``integration_store`` fixture for app tests, and
the ``--store-url`` option through which the contract suite runs against chosen backends."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from integration_store.store import Store, open_store
from integration_store.test_support import clear_store, isolated_url
from integration_store.testing import FixedClock, SequentialIds

FIXTURE_URL_OPTION = "--integration-store-url"
FIXTURE_URL_VARIABLE = "INTEGRATION_STORE_TEST_URL"
DEFAULT_FIXTURE_URL = "memory://"


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
    group.addoption(
        FIXTURE_URL_OPTION,
        default=None,
        metavar="URL",
        help="the backend of the integration_store fixture (default: $"
        f"{FIXTURE_URL_VARIABLE}, else {DEFAULT_FIXTURE_URL}); a file or server URL is never "
        "written to: the session runs on a private database beside it, dropped afterwards",
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


@pytest.fixture(scope="session")
def integration_store_url(pytestconfig: pytest.Config) -> Iterator[str]:
    """The URL the ``integration_store`` fixture opens: a private database beside the one
    ``--integration-store-url`` (or ``$INTEGRATION_STORE_TEST_URL``) names, made once per
    session and dropped afterwards, so the named database is never touched."""
    named = (
        pytestconfig.getoption(FIXTURE_URL_OPTION)
        or os.environ.get(FIXTURE_URL_VARIABLE)
        or DEFAULT_FIXTURE_URL
    )
    with isolated_url(named) as private:
        yield private


@pytest.fixture
def integration_store(
    integration_store_url: str,
    integration_store_clock: FixedClock,
    integration_store_ids: SequentialIds,
) -> Iterator[Store]:
    """A fresh store with a fixed clock and sequential ids: private and in memory by default;
    on another backend (``--integration-store-url``), emptied before each test."""
    store = open_store(
        integration_store_url, clock=integration_store_clock, id_factory=integration_store_ids
    )
    with store:
        store.create_schema()
        if integration_store_url != DEFAULT_FIXTURE_URL:
            clear_store(store)
        yield store

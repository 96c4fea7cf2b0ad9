"""Fixtures of the contract suite: one ``store`` per test for each target URL, with a fixed clock
and sequential ids, and a ``reference`` memory store driven the same way."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from integration_store.store import Store, open_store
from integration_store.targets import StoreFactory, contract_urls
from integration_store.test_support import TMP_PLACEHOLDER, clear_store, isolated_url
from integration_store.testing import FixedClock, SequentialIds
from integration_store.verify_plugin import skip_for_capability


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store_url" in metafunc.fixturenames:
        urls = contract_urls(metafunc.config.getoption("--store-url"))
        metafunc.parametrize("store_url", urls, scope="session")


class _Targets:
    """Per session: each target URL → a private database URL with its schema created."""

    def __init__(self, tmp: str) -> None:
        self._tmp = tmp
        self._exits = contextlib.ExitStack()
        self._ready: dict[str, str] = {}

    def private_url(self, url: str) -> str:
        if url not in self._ready:
            concrete = url.replace(TMP_PLACEHOLDER, self._tmp)
            private = self._exits.enter_context(isolated_url(concrete))
            with open_store(private) as store:
                store.create_schema()
            self._ready[url] = private
        return self._ready[url]

    def close(self) -> None:
        self._exits.close()


@pytest.fixture(scope="session")
def _targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Targets]:
    targets = _Targets(str(tmp_path_factory.mktemp("contract")))
    yield targets
    targets.close()


@pytest.fixture
def clock() -> FixedClock:
    """The test's clock: stands still until the test advances it."""
    return FixedClock()


@pytest.fixture
def ids() -> SequentialIds:
    """The test's id factory: UUID(int=1), UUID(int=2), …"""
    return SequentialIds()


@pytest.fixture
def store(
    request: pytest.FixtureRequest,
    store_url: str,
    _targets: _Targets,
    clock: FixedClock,
    ids: SequentialIds,
) -> Iterator[Store]:
    """An empty store on the backend under test, schema created, clock and ids fixed."""
    store = open_store(_targets.private_url(store_url), clock=clock, id_factory=ids)
    try:
        for marker in request.node.iter_markers("requires"):
            for capability in marker.args:
                if capability not in store.capabilities:
                    skip_for_capability(request.node, capability)
        clear_store(store)
        yield store
    finally:
        store.close()


@pytest.fixture
def open_same_store(store: Store, store_url: str, _targets: _Targets) -> Iterator[StoreFactory]:
    """Open more stores on the database under test (e.g. with another id factory or clock)."""
    opened: list[Store] = []

    def factory(**options: Any) -> Store:
        opened.append(open_store(_targets.private_url(store_url), **options))
        return opened[-1]

    yield factory
    for extra in opened:
        extra.close()


@pytest.fixture
def reference_clock() -> FixedClock:
    """The clock of the ``reference`` store (starts where ``clock`` starts)."""
    return FixedClock()


@pytest.fixture
def reference(reference_clock: FixedClock) -> Iterator[Store]:
    """A memory store with its own clock and ids in the same start state as ``store``'s, for
    differential checks; drive both with the same calls and compare with ``assert_identical``."""
    with open_store("memory://", clock=reference_clock, id_factory=SequentialIds()) as store:
        yield store

"""What the contract suite needs from a backend beyond storage: an optional port of its own.

The production protocols (``integration_store.protocols``) hold storage operations only. A backend
that wants to run the contract suite also implements these two small protocols:

* its backend class: ``Resettable.clear_all()`` empties every driver between tests;
* its provider: ``TestTargets.embedded_test_urls()`` names the URLs the suite runs by default
  (those needing no server), and ``IsolatedDatabases.isolated_url(url)`` gives a private
  database on the same server for one test session (without it, the URL is used as given).

``embedded_test_urls`` asks every installed backend through its entry point, so a new backend is
in the default set as soon as it is installed; nothing in the core lists backends.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from integration_store.discovery import ENTRY_POINT_GROUP, provider_for
from integration_store.errors import UnsupportedOperationError
from integration_store.store import Store

REFERENCE_URL = "memory://"
"""The reference backend every other is compared with; it runs first."""

TMP_PLACEHOLDER = "{tmp}"
"""In an embedded test URL, stands for a fresh directory of the test session."""


@runtime_checkable
class Resettable(Protocol):
    """A backend the contract suite can empty between tests."""

    def clear_all(self) -> None:
        """Delete every record of every driver, keeping the schema."""


@runtime_checkable
class TestTargets(Protocol):
    """A provider that tells the contract suite which of its URLs to run by default."""

    def embedded_test_urls(self) -> Sequence[str]:
        """URLs needing no server, run by default when their packages are installed
        (``{tmp}`` stands for a fresh directory); empty when a driver is missing."""


@runtime_checkable
class IsolatedDatabases(Protocol):
    """A provider that gives each test session a private database on a shared server."""

    def isolated_url(self, url: str) -> AbstractContextManager[str]:
        """A URL to a fresh, private database on the same server, dropped on exit; URLs that
        already give a private store yield themselves."""


def clear_store(store: Store) -> None:
    """Empty every driver of the store's backend (``UnsupportedOperationError`` if it cannot)."""
    backend = store.backend
    if not isinstance(backend, Resettable):
        raise UnsupportedOperationError(
            f"{type(backend).__name__} has no clear_all(); the contract suite needs it"
        )
    store._run_exclusive(backend.clear_all)


@contextmanager
def isolated_url(url: str) -> Iterator[str]:
    """A private database for ``url`` from its provider (the URL itself when it has none)."""
    provider = provider_for(url)
    if isinstance(provider, IsolatedDatabases):
        with provider.isolated_url(url) as private:
            yield private
    else:
        yield url


def embedded_test_urls() -> list[str]:
    """The embedded URLs of every installed backend, the reference first, without repeats.

    A backend whose driver package is missing is left out, as it could not run."""
    urls: list[str] = []
    seen: list[object] = []
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        try:
            provider = entry.load()
        except ImportError:
            continue  # its driver package is not installed
        except Exception as error:  # a broken backend must not hide every other one
            warnings.warn(
                f"backend entry point {entry.name!r} failed to load: {error!r}", stacklevel=2
            )
            continue
        if any(provider is known for known in seen):
            continue
        seen.append(provider)
        if isinstance(provider, TestTargets):
            urls += [url for url in provider.embedded_test_urls() if url not in urls]
    return sorted(urls, key=lambda url: url != REFERENCE_URL)

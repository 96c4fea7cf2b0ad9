"""URL scheme → backend, through the ``integration_store.backends`` entry-point group.

A third-party backend is one installed package away: it registers its ``BackendProvider`` under
its URL scheme(s). ``postgresql+psycopg`` is looked up as itself first, then as ``postgresql``.
"""

from __future__ import annotations

import re
from importlib.metadata import EntryPoint, entry_points

from integration_store.errors import IntegrationStoreError
from integration_store.protocols import BackendProvider

ENTRY_POINT_GROUP = "integration_store.backends"

_PASSWORD = re.compile(r"(//[^/@:]*:)[^/]*@")
"""The password of a ``scheme://user:password@host`` URL."""


def redacted(url: object) -> str:
    """The URL as it may appear in a message or a log: any password replaced by ``***``."""
    text = str(url)
    return _PASSWORD.sub(r"\1***@", text)


def url_scheme(url: str) -> str:
    """The scheme of a store URL (``"sqlite"`` for ``"sqlite:///app.db"``)."""
    if not isinstance(url, str) or "://" not in url:
        raise IntegrationStoreError(
            f"not a store URL (expected SCHEME://...): {redacted(url)!r}"
        )
    return url.split("://", 1)[0].lower()


def installed_schemes() -> list[str]:
    """Every URL scheme an installed backend registered, sorted."""
    return sorted({entry.name for entry in entry_points(group=ENTRY_POINT_GROUP)})


def _entry_point(scheme: str) -> EntryPoint | None:
    found = {entry.name: entry for entry in entry_points(group=ENTRY_POINT_GROUP)}
    return found.get(scheme) or found.get(scheme.split("+", 1)[0])


def provider_for(url: str) -> BackendProvider:
    """The provider registered for the URL's scheme, or ``IntegrationStoreError`` listing the
    installed schemes (an installed backend whose driver package is missing says which extra)."""
    scheme = url_scheme(url)
    entry = _entry_point(scheme)
    if entry is None:
        raise IntegrationStoreError(
            f"no backend installed for URL scheme {scheme!r}; installed schemes: "
            + ", ".join(installed_schemes())
        )
    try:
        provider: BackendProvider = entry.load()
    except ImportError as missing:
        raise IntegrationStoreError(
            f"the backend for {scheme!r} needs a package that is not installed ({missing.name}); "
            "install the matching extra, e.g. pip install 'integration-store[all]'"
        ) from missing
    return provider

"""The MongoDB backend (pymongo 4): ``mongodb://host:port/NAME`` (``mongodb+srv://`` too) and the
embedded ``mongomock://``, whose every open is a new private database.

Server URLs take pymongo's options in the query string; ``serverSelectionTimeoutMS`` and
``connectTimeoutMS`` default to 5 s here (not 30 s) so a down server is reported quickly.
"""

from __future__ import annotations

import importlib.util
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from integration_store.discovery import redacted, url_scheme
from integration_store.errors import IntegrationStoreError

from .backend import MongoBackend, database_name, open_embedded, open_server
from .command_log import hide_documents
from .errors import translated

__all__ = ["MongoBackend", "MongoProvider", "provider"]

EMBEDDED_SCHEME = "mongomock"


def _is_server(scheme: str) -> bool:
    return scheme == "mongodb" or scheme.startswith("mongodb+")


def with_database(url: str, name: str) -> str:
    """The server URL with its path naming database ``name``, options and credentials kept.

    Credentials authenticate against the URL's database unless ``authSource`` says otherwise,
    so when the URL has credentials that default is pinned before the database changes.
    """
    parts = urlsplit(url)
    query = parts.query  # kept as written: re-encoding could change option values
    options = parse_qsl(query, keep_blank_values=True)
    if "@" in parts.netloc and not any(key.lower() == "authsource" for key, _ in options):
        source = database_name(url) if parts.path.strip("/") else "admin"
        query = "&".join(filter(None, [query, "authSource=" + quote(source, safe="")]))
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(name), query, parts.fragment))


class MongoProvider:
    """Opens ``mongodb://`` / ``mongodb+srv://`` and ``mongomock://`` stores."""

    def open(self, url: str) -> MongoBackend:
        scheme = url_scheme(url)
        if scheme == EMBEDDED_SCHEME:
            return open_embedded(url)
        if _is_server(scheme):
            hide_documents()
            return open_server(url)
        raise IntegrationStoreError(
            "the mongo backend takes mongodb://, mongodb+srv:// or mongomock:// URLs, "
            f"not {redacted(url)!r}"
        )

    def embedded_test_urls(self) -> Sequence[str]:
        """``mongomock://`` when mongomock is installed."""
        return ["mongomock://"] if importlib.util.find_spec("mongomock") is not None else []

    @contextmanager
    def isolated_url(self, url: str) -> Iterator[str]:
        """A uniquely named database on the same server, dropped on exit; ``mongomock://``
        URLs are private already and yield themselves."""
        scheme = url_scheme(url)
        if not _is_server(scheme):
            yield url
            return
        private = f"{database_name(url)[:40]}_{secrets.token_hex(6)}"
        isolated = with_database(url, private)
        try:
            yield isolated
        finally:
            backend = open_server(isolated)
            try:
                with translated():
                    backend._client.drop_database(private)
            finally:
                backend.close()


provider: Final = MongoProvider()

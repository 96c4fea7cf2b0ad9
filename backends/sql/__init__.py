"""The SQL backend (SQLAlchemy 2 Core): SQLite, PostgreSQL (psycopg 3), MariaDB/MySQL (PyMySQL).

Registered under the URL schemes ``sqlite``, ``postgresql``, ``mysql`` and ``mariadb``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

import sqlalchemy as sa

from .admin import isolated_database, isolated_sqlite_file
from .backend import SqlBackend
from .engine import engine_url, is_sqlite_memory

__all__ = ["SqlBackend", "SqlProvider", "provider"]


class SqlProvider:
    """Opens SQL stores and makes throw-away databases for test runs."""

    def open(self, url: str) -> SqlBackend:
        return SqlBackend(engine_url(url))

    def embedded_test_urls(self) -> Sequence[str]:
        """A private in-memory database and a file in the test session's directory."""
        return ["sqlite://", "sqlite:///{tmp}/contract.db"]

    @contextmanager
    def isolated_url(self, url: str) -> Iterator[str]:
        """A private database that test runs may empty at will, never the one ``url`` names:
        on a server a fresh, uniquely named database, dropped on exit; for a SQLite file a new
        file beside it, removed on exit. ``sqlite://`` is private per store already."""
        parsed = engine_url(url)
        if is_sqlite_memory(parsed):
            yield url
            return
        if parsed.get_backend_name() == "sqlite":
            with isolated_sqlite_file(sa.make_url(url)) as private:
                yield private.render_as_string(hide_password=False)
            return
        with isolated_database(parsed) as name:
            yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)


provider: Final = SqlProvider()

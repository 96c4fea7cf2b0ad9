"""The SQL backend (SQLAlchemy 2 Core): SQLite, PostgreSQL (psycopg 3), MariaDB/MySQL (PyMySQL).

Registered under the URL schemes ``sqlite``, ``postgresql``, ``mysql`` and ``mariadb``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from .backend import SqlBackend, create_sql_engine, engine_url
from .dialects import create_database_sql, drop_database_sql
from .runner import translated_errors

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
        """Server URLs: a fresh, uniquely named database on the same server, dropped on exit.
        SQLite URLs are yielded unchanged (``sqlite://`` is already private per store)."""
        parsed = engine_url(url)
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            yield url
            return
        name = f"istore_test_{uuid.uuid4().hex[:20]}"
        # No pooled admin connection may linger: PostgreSQL cannot drop a database in use.
        admin = create_sql_engine(parsed, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            with translated_errors(), admin.connect() as connection:
                connection.exec_driver_sql(create_database_sql(backend, name))
            try:
                yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
            finally:
                with translated_errors(), admin.connect() as connection:
                    connection.exec_driver_sql(drop_database_sql(backend, name))
        finally:
            admin.dispose()


provider: Final = SqlProvider()

"""Fixtures of the SQL test modules: private, migrated databases on the machine's servers,
and a way to kill their sessions from outside."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from integration_store import open_store
from integration_store.errors import BackendUnavailableError

SERVER_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/test",
}
"""The development machine's servers, used when ``INTEGRATION_STORE_TEST_URLS`` names none."""


def _server_url(dialect: str) -> tuple[str, bool]:
    """(URL, whether the environment demanded it: then it must not be skipped)."""
    named = [u.strip() for u in os.environ.get("INTEGRATION_STORE_TEST_URLS", "").split(",")]
    for url in named:
        scheme = url.split("://", 1)[0].split("+", 1)[0]
        if scheme == dialect or (dialect == "mysql" and scheme == "mariadb"):
            return url, True
    return SERVER_URLS[dialect], False


@contextmanager
def _private_server_url(dialect: str) -> Iterator[str]:
    """``provider.isolated_url`` with the schema created; skips when a server the environment
    did not name is down."""
    url, demanded = _server_url(dialect)
    with ExitStack() as stack:
        try:
            private = stack.enter_context(_sql_provider().isolated_url(url))
        except BackendUnavailableError:
            if demanded:
                raise
            pytest.skip(f"no server at {url}")
        with open_store(private) as store:
            store.create_schema()
        yield private


@pytest.fixture(params=["sqlite-memory", "sqlite-file", "postgresql", "mysql"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty, migrated database of each SQL dialect."""
    if request.param == "sqlite-memory":
        yield "sqlite://"
        return
    if request.param == "sqlite-file":
        url = f"sqlite:///{tmp_path}/store.db"
        with open_store(url) as store:
            store.create_schema()
        yield url
        return
    with _private_server_url(request.param) as url:
        yield url


@pytest.fixture(params=["postgresql", "mysql"])
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL to a fresh, migrated database on each server."""
    with _private_server_url(request.param) as url:
        yield url


@pytest.fixture(params=["postgresql", "mysql"])
def server_base_url(request: pytest.FixtureRequest) -> str:
    """Each server's URL as named, for code that makes its own databases on it (the bench);
    skips when a server the environment did not name is down."""
    with _private_server_url(request.param):  # up, or skipped
        pass
    url, _ = _server_url(request.param)
    return url


@pytest.fixture
def private_server() -> Callable[[str], AbstractContextManager[str]]:
    """Open a private, migrated database on a server by dialect (``with private_server("mysql")
    as url``); dropped on exit."""
    return _private_server_url


@pytest.fixture
def kill_sessions() -> Callable[..., int]:
    """Kill every session on a URL's database but the killer's own; how many were killed."""
    return _kill_sessions


def _sql_provider() -> Any:
    pytest.importorskip("sqlalchemy")
    from integration_store.backends.sql import provider

    return provider


def _kill_sessions(url: str, *, wait: bool = True) -> int:
    """Kill every other session on the store's database, from a separate connection; ``wait``
    until they are gone (not while other threads keep connecting)."""
    sa = pytest.importorskip("sqlalchemy")
    from integration_store.backends.sql.engine import engine_url

    engine = sa.create_engine(engine_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                killed = connection.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).all()
                count = len(killed)
            else:
                ids = connection.exec_driver_sql(
                    "SELECT id FROM information_schema.processlist "
                    "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                ).scalars()
                sessions = list(ids)
                for session in sessions:
                    # A session may end on its own meanwhile (1094: unknown thread id).
                    with contextlib.suppress(sa.exc.OperationalError):
                        connection.exec_driver_sql(f"KILL CONNECTION {int(session)}")
                count = len(sessions)
            connection.commit()
            if wait:
                _wait_until_gone(connection, engine.dialect.name)
    finally:
        engine.dispose()
    return count


def _wait_until_gone(connection: Any, dialect: str, seconds: float = 10.0) -> None:
    """Both servers end a killed session asynchronously: wait until the database has no
    session but the killer's, so the next statement of a victim surely fails."""
    query = (
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        if dialect == "postgresql"
        else "SELECT count(*) FROM information_schema.processlist "
        "WHERE db = DATABASE() AND id <> CONNECTION_ID() AND command <> 'Killed'"
    )
    deadline = time.monotonic() + seconds
    while connection.exec_driver_sql(query).scalar() and time.monotonic() < deadline:
        connection.commit()
        time.sleep(0.01)

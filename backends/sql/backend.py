"""The SQL backend: one SQLAlchemy engine per open store, five storages, real transactions.

Engines come from ``engine.py``, errors are translated by ``errors.py``, the schema is managed by
``admin.py``; this module ties them into the ``Backend`` the store drives.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Final

from sqlalchemy.engine import URL, Engine

from integration_store.protocols import (
    CLAIMS,
    INVOCATIONS,
    SKIP_LOCKED,
    TRANSACTIONS,
    VECTORS,
    Storages,
)
from integration_store.unit_of_work import native_transaction

from . import admin
from .connections import StatementListener
from .connectors import SqlConnectorStorage
from .engine import create_sql_engine, is_sqlite_memory
from .errors import translated_errors
from .execution import AutocommitRunner, Runner, TransactionRunner, begin_statement, commit
from .external_responses import SqlExternalResponseStorage
from .invocations import SqlInvocationStorage
from .pool import ConnectionPool
from .rows import StatementCache
from .statements import claims_skip_locked
from .tables import ALL_TABLES
from .vectors import SqlVectorStorage
from .workers import SqlWorkerStorage

__all__ = ["SqlBackend"]


def storages_over(runner: Runner, statements: StatementCache) -> Storages:
    """The SQL storages whose statements go through ``runner``."""
    return Storages(
        SqlConnectorStorage(runner, statements),
        SqlExternalResponseStorage(runner, statements),
        SqlWorkerStorage(runner, statements),
        SqlVectorStorage(runner, statements),
        SqlInvocationStorage(runner, statements),
    )


class SqlBackend:
    """An open SQL store; every storage call is one transaction unless inside ``transaction()``.

    ``sqlite://`` has one shared connection, so it is not thread-safe: the store serialises its
    calls (and holds the lock across a transaction).
    """

    def __init__(self, url: URL) -> None:
        self._engine = create_sql_engine(url)
        dialect = self._engine.dialect
        skip_locked = {SKIP_LOCKED} if claims_skip_locked(dialect) else set()
        self.capabilities: Final = frozenset(
            {TRANSACTIONS, CLAIMS, VECTORS, INVOCATIONS, *skip_locked}
        )
        self.thread_safe: Final = not is_sqlite_memory(url)
        self._pool = ConnectionPool(
            self._engine, shared=is_sqlite_memory(url), ping=dialect.name != "sqlite"
        )
        self._statements = StatementCache(dialect)
        self.storages: Final = storages_over(
            AutocommitRunner(self._pool, dialect), self._statements
        )
        self._begin = begin_statement(dialect, write=True)
        self._closed = False

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and tooling)."""
        return self._engine

    def add_statement_listener(self, listener: StatementListener) -> Callable[[], None]:
        """Call ``listener`` with the SQL of every statement the store runs and whether it is an
        ``executemany`` batch (for tests and tooling); returns the function that stops it."""
        self._pool.listeners.append(listener)
        return lambda: self._pool.listeners.remove(listener)

    def transaction(self) -> AbstractContextManager[Storages]:
        """One database transaction on one connection for the block."""
        dialect = self._engine.dialect
        return native_transaction(
            lambda: self._pool.acquire(for_write=True)[0],
            lambda connection: storages_over(
                TransactionRunner(connection, dialect), self._statements
            ),
            begin=lambda connection: connection.command(self._begin),
            commit=commit,
            rollback=lambda connection: connection.command("ROLLBACK"),
            end=self._pool.release,
            translated=translated_errors,
        )

    def create_schema(self) -> None:
        """Upgrade to the newest migration (idempotent; concurrent callers take turns)."""
        admin.create_schema(self._engine)

    def clear_all(self) -> None:
        """Delete every row of every table, in one transaction (test support)."""
        with translated_errors(), self._engine.begin() as connection:
            for table in ALL_TABLES:
                connection.execute(table.delete())

    def close(self) -> None:
        """Close pooled connections; an in-memory SQLite database goes with them."""
        if not self._closed:
            self._closed = True
            with translated_errors():
                self._pool.close()
                self._engine.dispose()

"""The SQL backend: one SQLAlchemy engine per open store, three storages, real transactions.

Engines come from ``engine.py``, errors are translated by ``errors.py``, the schema is managed by
``admin.py``; this module ties them into the ``Backend`` the store drives.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Final

from sqlalchemy.engine import URL, Connection, Engine

from integration_store.protocols import TRANSACTIONS, Storages
from integration_store.unit_of_work import native_transaction

from . import admin
from .connectors import SqlConnectorStorage
from .engine import create_sql_engine, is_sqlite_memory
from .errors import translated_errors
from .execution import AutocommitRunner, Runner, TransactionRunner
from .external_responses import SqlExternalResponseStorage
from .tables import ALL_TABLES
from .workers import SqlWorkerStorage

__all__ = ["SqlBackend"]


def storages_over(runner: Runner) -> Storages:
    """The three SQL storages whose statements go through ``runner``."""
    return Storages.over(runner, SqlConnectorStorage, SqlExternalResponseStorage, SqlWorkerStorage)


class SqlBackend:
    """An open SQL store; every storage call is one transaction unless inside ``transaction()``.

    ``sqlite://`` has one shared connection, so it is not thread-safe: the store serialises its
    calls (and holds the lock across a transaction).
    """

    def __init__(self, url: URL) -> None:
        self._engine = create_sql_engine(url)
        self.capabilities: Final = frozenset({TRANSACTIONS})
        self.thread_safe: Final = not is_sqlite_memory(url)
        self.storages: Final = storages_over(AutocommitRunner(self._engine))
        self._closed = False

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tests and tooling)."""
        return self._engine

    def transaction(self) -> AbstractContextManager[Storages]:
        """One database transaction on one connection for the block."""
        return native_transaction(
            self._engine.connect,
            lambda connection: storages_over(TransactionRunner(connection)),
            begin=Connection.begin,
            commit=Connection.commit,
            rollback=Connection.rollback,
            end=Connection.close,
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
                self._engine.dispose()

"""The MongoDB backend: ``mongomock://`` (embedded, private per open) and ``mongodb://`` servers.

One ``MongoClient`` per open store, configured so values come back as written: ``tz_aware`` in
UTC, standard UUID representation. Transactions are declared only where the server has them
(a replica-set member or a mongos; SecantusDB reports itself as a one-node replica set), found by
one ``hello`` the first time ``capabilities`` is asked; mongomock and standalone servers have none.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from datetime import UTC
from typing import Any, Final
from urllib.parse import parse_qsl, unquote, urlsplit

from pymongo import MongoClient
from pymongo.client_session import ClientSession
from pymongo.database import Database

from integration_store.errors import IntegrationStoreError
from integration_store.protocols import CLAIMS, INVOCATIONS, TRANSACTIONS, VECTORS, Storages
from integration_store.unit_of_work import native_transaction

from . import migrations
from .binding import COLLECTIONS, Binding
from .connectors import MongoConnectorStorage
from .documents import Document
from .errors import commit, translated
from .external_responses import MongoExternalResponseStorage
from .invocations import MongoInvocationStorage
from .vectors import MongoVectorStorage
from .workers import MongoWorkerStorage

DEFAULT_DATABASE: Final = "integration_store"
DEFAULT_SERVER_SELECTION_TIMEOUT_MS: Final = 5000
"""Used when the URL sets no ``serverSelectionTimeoutMS``: a down server is reported in seconds,
not after pymongo's 30 s default. Tests pass a shorter one in the URL."""
DEFAULT_CONNECT_TIMEOUT_MS: Final = 5000


ALWAYS: Final = frozenset({CLAIMS, VECTORS, INVOCATIONS})
"""The capabilities of every Mongo database, embedded or served."""


def storages_over(binding: Binding) -> Storages:
    """The storages whose calls go through ``binding``."""
    return Storages.over(
        binding,
        MongoConnectorStorage,
        MongoExternalResponseStorage,
        MongoWorkerStorage,
        MongoVectorStorage,
        MongoInvocationStorage,
    )


def database_name(url: str) -> str:
    """The database a URL's path names (``mongodb://host/NAME``), default ``integration_store``."""
    path = unquote(urlsplit(url).path).lstrip("/")
    return path or DEFAULT_DATABASE


def _has_option(url: str, option: str) -> bool:
    return any(key.lower() == option.lower() for key, _ in parse_qsl(urlsplit(url).query))


class MongoBackend:
    """A store on one MongoDB database (or one private mongomock database)."""

    def __init__(self, client: MongoClient[Document], name: str, *, embedded: bool) -> None:
        self._client = client
        # mongomock is not thread-safe: the store serialises its calls, so $inc loses nothing.
        self.thread_safe = not embedded
        with translated():
            self._database: Database[Document] = client.get_database(name)
        self.storages: Final = storages_over(Binding(self._database))
        # Claims everywhere: a server tests and sets each lease in one atomic
        # find_one_and_update; mongomock lives in one process and the store serialises its calls.
        self._capabilities: frozenset[str] | None = (
            frozenset({*ALWAYS}) if embedded else None
        )
        self._capability_lock = threading.Lock()

    @property
    def capabilities(self) -> frozenset[str]:
        """``claims``, ``vectors`` and ``invocations`` everywhere, plus ``transactions`` on a
        replica set or mongos (not on mongomock or a standalone server)."""
        with self._capability_lock:
            if self._capabilities is None:
                with translated():
                    hello: Document = self._client.admin.command("hello")
                clustered = "setName" in hello or hello.get("msg") == "isdbgrid"
                sessions = "logicalSessionTimeoutMinutes" in hello
                transactions = {TRANSACTIONS} if clustered and sessions else set()
                self._capabilities = frozenset({*ALWAYS, *transactions})
            return self._capabilities

    def transaction(self) -> AbstractContextManager[Storages]:
        """One client-session transaction: commit on normal exit, abort on exception."""
        return native_transaction(
            self._client.start_session,
            lambda session: storages_over(Binding(self._database, session)),
            begin=ClientSession.start_transaction,
            commit=commit,
            rollback=ClientSession.abort_transaction,
            end=ClientSession.end_session,
            translated=translated,
        )

    def create_schema(self) -> None:
        """Ensure collections and indexes and bring the recorded layout version to the head."""
        with translated():
            migrations.upgrade(self._database)

    def clear_all(self) -> None:
        """Delete every document of every collection, keeping collections and indexes (test
        support)."""
        with translated():
            for name in COLLECTIONS:
                self._database[name].delete_many({})

    def close(self) -> None:
        """Close the client; idempotent."""
        with translated():
            self._client.close()


def open_server(url: str) -> MongoBackend:
    """A backend on the server a ``mongodb://`` (or ``mongodb+srv://``) URL names, its
    collections and indexes ensured."""
    options: dict[str, Any] = {}
    if not _has_option(url, "serverSelectionTimeoutMS"):
        options["serverSelectionTimeoutMS"] = DEFAULT_SERVER_SELECTION_TIMEOUT_MS
    if not _has_option(url, "connectTimeoutMS"):
        options["connectTimeoutMS"] = DEFAULT_CONNECT_TIMEOUT_MS
    try:
        client: MongoClient[Document] = MongoClient(
            url,
            document_class=dict,
            tz_aware=True,
            tzinfo=UTC,
            uuidRepresentation="standard",
            **options,
        )
    except Exception as error:  # ConfigurationError, InvalidURI, bad option types (ValueError)
        raise IntegrationStoreError(f"cannot open MongoDB URL: {error}") from error
    try:
        backend = MongoBackend(client, database_name(url), embedded=False)
        # MongoDB creates collections on first write, without the unique indexes the domain
        # relies on; creating them here means a forgotten create_schema() cannot silently
        # allow two connectors with one name (idempotent and cheap when they exist).
        backend.create_schema()
        return backend
    except BaseException:
        client.close()
        raise


def open_embedded(url: str) -> MongoBackend:
    """A new private mongomock database (``mongomock://``; a path names the database), its schema
    already created: nobody else can ever open it, so nobody else could create it."""
    import mongomock  # only needed for the embedded scheme

    # Duck-typed: mongomock mirrors the pymongo client API this backend uses.
    client: MongoClient[Document] = mongomock.MongoClient(tz_aware=True)
    backend = MongoBackend(client, database_name(url), embedded=True)
    backend.create_schema()
    return backend

"""What the three storages share: the database, the transaction's session (if any) and the guard.

The guard is a re-entrant lock for mongomock (which is not thread-safe: one lock per store makes
concurrent calls behave as if serialised, so ``$inc`` loses nothing) and a no-op for a real
server, whose client is thread-safe and whose server serialises writes per document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Final

import attrs
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database

from .documents import Document
from .errors import translated

CONNECTORS: Final = "connectors"
EXTERNAL_RESPONSES: Final = "external_responses"
WORKERS: Final = "workers"
WORKER_CONFIGS: Final = "worker_configs"
COLLECTIONS: Final = (CONNECTORS, EXTERNAL_RESPONSES, WORKERS, WORKER_CONFIGS)


@attrs.frozen
class Link:
    """A database handle and where to find the session of the calling thread's transaction.

    ``sessions`` is asked at every call, so plain storages used while the same thread has a
    transaction open take part in it (as on the memory and SQL backends) instead of committing
    on their own.
    """

    database: Database[Document]
    sessions: Callable[[], ClientSession | None]
    guard: AbstractContextManager[Any]

    @property
    def session(self) -> ClientSession | None:
        """The client session of the transaction the call belongs to, if any."""
        return self.sessions()

    def collection(self, name: str) -> Collection[Document]:
        """One of the backend's collections."""
        return self.database[name]

    @property
    def in_transaction(self) -> bool:
        """True when calls run inside a client-session transaction."""
        return self.session is not None

    @contextmanager
    def call(self) -> Iterator[None]:
        """One storage call: hold the guard and translate driver errors."""
        with self.guard, translated():
            yield

"""What the three storages share: the database and the session of their transaction, if any.

Thread-safety (a lock for mongomock) and joining the calling thread's transaction are the
store's business (``integration_store.unit_of_work``), not this backend's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import attrs
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database

from integration_store.errors import ConflictError
from integration_store.records import Record

from .documents import CONNECTOR, RESPONSE, WORKER, WORKER_CONFIG, Document, Shape
from .errors import translated

CONNECTORS: Final = CONNECTOR.collection
EXTERNAL_RESPONSES: Final = RESPONSE.collection
WORKERS: Final = WORKER.collection
WORKER_CONFIGS: Final = WORKER_CONFIG.collection
COLLECTIONS: Final = (CONNECTORS, EXTERNAL_RESPONSES, WORKERS, WORKER_CONFIGS)


@attrs.frozen
class Binding:
    """A database handle and the client session every call uses (None outside a transaction)."""

    database: Database[Document]
    session: ClientSession | None = None

    def collection(self, name: str) -> Collection[Document]:
        """One of the backend's collections."""
        return self.database[name]

    @property
    def in_transaction(self) -> bool:
        """True when calls run inside a client-session transaction."""
        return self.session is not None

    @contextmanager
    def call(self) -> Iterator[None]:
        """One storage call: translate driver errors."""
        with translated():
            yield

    def insert(self, shape: Shape, record: Record) -> None:
        """Insert a record as a new document; the bare ``ConflictError`` when a key is taken.

        Inside a transaction a failed write aborts the whole server transaction, so the id and
        the unique field groups are looked up first and a conflict leaves the unit of work
        usable (the unique indexes still guard races)."""
        document = shape.to_document(record)
        collection = self.collection(shape.collection)
        with self.call():
            if self.in_transaction:
                keys = [{"_id": document["_id"]}] + [
                    {field: document[field] for field in group} for group in shape.schema.unique
                ]
                if collection.find_one({"$or": keys}, {"_id": 1}, session=self.session):
                    raise ConflictError(f"a {shape.collection} id or unique key is taken")
            collection.insert_one(document, session=self.session)

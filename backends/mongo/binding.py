"""What the three storages share: the database and the session of their transaction, if any.

Thread-safety (a lock for mongomock) and joining the calling thread's transaction are the
store's business (``integration_store.unit_of_work``), not this backend's.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

import attrs
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from integration_store.errors import ConflictError
from integration_store.records import Record

from .documents import CONNECTOR, RESPONSE, WORKER, WORKER_CONFIG, Document, Shape
from .errors import DUPLICATE_KEY_CODES, translated

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
    _collections: dict[str, Collection[Document]] = attrs.field(
        factory=dict, init=False, repr=False, eq=False
    )

    def collection(self, name: str) -> Collection[Document]:
        """One of the backend's collections (made once: a ``Collection`` takes microseconds to
        build, as long as a small insert on mongomock)."""
        collection = self._collections.get(name)
        if collection is None:
            collection = self._collections[name] = self.database[name]
        return collection

    @property
    def in_transaction(self) -> bool:
        """True when calls run inside a client-session transaction."""
        return self.session is not None

    @contextmanager
    def call(self, *, write: bool = False) -> Iterator[None]:
        """One storage call: translate driver errors. ``write``: it changes documents, so
        outside a transaction a connection lost after sending it leaves the outcome unknown
        (inside one, the server aborts the transaction instead)."""
        with translated(write=write and self.session is None):
            yield

    def insert(self, shape: Shape, record: Record) -> None:
        """Insert a record as a new document; the bare ``ConflictError`` when a key is taken.

        Inside a transaction a failed write aborts the whole server transaction, so the id and
        the unique field groups are looked up first and a conflict leaves the unit of work
        usable (the unique indexes still guard races)."""
        document = shape.to_document(record)
        collection = self.collection(shape.collection)
        with self.call(write=True):
            if self.in_transaction:
                self._refuse_taken_keys(shape, [document])
            collection.insert_one(document, session=self.session)

    def insert_many(self, shape: Shape, records: Sequence[Record]) -> None:
        """Insert records as new documents with one ordered ``insert_many``, all or nothing.

        Inside a transaction the keys are looked up first, as ``insert`` does, and any failure
        aborts the whole server transaction anyway. Outside one MongoDB keeps the documents
        inserted before a failing one: they are deleted again by ``_id`` — exactly those this
        call inserted, the first ``nInserted`` of an ordered batch — before the bare
        ``ConflictError`` is raised. (Until then a concurrent reader may see them.)
        """
        documents = [shape.to_document(record) for record in records]
        if _repeats_a_key(shape, documents):
            raise ConflictError(f"a {shape.collection} id or unique key is repeated in the batch")
        collection = self.collection(shape.collection)
        with self.call(write=True):
            if self.in_transaction:
                self._refuse_taken_keys(shape, documents)
                collection.insert_many(documents, ordered=True, session=self.session)
                return
            try:
                collection.insert_many(documents, ordered=True)
            except BulkWriteError as error:
                inserted = [document["_id"] for document in documents[: _inserted(error)]]
                if inserted:
                    collection.delete_many({"_id": {"$in": inserted}})
                if _only_duplicate_keys(error):
                    raise ConflictError(
                        f"a {shape.collection} id or unique key is taken"
                    ) from error
                raise

    def _refuse_taken_keys(self, shape: Shape, documents: Sequence[Document]) -> None:
        """The bare ``ConflictError`` when any document's id or unique field group is stored."""
        keys = [_key for document in documents for _key in _keys(shape, document)]
        collection = self.collection(shape.collection)
        if collection.find_one({"$or": keys}, {"_id": 1}, session=self.session):
            raise ConflictError(f"a {shape.collection} id or unique key is taken")


def _keys(shape: Shape, document: Document) -> list[Document]:
    return [{"_id": document["_id"]}] + [
        {field: document[field] for field in group} for group in shape.schema.unique
    ]


def _repeats_a_key(shape: Shape, documents: Sequence[Document]) -> bool:
    groups: list[tuple[str, ...]] = [("_id",), *shape.schema.unique]
    for group in groups:
        keys = {tuple(document[field] for field in group) for document in documents}
        if len(keys) < len(documents):
            return True
    return False


def _inserted(error: BulkWriteError) -> int:
    """How many documents of an ordered batch went in before it stopped."""
    return int(error.details.get("nInserted", 0))


def _only_duplicate_keys(error: BulkWriteError) -> bool:
    failures = error.details.get("writeErrors", [])
    return bool(failures) and all(
        failure.get("code") in DUPLICATE_KEY_CODES for failure in failures
    )

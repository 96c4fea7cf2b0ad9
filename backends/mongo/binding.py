"""What the storages share: the database and the session of their transaction, if any.

Thread-safety (a lock for mongomock) and joining the calling thread's transaction are the
store's business (``integration_store.unit_of_work``), not this backend's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import attrs
from pymongo import ReplaceOne, ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import BulkWriteError, PyMongoError

from integration_store.errors import ConflictError, IntegrationStoreError
from integration_store.records import Record

from .documents import (
    CONNECTOR,
    INVOCATION,
    RESPONSE,
    VECTOR,
    VECTOR_SET,
    WORKER,
    WORKER_CONFIG,
    Document,
    Shape,
)
from .errors import DUPLICATE_KEY_CODES, is_duplicate_key, translated

CONNECTORS: Final = CONNECTOR.collection
EXTERNAL_RESPONSES: Final = RESPONSE.collection
WORKERS: Final = WORKER.collection
WORKER_CONFIGS: Final = WORKER_CONFIG.collection
VECTORS: Final = VECTOR.collection
VECTOR_SETS: Final = VECTOR_SET.collection
INVOCATIONS: Final = INVOCATION.collection
COLLECTIONS: Final = (
    CONNECTORS,
    EXTERNAL_RESPONSES,
    WORKERS,
    WORKER_CONFIGS,
    VECTORS,
    VECTOR_SETS,
    INVOCATIONS,
)


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

    def call(self, *, write: bool = False) -> translated:
        """One storage call (``with binding.call():``): translate driver errors. ``write``: it
        changes documents, so outside a transaction a connection lost after sending it leaves
        the outcome unknown (inside one, the server aborts the transaction instead)."""
        return translated(write=write and self.session is None)

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
                if only_duplicate_keys(error):
                    raise ConflictError(
                        f"a {shape.collection} id or unique key is taken"
                    ) from error
                raise

    def replace_all(self, name: str, documents: Sequence[Document]) -> None:
        """Replace each document by ``_id`` (inserting it when missing), in order: one
        ``bulk_write`` on a server. mongomock 4.3 cannot take pymongo's ``ReplaceOne`` (it
        passes a ``sort`` mongomock does not know), so there each goes alone, in-process."""
        collection = self.collection(name)
        if isinstance(collection, Collection):
            requests = [ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in documents]
            collection.bulk_write(requests, ordered=True, session=self.session)
            return
        for document in documents:
            collection.replace_one({"_id": document["_id"]}, document, upsert=True)

    def upsert(self, name: str, key: Any, operations: Document) -> Document:
        """One ``findAndModify`` with ``upsert``, keyed by ``_id``: the document after it.

        Two racing upserts of a new key can both try the insert; the loser gets a
        duplicate-key error and nothing of it is applied (MongoDB since 4.2 retries that
        itself; others may not), so it is sent again — not inside a transaction, where the
        error has aborted it. ``operations`` may add (``$inc``), so it is never sent again
        after it may have been applied: SecantusDB 0.7.0b3 answers the loser of that race with
        ``value: null`` (which MongoDB never does for ``new: true`` + ``upsert``) *after*
        applying it as an update, so that answer is followed by a read of the document.
        Driver errors are the caller's to translate (``call``).
        """
        collection = self.collection(name)
        attempts = 1 if self.in_transaction else 3
        for attempt in range(attempts):
            try:
                document = collection.find_one_and_update(
                    {"_id": key},
                    operations,
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                    session=self.session,
                )
            except PyMongoError as error:
                if attempt + 1 < attempts and is_duplicate_key(error):
                    continue
                raise
            if document is None:
                document = collection.find_one({"_id": key}, session=self.session)
            if document is not None:
                return document
            break
        raise IntegrationStoreError("the server returned no document for an upsert")

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


def only_duplicate_keys(error: BulkWriteError) -> bool:
    """Whether every write of a failed batch failed on a unique key."""
    failures = error.details.get("writeErrors", [])
    return bool(failures) and all(
        failure.get("code") in DUPLICATE_KEY_CODES for failure in failures
    )

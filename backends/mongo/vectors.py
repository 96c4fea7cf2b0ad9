"""MongoDB vector storage: vectors keyed by ``{connector_id, vector_id}`` (unique index on the
two fields, which also serves the load order), and one ``vector_sets`` document per connector
holding its generation.

A write stores the vectors first and moves the generation on only once the server has
acknowledged them, so a reader that sees a generation sees the vectors written before it.

MongoDB writes each document on its own: two writes of one connector outside a transaction could
interleave document by document (one upsert's vector kept, the other's delete of the next id
applied). A store's threads therefore write a connector's vectors one write at a time
(``_WRITERS``); writers in other processes are not ordered so (docs/storage-protocols.md).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

from bson.errors import BSONError
from pymongo import ASCENDING
from pymongo.errors import BulkWriteError, PyMongoError

from integration_store.records import Record

from .binding import VECTOR_SETS, VECTORS, Binding, only_duplicate_keys
from .documents import VECTOR, Document, vector_key

LOAD_ORDER = [("connector_id", ASCENDING), ("vector_id", ASCENDING)]
"""The order of the unique (connector_id, vector_id) index: one connector's vectors by id."""

UPSERT_ATTEMPTS = 3
"""How often a batch is sent when racing upserts of one new id lose on its unique key (each
replacement is idempotent, so sending the whole batch again is safe)."""


class _WriterLock:
    """A lock that the registry below may forget once no write holds it."""

    __slots__ = ("__weakref__", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()


class _WriterLocks:
    """One lock per (collection, connector), made on first use and dropped when unused."""

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[tuple[str, str], _WriterLock] = (
            weakref.WeakValueDictionary()
        )
        self._guard = threading.Lock()

    @contextmanager
    def held(self, collection: str, connector_id: str) -> Iterator[None]:
        with self._guard:
            writer = self._locks.get((collection, connector_id))
            if writer is None:
                writer = self._locks[collection, connector_id] = _WriterLock()
        with writer.lock:
            yield


_WRITERS = _WriterLocks()


class MongoVectorStorage:
    """``VectorStorage`` on two collections."""

    def __init__(self, binding: Binding) -> None:
        self._binding = binding
        self._vectors = binding.collection(VECTORS)

    def upsert(self, connector_id: str, records: Sequence[Record]) -> int:
        """One ordered ``bulk_write`` of replacements (upserts by ``_id``), then the
        generation's ``$inc``.

        All or nothing: inside a transaction a failure aborts the server transaction. Outside
        one, the stored versions of the ids are read first, and if the batch or the generation
        fails part-way each id is put back as it was (replaced by its old version, or deleted)
        before the error is raised — the same promise as ``Binding.insert_many``, at the cost
        of one indexed read per batch. (Until then a concurrent reader may see the new ones.)
        """
        documents = [
            {"_id": vector_key(connector_id, record["vector_id"]), **VECTOR.to_document(record)}
            for record in records
        ]
        with self._binding.call(write=True):
            if self._binding.in_transaction:
                self._write(documents)
                return self._bump(connector_id)
            with self._one_writer(connector_id):
                return self._upsert_alone(connector_id, documents)

    def _upsert_alone(self, connector_id: str, documents: list[Document]) -> int:
        before = self._stored(connector_id, [d["vector_id"] for d in documents])
        try:
            self._write(documents)
            return self._bump(connector_id)
        except Exception:
            with suppress(PyMongoError, BSONError):
                self._restore(documents, before)
            raise

    @contextmanager
    def _one_writer(self, connector_id: str) -> Iterator[None]:
        """This store's writes of the connector one at a time (none inside a transaction,
        where the server orders them)."""
        if self._binding.in_transaction:
            yield
            return
        with _WRITERS.held(self._vectors.full_name, connector_id):
            yield

    def delete(self, connector_id: str, vector_ids: Sequence[str]) -> int:
        with self._binding.call(write=True), self._one_writer(connector_id):
            result = self._vectors.delete_many(
                {"connector_id": connector_id, "vector_id": {"$in": list(vector_ids)}},
                session=self._binding.session,
            )
            self._bump(connector_id)
        return result.deleted_count

    def delete_all(self, connector_id: str) -> int:
        with self._binding.call(write=True), self._one_writer(connector_id):
            result = self._vectors.delete_many(
                {"connector_id": connector_id}, session=self._binding.session
            )
            # Kept and moved on, so a client holding the old vectors sees the change.
            self._binding.collection(VECTOR_SETS).update_one(
                {"_id": connector_id}, {"$inc": {"generation": 1}}, session=self._binding.session
            )
        return result.deleted_count

    def generation(self, connector_id: str) -> int:
        with self._binding.call():
            document = self._binding.collection(VECTOR_SETS).find_one(
                {"_id": connector_id}, session=self._binding.session
            )
        return 0 if document is None else int(document["generation"])

    def load(self, connector_id: str, after: str | None, limit: int) -> list[Record]:
        criteria: Document = {"connector_id": connector_id}
        if after is not None:
            criteria["vector_id"] = {"$gt": after}
        with self._binding.call():
            documents = list(
                self._vectors.find(criteria, {"_id": False}, session=self._binding.session)
                .sort(LOAD_ORDER)
                .limit(limit)
            )
        return [VECTOR.from_document(document) for document in documents]

    def _write(self, documents: list[Document]) -> None:
        """Replace (or insert) every document, in order; a batch that lost a race on a new
        id's unique key is sent again (outside a transaction, which that error aborts)."""
        attempts = 1 if self._binding.in_transaction else UPSERT_ATTEMPTS
        for attempt in range(attempts):
            try:
                self._binding.replace_all(VECTORS, documents)
                return
            except BulkWriteError as error:
                if attempt + 1 == attempts or not only_duplicate_keys(error):
                    raise

    def _restore(self, documents: list[Document], before: dict[str, Document]) -> None:
        """Put each document's id back as it was before a failed write: its old version, or
        none."""
        new = [d["_id"] for d in documents if d["vector_id"] not in before]
        if new:
            self._vectors.delete_many({"_id": {"$in": new}}, session=self._binding.session)
        if before:
            self._binding.replace_all(VECTORS, list(before.values()))

    def _stored(self, connector_id: str, vector_ids: list[str]) -> dict[str, Document]:
        """The stored documents of those ids, by vector_id."""
        found = self._vectors.find(
            {"connector_id": connector_id, "vector_id": {"$in": vector_ids}},
            session=self._binding.session,
        )
        return {document["vector_id"]: document for document in found}

    def _bump(self, connector_id: str) -> int:
        """Add 1 to the connector's generation (made at 1 when missing); the new one."""
        document = self._binding.upsert(VECTOR_SETS, connector_id, {"$inc": {"generation": 1}})
        return int(document["generation"])


"""MongoDB invocation storage: ``_id`` = the request UUID (BSON binary subtype 4); a status
change is one ``findAndModify`` whose filter holds the expected status, so it is tested and
written atomically."""

from __future__ import annotations

from uuid import UUID

from pymongo import ReturnDocument

from integration_store.protocols import Changes
from integration_store.records import Record

from .binding import INVOCATIONS, Binding
from .documents import INVOCATION, Document, plain


class MongoInvocationStorage:
    """``InvocationStorage`` on one collection."""

    def __init__(self, binding: Binding) -> None:
        self._binding = binding
        self._collection = binding.collection(INVOCATIONS)

    def insert(self, record: Record) -> None:
        self._binding.insert(INVOCATION, record)

    def get(self, request_id: UUID) -> Record | None:
        return self._one({"_id": plain(request_id)})

    def update(
        self, request_id: UUID, changes: Changes, expected_status: str | None = None
    ) -> Record | None:
        criteria: Document = {"_id": plain(request_id)}
        if expected_status is not None:
            criteria["status"] = expected_status
        if not changes:  # an empty $set is refused by the server: the document as it is
            return self._one(criteria)
        with self._binding.call(write=True):
            document = self._collection.find_one_and_update(
                criteria,
                {"$set": INVOCATION.to_values(changes)},
                return_document=ReturnDocument.AFTER,
                session=self._binding.session,
            )
        return None if document is None else INVOCATION.from_document(document)

    def _one(self, criteria: Document) -> Record | None:
        with self._binding.call():
            document = self._collection.find_one(criteria, session=self._binding.session)
        return None if document is None else INVOCATION.from_document(document)

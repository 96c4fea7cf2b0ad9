"""MongoDB external response storage: ``_id`` = the response UUID (BSON binary subtype 4).

The pending queue is one indexed query on (interpretation_owner, interpreted_at, received_at,
_id); subtype-4 ids sort by their big-endian bytes, which is ``UUID.int`` order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, ReturnDocument

from integration_store.protocols import ResponseCondition
from integration_store.records import Record

from .binding import EXTERNAL_RESPONSES, Binding
from .documents import RESPONSE, Document, plain, strictly_after

PENDING_ORDER = [("received_at", ASCENDING), ("_id", ASCENDING)]


class MongoExternalResponseStorage:
    """``ExternalResponseStorage`` on one collection."""

    def __init__(self, binding: Binding) -> None:
        self._binding = binding
        self._collection = binding.collection(EXTERNAL_RESPONSES)

    def insert(self, record: Record) -> None:
        self._binding.insert(RESPONSE, record)

    def insert_many(self, records: Sequence[Record]) -> None:
        self._binding.insert_many(RESPONSE, records)

    def get(self, response_id: UUID) -> Record | None:
        with self._binding.call():
            document = self._collection.find_one(
                {"_id": plain(response_id)}, session=self._binding.session
            )
        return None if document is None else RESPONSE.from_document(document)

    def update(
        self,
        response_id: UUID,
        changes: Mapping[str, Any],
        condition: ResponseCondition | None = None,
    ) -> Record | None:
        criteria: Document = {"_id": plain(response_id)}
        if condition is not None:
            criteria.update(_meeting(condition))
        if not changes:
            with self._binding.call():
                document = self._collection.find_one(criteria, session=self._binding.session)
            return None if document is None else RESPONSE.from_document(document)
        with self._binding.call(write=True):
            document = self._collection.find_one_and_update(
                criteria,
                {"$set": RESPONSE.to_values(changes)},
                return_document=ReturnDocument.AFTER,
                session=self._binding.session,
            )
        return None if document is None else RESPONSE.from_document(document)

    def find_pending(
        self,
        interpretation_owner: str,
        limit: int,
        after: tuple[datetime, UUID] | None = None,
    ) -> list[Record]:
        criteria: Document = {"interpretation_owner": interpretation_owner, "interpreted_at": None}
        if after is not None:
            criteria.update(strictly_after("received_at", "_id", after))
        with self._binding.call():
            cursor = (
                self._collection.find(criteria, session=self._binding.session)
                .sort(PENDING_ORDER)
                .limit(limit)
            )
            documents = list(cursor)
        return [RESPONSE.from_document(document) for document in documents]

    def claim(
        self,
        interpretation_owner: str,
        claimant: str,
        now: datetime,
        lease_expires_at: datetime,
        limit: int,
    ) -> list[Record]:
        """One ``find_one_and_update`` per response, oldest first: the server tests the filter
        and sets the lease as one atomic step on each document, so a document a concurrent
        claimant leased first no longer matches and the next one is taken."""
        criteria: Document = {
            "interpretation_owner": interpretation_owner,
            "interpreted_at": None,
            "$or": [{"lease_expires_at": None}, {"lease_expires_at": {"$lte": plain(now)}}],
        }
        lease = {
            "$set": RESPONSE.to_values(
                {"claimed_by": claimant, "lease_expires_at": lease_expires_at}
            )
        }
        taken: list[Record] = []
        with self._binding.call(write=True):
            while len(taken) < limit:
                document = self._collection.find_one_and_update(
                    criteria,
                    lease,
                    sort=PENDING_ORDER,
                    return_document=ReturnDocument.AFTER,
                    session=self._binding.session,
                )
                if document is None:
                    break
                taken.append(RESPONSE.from_document(document))
        return taken


def _meeting(condition: ResponseCondition) -> Document:
    """The filter a document meets when it meets ``condition`` (``None`` matches a missing
    field too, so documents stored before leases existed count as unleased)."""
    criteria: Document = {}
    if condition.uninterpreted:
        criteria["interpreted_at"] = None
    if condition.lease_holder is not None:
        criteria["claimed_by"] = condition.lease_holder
        criteria["lease_expires_at"] = {"$gt": plain(condition.live_at)}
    return criteria

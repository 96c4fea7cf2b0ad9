"""MongoDB connector storage: ``_id`` = connector_id, unique index on (tenant_id, name)."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import ASCENDING, ReturnDocument

from integration_store.protocols import Changes, ConnectorGroupCount, ConnectorQuery, Increments
from integration_store.records import Record

from .binding import CONNECTORS, Binding
from .documents import CONNECTOR, Document, exact_int, strictly_after

ORDER = [("name", ASCENDING), ("_id", ASCENDING)]
TENANT_ORDER = [("name", ASCENDING)]
"""Within one tenant names are unique: the same order, served by the (tenant_id, name) index
without a blocking sort on ``_id``."""


class MongoConnectorStorage:
    """``ConnectorStorage`` on one collection; every call is one server operation."""

    def __init__(self, binding: Binding) -> None:
        self._binding = binding
        self._collection = binding.collection(CONNECTORS)

    def insert(self, record: Record) -> None:
        self._binding.insert(CONNECTOR, record)

    def insert_many(self, records: Sequence[Record]) -> None:
        self._binding.insert_many(CONNECTOR, records)

    def _one(self, query: Document) -> Record | None:
        with self._binding.call():
            document = self._collection.find_one(query, session=self._binding.session)
        return None if document is None else CONNECTOR.from_document(document)

    def get(self, connector_id: str) -> Record | None:
        return self._one({"_id": connector_id})

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        return self._one({"tenant_id": tenant_id, "name": name})

    def find(self, query: ConnectorQuery) -> list[Record]:
        criteria: Document = {}
        if query.tenant_id is not None:
            criteria["tenant_id"] = query.tenant_id
        if query.connector_type is not None:
            criteria["connector_type"] = query.connector_type
        if query.status is not None:
            criteria["status"] = query.status
        if query.after is not None:
            criteria.update(strictly_after("name", "_id", query.after))
        with self._binding.call():
            cursor = (
                self._collection.find(criteria, session=self._binding.session)
                .sort(ORDER if query.tenant_id is None else TENANT_ORDER)
                .skip(query.offset)
                .limit(query.limit)
            )
            documents = list(cursor)
        return [CONNECTOR.from_document(document) for document in documents]

    def update(
        self,
        connector_id: str,
        tenant_id: str | None,
        changes: Changes,
        increments: Increments,
        expected_revision: int | None = None,
    ) -> Record | None:
        criteria: Document = {"_id": connector_id}
        if tenant_id is not None:
            criteria["tenant_id"] = tenant_id
        if expected_revision is not None:
            # In the filter of the one findAndModify: tested and written atomically.
            criteria["revision"] = expected_revision
        operations: Document = {}
        if changes:
            operations["$set"] = CONNECTOR.to_values(changes)
        if increments:
            operations["$inc"] = dict(increments)
        if not operations:
            return self._one(criteria)
        with self._binding.call(write=True):
            document = self._collection.find_one_and_update(
                criteria,
                operations,
                return_document=ReturnDocument.AFTER,
                session=self._binding.session,
            )
        return None if document is None else CONNECTOR.from_document(document)

    def delete(self, connector_id: str, tenant_id: str | None) -> bool:
        criteria: Document = {"_id": connector_id}
        if tenant_id is not None:
            criteria["tenant_id"] = tenant_id
        with self._binding.call(write=True):
            result = self._collection.delete_one(criteria, session=self._binding.session)
        return result.deleted_count == 1

    def delete_tenant(self, tenant_id: str) -> int:
        with self._binding.call(write=True):
            result = self._collection.delete_many(
                {"tenant_id": tenant_id}, session=self._binding.session
            )
        return result.deleted_count

    def count_groups(self, tenant_id: str | None) -> list[ConnectorGroupCount]:
        # Counters are summed as Decimal128: exact past int64, where MongoDB's $sum would turn
        # into a double and SecantusDB's fails with an internal overflow error.
        pipeline: list[Document] = []
        if tenant_id is not None:
            pipeline.append({"$match": {"tenant_id": tenant_id}})
        pipeline += [
            {
                "$group": {
                    "_id": {"connector_type": "$connector_type", "status": "$status"},
                    "connectors": {"$sum": 1},
                    "connections": {"$sum": {"$toDecimal": "$connection_count"}},
                    "errors": {"$sum": {"$toDecimal": "$error_count"}},
                }
            },
            {"$sort": {"_id.connector_type": ASCENDING, "_id.status": ASCENDING}},
        ]
        with self._binding.call():
            groups = list(self._collection.aggregate(pipeline, session=self._binding.session))
        return [
            ConnectorGroupCount(
                connector_type=group["_id"]["connector_type"],
                status=group["_id"]["status"],
                connectors=exact_int(group["connectors"]),
                connections=exact_int(group["connections"]),
                errors=exact_int(group["errors"]),
            )
            for group in groups
        ]

"""Raw pymongo baseline on the store's MongoDB database (mongomock's client for ``mongomock://``).

What it does: per call, the same server command our backend sends, on the same collection and
indexes (``create_schema()`` made them) —

- ``get`` / ``get_by_name``: ``find_one({"_id": …})`` / ``find_one({"tenant_id", "name"})``;
- list pages: ``find({"tenant_id"}).sort(name).limit(100)`` (a name is unique in its tenant,
  so the ``(tenant_id, name)`` index gives the order); keyset pages add
  ``name: {$gte}, $or: [{name: {$gt}}, {name, _id: {$gt}}]`` (the ``$gte`` starts the index
  range at the cursor);
- ``record_connection``: ``find_one_and_update`` with ``$set`` + ``$inc``, the document after;
- creates: ``insert_one``; bulk: one ``insert_many``;
- pending pages: ``find({owner, interpreted_at: None}).sort(received_at, _id).limit(100)``,
  keyset pages with ``received_at: {$gte}`` and the ``$or`` as above;
- ``interpret``: ``find_one_and_update`` with ``$set``, the document after.

Documents as our backend stores them (``backends/mongo/documents.py``): ``_id`` is the
connector id / the response UUID as BSON binary subtype 4; JSON fields are compact JSON text
(None too: the text ``null``); datetimes native. Read back with the client set to ``tz_aware``
UTC; documents become dicts with JSON parsed, ``_id`` under its field name, UUIDs as
``uuid.UUID``.

``mongomock://`` databases live inside one client: the baseline opens its own
``mongomock.MongoClient`` on the store client's server state (``_store``), the only way two
clients see one in-process database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from json import loads
from typing import Any, Final
from urllib.parse import unquote, urlsplit
from uuid import UUID

from bson.binary import Binary, UuidRepresentation
from pymongo import ASCENDING, MongoClient, ReturnDocument

from integration_store.records import Record
from integration_store.store import Store

from .baseline import (
    ConnectorKey,
    PendingKey,
    batches,
    dumps,
    new_connector_row,
    new_response_row,
    now_ms,
)
from .dataset import NewConnector, NewResponse

_CONNECTOR_ORDER: Final = [("name", ASCENDING)]
_PENDING_ORDER: Final = [("received_at", ASCENDING), ("_id", ASCENDING)]
_AFTER: Final = ReturnDocument.AFTER
_STANDARD: Final = UuidRepresentation.STANDARD


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _uuid(value: UUID | Binary) -> UUID:
    # pymongo with uuidRepresentation="standard" decodes subtype 4 itself; mongomock does not.
    return value if isinstance(value, UUID) else value.as_uuid(_STANDARD)


def _connector_document(row: Record) -> dict[str, Any]:
    return {
        "_id": row["connector_id"], "tenant_id": row["tenant_id"], "name": row["name"],
        "kind": row["kind"], "connector_type": row["connector_type"], "status": row["status"],
        "config": dumps(row["config"]), "capabilities": dumps(row["capabilities"]),
        "last_connected": row["last_connected"], "last_error": row["last_error"],
        "connection_count": row["connection_count"], "error_count": row["error_count"],
        "metadata": dumps(row["metadata"]), "extra": dumps(row["extra"]),
        "created_at": row["created_at"], "updated_at": row["updated_at"],
        "revision": row["revision"],
    }  # fmt: skip


def _connector(document: dict[str, Any]) -> Record:
    get = document.get
    return {
        "connector_id": document["_id"], "tenant_id": document["tenant_id"],
        "name": document["name"], "kind": document["kind"],
        "connector_type": document["connector_type"], "status": document["status"],
        "config": loads(document["config"]), "capabilities": loads(document["capabilities"]),
        "last_connected": _utc(get("last_connected")), "last_error": get("last_error"),
        "connection_count": int(document["connection_count"]),
        "error_count": int(document["error_count"]), "metadata": loads(document["metadata"]),
        "extra": loads(document["extra"]), "created_at": _utc(document["created_at"]),
        "updated_at": _utc(document["updated_at"]), "revision": int(document["revision"]),
    }  # fmt: skip


def _response_document(row: Record) -> dict[str, Any]:
    return {
        "_id": Binary.from_uuid(row["id"], _STANDARD), "source": row["source"],
        "raw_response": dumps(row["raw_response"]),
        "interpretation_owner": row["interpretation_owner"],
        "interpretation_contract": row["interpretation_contract"],
        "request_id": row["request_id"], "run_id": row["run_id"],
        "received_at": row["received_at"],
        "interpreted_value": dumps(row["interpreted_value"]),  # None too: "null", as ours
        "interpreted_at": row["interpreted_at"], "interpreted_by": row["interpreted_by"],
        "claimed_by": row["claimed_by"], "lease_expires_at": row["lease_expires_at"],
    }  # fmt: skip


def _response(document: dict[str, Any]) -> Record:
    get = document.get
    return {
        "id": _uuid(document["_id"]), "source": document["source"],
        "raw_response": loads(document["raw_response"]),
        "interpretation_owner": document["interpretation_owner"],
        "interpretation_contract": get("interpretation_contract"),
        "request_id": get("request_id"), "run_id": get("run_id"),
        "received_at": _utc(document["received_at"]),
        "interpreted_value": loads(document["interpreted_value"]),
        "interpreted_at": _utc(get("interpreted_at")), "interpreted_by": get("interpreted_by"),
        "claimed_by": get("claimed_by"), "lease_expires_at": _utc(get("lease_expires_at")),
    }  # fmt: skip


def database_name(url: str) -> str:
    """The database a store URL names (its path; ``integration_store`` when it has none)."""
    return unquote(urlsplit(url).path).lstrip("/") or "integration_store"


class RawMongo:
    """pymongo (or mongomock) collections, one server command per call."""

    label = "raw"

    def __init__(self, client: MongoClient[dict[str, Any]], database: str) -> None:
        self._client = client
        db = client[database]
        self._connectors = db["connectors"]
        self._responses = db["external_responses"]

    @classmethod
    def for_server(cls, url: str, database: str) -> RawMongo:
        """A client of its own on the server."""
        client: MongoClient[dict[str, Any]] = MongoClient(
            url, tz_aware=True, tzinfo=UTC, uuidRepresentation="standard"
        )
        return cls(client, database)

    @classmethod
    def for_mongomock(cls, store: Store, database: str) -> RawMongo:
        """A mongomock client sharing the store's in-process server state."""
        import mongomock

        shared = store.backend._client._store  # type: ignore[attr-defined]
        client: MongoClient[dict[str, Any]] = mongomock.MongoClient(tz_aware=True, _store=shared)
        return cls(client, database)

    def create_connector(self, new: NewConnector) -> Record:
        row = new_connector_row(new, now_ms())
        self._connectors.insert_one(_connector_document(row))
        return row

    def create_connectors(self, new: Sequence[NewConnector]) -> list[Record]:
        now = now_ms()
        rows = [new_connector_row(item, now) for item in new]
        self._connectors.insert_many([_connector_document(row) for row in rows])
        return rows

    def get(self, connector_id: str) -> Record | None:
        document = self._connectors.find_one({"_id": connector_id})
        return None if document is None else _connector(document)

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        document = self._connectors.find_one({"tenant_id": tenant_id, "name": name})
        return None if document is None else _connector(document)

    def list_page(self, tenant_id: str, limit: int) -> list[Record]:
        cursor = self._connectors.find({"tenant_id": tenant_id}).sort(_CONNECTOR_ORDER)
        return [_connector(document) for document in cursor.limit(limit)]

    def keyset_page(self, tenant_id: str, after: ConnectorKey | None, limit: int) -> list[Record]:
        if after is None:
            return self.list_page(tenant_id, limit)
        name, connector_id = after
        query = {
            "tenant_id": tenant_id,
            "name": {"$gte": name},
            "$or": [{"name": {"$gt": name}}, {"name": name, "_id": {"$gt": connector_id}}],
        }
        cursor = self._connectors.find(query).sort(_CONNECTOR_ORDER).limit(limit)
        return [_connector(document) for document in cursor]

    def record_connection(self, connector_id: str) -> Record | None:
        now = now_ms()
        document = self._connectors.find_one_and_update(
            {"_id": connector_id},
            {
                "$set": {"status": "connected", "last_connected": now, "updated_at": now},
                "$inc": {"connection_count": 1, "revision": 1},
            },
            return_document=_AFTER,
        )
        return None if document is None else _connector(document)

    def record_raw_response(self, new: NewResponse) -> Record:
        row = new_response_row(new)
        self._responses.insert_one(_response_document(row))
        return row

    def record_raw_responses(self, new: Sequence[NewResponse]) -> list[Record]:
        rows = [new_response_row(item) for item in new]
        self._responses.insert_many([_response_document(row) for row in rows])
        return rows

    def pending_page(self, owner: str, limit: int) -> list[Record]:
        cursor = self._responses.find({"interpretation_owner": owner, "interpreted_at": None})
        return [_response(document) for document in cursor.sort(_PENDING_ORDER).limit(limit)]

    def pending_keyset_page(self, owner: str, after: PendingKey | None, limit: int) -> list[Record]:
        if after is None:
            return self.pending_page(owner, limit)
        received, response_id = after
        key = Binary.from_uuid(response_id, _STANDARD)
        query = {
            "interpretation_owner": owner,
            "interpreted_at": None,
            "received_at": {"$gte": received},
            "$or": [
                {"received_at": {"$gt": received}},
                {"received_at": received, "_id": {"$gt": key}},
            ],
        }
        cursor = self._responses.find(query).sort(_PENDING_ORDER).limit(limit)
        return [_response(document) for document in cursor]

    def interpret(self, response_id: UUID, value: dict[str, Any], by: str) -> Record | None:
        document = self._responses.find_one_and_update(
            {"_id": Binary.from_uuid(response_id, _STANDARD)},
            {"$set": {"interpreted_value": dumps(value), "interpreted_at": now_ms(),
                      "interpreted_by": by, "claimed_by": None, "lease_expires_at": None}},
            return_document=_AFTER,
        )  # fmt: skip
        return None if document is None else _response(document)

    def as_record(self, result: Any) -> Record:
        return dict(result)

    def seed(self, connectors: Iterable[Record], responses: Iterable[Record]) -> None:
        for batch in batches(connectors, 5000):
            self._connectors.insert_many([_connector_document(row) for row in batch])
        for batch in batches(responses, 5000):
            self._responses.insert_many([_response_document(row) for row in batch])

    def close(self) -> None:
        self._client.close()



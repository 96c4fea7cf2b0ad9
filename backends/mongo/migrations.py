"""The document store's schema: collections, indexes and a recorded layout version.

A document store has no DDL, but it still needs a place that says which layout a database
holds. ``upgrade`` ensures the collections and indexes, then applies every step newer than the
version recorded in the ``schema_version`` collection and records the newest. Adding a stored
field is one declaration in ``integration_store.model.schema`` plus one step here::

    Step(4, "connectors.rating", backfill(CONNECTOR, "rating"))

(old documents read the field's default anyway; the backfill lets queries filter on it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import attrs
from pymongo import ASCENDING, IndexModel
from pymongo.database import Database
from pymongo.errors import CollectionInvalid, OperationFailure

from .documents import (
    CONNECTOR,
    RESPONSE,
    SHAPES,
    VECTOR,
    WORKER,
    WORKER_CONFIG,
    Document,
    Shape,
)

VERSION_COLLECTION: Final = "schema_version"
VERSION_ID: Final = "integration_store"

NAMESPACE_EXISTS: Final = 48

INDEXES: Final[dict[str, list[IndexModel]]] = {
    CONNECTOR.collection: [
        IndexModel([("tenant_id", ASCENDING), ("name", ASCENDING)], unique=True,
                   name="tenant_id_name_unique"),
        IndexModel([("name", ASCENDING), ("_id", ASCENDING)], name="name_id"),
    ],
    RESPONSE.collection: [
        IndexModel(
            [("interpretation_owner", ASCENDING), ("interpreted_at", ASCENDING),
             ("received_at", ASCENDING), ("_id", ASCENDING)],
            name="pending_queue",
        ),
    ],
    WORKER.collection: [
        IndexModel([("status", ASCENDING), ("is_public", ASCENDING), ("name", ASCENDING)],
                   name="status_is_public_name"),
    ],
    WORKER_CONFIG.collection: [
        IndexModel([("tenant_id", ASCENDING), ("worker_id", ASCENDING)], unique=True,
                   name="tenant_id_worker_id_unique"),
    ],
    # Serves loading one connector's vectors in vector_id pages, and deleting them by id.
    VECTOR.collection: [
        IndexModel([("connector_id", ASCENDING), ("vector_id", ASCENDING)], unique=True,
                   name="connector_id_vector_id_unique"),
    ],
}  # fmt: skip
"""Indexes beside ``_id``, by collection; a collection missing here needs none (vector sets and
invocations are only ever read by ``_id``)."""


@attrs.frozen
class Step:
    """One change of the stored layout; ``apply`` must be safe to run twice (two processes
    may upgrade at once)."""

    version: int
    description: str
    apply: Callable[[Database[Document]], None]


def backfill(shape: Shape, field: str) -> Callable[[Database[Document]], None]:
    """A step that stores a newly declared field's default in every document lacking it."""
    default = shape.value(field, shape.schema.field(field).default_value())

    def apply(database: Database[Document]) -> None:
        database[shape.collection].update_many(
            {field: {"$exists": False}}, {"$set": {field: default}}
        )

    return apply


def _initial_layout(database: Database[Document]) -> None:
    """Version 1: the four collections (their indexes are ensured on every upgrade)."""


def _response_leases(database: Database[Document]) -> None:
    """Version 2: the lease fields of external responses, None (unleased) where missing."""
    backfill(RESPONSE, "claimed_by")(database)
    backfill(RESPONSE, "lease_expires_at")(database)


def _revisions(database: Database[Document]) -> None:
    """Version 3: the revision of connectors, workers and worker configs, 1 where missing (a
    stored object has had at least its creation; ``expected_revision`` filters on the field,
    and ``$inc`` on a missing one would start from 0)."""
    for shape in (CONNECTOR, WORKER, WORKER_CONFIG):
        backfill(shape, "revision")(database)


def _vectors_and_invocations(database: Database[Document]) -> None:
    """Version 4: the vectors, vector_sets and invocations collections (made, with their
    indexes, by ``upgrade`` before any step runs); no stored document changes."""


STEPS: Final[tuple[Step, ...]] = (
    Step(1, "initial layout", _initial_layout),
    Step(2, "external_responses.claimed_by, lease_expires_at", _response_leases),
    Step(3, "connectors, workers, worker_configs.revision", _revisions),
    Step(4, "vectors, vector_sets, invocations", _vectors_and_invocations),
)
"""Every layout change, oldest first; versions count up from 1 without gaps."""

HEAD: Final = STEPS[-1].version


def stored_version(database: Database[Document]) -> int:
    """The layout version recorded in the database (0 for a new one)."""
    found = database[VERSION_COLLECTION].find_one({"_id": VERSION_ID})
    return 0 if found is None else int(found["version"])


def upgrade(database: Database[Document]) -> None:
    """Ensure collections and indexes, apply the steps the database lacks, record the head."""
    existing = set(database.list_collection_names())
    for shape in SHAPES:
        if shape.collection not in existing:
            _create_collection(database, shape.collection)
        indexes = INDEXES.get(shape.collection)
        if indexes:
            database[shape.collection].create_indexes(indexes)
    current = stored_version(database)
    for step in STEPS:
        if step.version > current:
            step.apply(database)
            database[VERSION_COLLECTION].update_one(
                {"_id": VERSION_ID}, {"$max": {"version": step.version}}, upsert=True
            )


def _create_collection(database: Database[Document], name: str) -> None:
    try:
        database.create_collection(name)
    except CollectionInvalid:
        pass  # created meanwhile by another process
    except OperationFailure as error:
        if error.code != NAMESPACE_EXISTS:
            raise

"""Qdrant as a vector provider (``options["provider"] = "qdrant"``), on ``qdrant-client``.

Where: ``config.endpoint`` names a server URL (``config.credentials["api_key"]`` its key, never
shown in a message); no endpoint or ``":memory:"`` runs Qdrant embedded in this process, in
memory (what the tests use; the vectors live as long as the connection), and
``options["path"]`` embedded on disk.

What: one collection per connector (``options["collection"]``, else a name derived from the
connector id) with the connector's dimension and metric. Qdrant ids are UUIDs, so a vector's id
is mapped to ``uuid5(VECTOR_ID_NAMESPACE, id)`` and kept, with its metadata, in the payload.
Searches are exact (``SearchParams(exact=True)``) and re-sorted by (score, id), so they rank like
the builtin provider.

Filters: each metadata entry is also kept as canonical text in the payload list
``metadata_pairs`` (``vector_checks.metadata_pair``), and a filter matches those texts. A
Qdrant match on a metadata field itself would be looser than the builtin equality (it matches
an element of a list, and cannot match floats, objects or null), so this way every JSON value
filters exactly as on the builtin provider.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from qdrant_client import QdrantClient, models

from integration_store import values
from integration_store.errors import ValidationError
from integration_store.live.vector_checks import (
    CheckedVector,
    Metric,
    VectorSettings,
    metadata_pair,
)
from integration_store.model.connectors import VectorConnector

VECTOR_ID_NAMESPACE: Final = uuid.UUID("5c0f7c3e-7a0e-5b8e-9a57-1d1e0a9c6f10")
"""The uuid5 namespace mapping a vector id to its Qdrant point id."""

COLLECTION_PREFIX: Final = "integration-store-"

PAIRS: Final = "metadata_pairs"
"""The payload field holding each metadata entry as canonical text, for exact filters."""

TIE_ROOM: Final = 16
"""Results fetched beyond ``top_k``, so ties at the cut are ordered by id as the builtin
provider orders them (fetched again with more room while the last one still ties)."""

_DISTANCES: Final = {
    Metric.COSINE: models.Distance.COSINE,
    Metric.DOT: models.Distance.DOT,
    Metric.EUCLIDEAN: models.Distance.EUCLID,
}

IN_MEMORY: Final = ":memory:"


def point_id(vector_id: str) -> str:
    """The Qdrant point id of a vector id."""
    return str(uuid.uuid5(VECTOR_ID_NAMESPACE, vector_id))


def collection_name(connector: VectorConnector) -> str:
    """``options["collection"]``, else ``integration-store-`` and a uuid5 of the connector id
    (a connector id may hold characters a collection name may not)."""
    given = connector.config.options.get("collection")
    if given is not None:
        return values.identifier(given, "options.collection")
    return COLLECTION_PREFIX + str(uuid.uuid5(VECTOR_ID_NAMESPACE, connector.connector_id))


def qdrant_client_for(connector: VectorConnector) -> QdrantClient:
    """A client for the server, embedded store or in-memory store the connector names."""
    config = connector.config
    path = config.options.get("path")
    timeout = int(config.timeout_seconds)
    if path is not None:
        return QdrantClient(
            path=values.text(path, "options.path"), force_disable_check_same_thread=True
        )
    if config.endpoint in (None, "", IN_MEMORY):
        return QdrantClient(location=IN_MEMORY)
    api_key = config.credentials.get("api_key")
    if api_key is not None and not isinstance(api_key, str):
        raise ValidationError("credentials.api_key", "must be text")
    return QdrantClient(
        url=config.endpoint, api_key=api_key, timeout=timeout, check_compatibility=False
    )


class QdrantVectors:
    """A connector's vectors in its Qdrant collection, created on first connect."""

    def __init__(self, connector: VectorConnector, settings: VectorSettings) -> None:
        self._settings = settings
        self._collection = collection_name(connector)
        self._client = qdrant_client_for(connector)
        remote = connector.config.endpoint not in (None, "", IN_MEMORY)
        # Embedded Qdrant is plain Python objects: one call at a time; it always searches
        # exactly (and warns when asked to).
        self._lock: threading.Lock | None = None if remote else threading.Lock()
        self._exact = models.SearchParams(exact=True) if remote else None
        try:
            self._locked(self._prepare_collection)
        except BaseException:
            self._client.close()
            raise

    def _locked(self, call: Any, *args: Any, **kwargs: Any) -> Any:
        if self._lock is None:
            return call(*args, **kwargs)
        with self._lock:
            return call(*args, **kwargs)

    def _prepare_collection(self) -> None:
        distance = _DISTANCES[self._settings.metric]
        size = self._settings.dimension
        if not self._client.collection_exists(self._collection):
            self._client.create_collection(
                self._collection, vectors_config=models.VectorParams(size=size, distance=distance)
            )
            return
        params = self._client.get_collection(self._collection).config.params.vectors
        if not isinstance(params, models.VectorParams):
            raise ValueError(f"collection {self._collection!r} has named vectors")
        if (params.size, params.distance) != (size, distance):
            raise ValueError(
                f"collection {self._collection!r} holds {params.size}-dimensional vectors by "
                f"{params.distance}, the connector {size} by {distance}"
            )

    def probe(self) -> None:
        if not self._locked(self._client.collection_exists, self._collection):
            raise LookupError(f"collection {self._collection!r} no longer exists")

    def close(self) -> None:
        self._locked(self._client.close)

    def upsert(self, vectors: list[CheckedVector]) -> None:
        points = [
            models.PointStruct(
                id=point_id(vector.vector_id),
                vector=vector.values.tolist(),
                payload={
                    "vector_id": vector.vector_id,
                    "metadata": vector.metadata,
                    PAIRS: [metadata_pair(key, item) for key, item in vector.metadata.items()],
                },
            )
            for vector in vectors
        ]
        self._locked(self._client.upsert, self._collection, points=points, wait=True)

    def delete(self, vector_ids: list[str]) -> int:
        """Counts the stored ones first (Qdrant's delete does not say): two calls, so a
        concurrent writer may make the count stale."""
        ids: list[models.ExtendedPointId] = [point_id(vector_id) for vector_id in vector_ids]
        found = self._locked(self._client.retrieve, self._collection, ids=ids, with_payload=False)
        if found:
            self._locked(
                self._client.delete,
                self._collection,
                points_selector=models.PointIdsList(points=[point.id for point in found]),
                wait=True,
            )
        return len(found)

    def search(
        self, query: npt.NDArray[np.float32], top_k: int, filters: dict[str, Any]
    ) -> list[dict[str, Any]]:
        query_filter = (
            models.Filter(
                must=[
                    models.FieldCondition(
                        key=PAIRS, match=models.MatchValue(value=metadata_pair(key, value))
                    )
                    for key, value in filters.items()
                ]
            )
            if filters
            else None
        )
        vector = query.tolist()
        limit = top_k + TIE_ROOM
        while True:
            points = self._locked(
                self._client.query_points,
                self._collection,
                query=vector,
                query_filter=query_filter,
                search_params=self._exact,
                limit=limit,
                with_payload=["vector_id", "metadata"],
            ).points
            if len(points) < limit or points[-1].score != points[top_k - 1].score:
                break
            limit *= 4  # the last one ties with the cut: more tied ones may follow
        return self._ranked(points, top_k)

    def _ranked(self, points: list[models.ScoredPoint], top_k: int) -> list[dict[str, Any]]:
        sign = -1.0 if self._settings.metric.higher_first else 1.0
        hits = [
            {
                "id": (point.payload or {})["vector_id"],
                "score": float(point.score),
                "metadata": (point.payload or {}).get("metadata", {}),
            }
            for point in points
        ]
        hits.sort(key=lambda hit: (sign * hit["score"], hit["id"]))
        return hits[:top_k]


__all__ = ["VECTOR_ID_NAMESPACE", "QdrantVectors", "collection_name", "point_id"]

"""``VectorClient``: the live side of a vector connector, with upstream's calls
(``upsert_vectors``, ``search``, ``delete_vectors``) done for real.

The provider is ``connector.config.options["provider"]``:

* ``"builtin"`` (the default) keeps the vectors in the store itself (its ``VectorStorage``) and
  searches them exactly with numpy (``vector_search``): nothing to run beside the store, and a
  search sees every write committed before it, from any process.
* ``"qdrant"`` keeps them in a Qdrant collection (``qdrant_vectors``).

Both take their arguments through the same checks (``vector_checks``) and rank the same way
(scores as Qdrant defines them, ties by id), so switching providers changes no result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol

import numpy as np
import numpy.typing as npt

from integration_store import values
from integration_store.errors import UnsupportedOperationError, ValidationError
from integration_store.json_copies import copy_json
from integration_store.live import vector_checks as checks
from integration_store.live.client import ConnectorClient
from integration_store.live.vector_checks import CheckedVector, VectorSettings
from integration_store.live.vector_codec import pack
from integration_store.live.vector_search import VectorCache
from integration_store.model.connectors import VectorConnector

if TYPE_CHECKING:
    from integration_store.live.connections import LiveConnections

SearchResult = dict[str, Any]
"""One search hit as upstream shapes it: ``{"id", "score", "metadata"}``."""


class VectorProvider(Protocol):
    """Where a connected client's vectors live; arguments arrive checked."""

    def probe(self) -> None:
        """Raise unless the provider answers."""

    def close(self) -> None:
        """Release the provider's connections."""

    def upsert(self, vectors: list[CheckedVector]) -> None:
        """Store the vectors, each replacing the one with its id."""

    def delete(self, vector_ids: list[str]) -> int:
        """Remove the vectors with those ids; how many there were."""

    def search(
        self, query: npt.NDArray[np.float32], top_k: int, filters: dict[str, Any]
    ) -> list[SearchResult]:
        """The ``top_k`` nearest vectors whose metadata matches every filter, best first, ties
        by id (code point)."""


ProviderFactory = Callable[[VectorConnector, "LiveConnections", VectorSettings], VectorProvider]


class BuiltinVectors:
    """Vectors in the store's ``VectorStorage``; exact search on a cached matrix."""

    def __init__(
        self, connector: VectorConnector, live: LiveConnections, settings: VectorSettings
    ) -> None:
        self._storage = live.vectors  # UnsupportedOperationError without the capability
        self._context = live.context
        self._connector_id = connector.connector_id
        self._settings = settings
        self.cache = VectorCache(
            self._storage, self._connector_id, settings, in_transaction=live.in_transaction
        )
        self.probe()

    def probe(self) -> None:
        self._storage.generation(self._connector_id)

    def close(self) -> None:
        self.cache.forget()

    def upsert(self, vectors: list[CheckedVector]) -> None:
        now = self._context.now()
        records = [
            {
                "connector_id": self._connector_id,
                "vector_id": vector.vector_id,
                "dimension": self._settings.dimension,
                "vector_values": pack(vector.values),
                "metadata": vector.metadata,
                "updated_at": now,
            }
            for vector in vectors
        ]
        self._storage.upsert(self._connector_id, records)

    def delete(self, vector_ids: list[str]) -> int:
        return self._storage.delete(self._connector_id, vector_ids)

    def search(
        self, query: npt.NDArray[np.float32], top_k: int, filters: dict[str, Any]
    ) -> list[SearchResult]:
        index = self.cache.current()
        rows = index.matching_rows(filters) if filters else None
        if rows is not None and not len(rows):
            return []
        positions, scores = index.nearest(query.astype(np.float64), top_k, rows)
        ids, metadata = index.ids, index.metadata
        return [
            {"id": ids[row], "score": score, "metadata": copy_json(metadata[row])}
            for row, score in zip(positions.tolist(), scores.tolist(), strict=True)
        ]


def _open_qdrant(
    connector: VectorConnector, live: LiveConnections, settings: VectorSettings
) -> VectorProvider:
    try:
        from integration_store.live.qdrant_vectors import QdrantVectors
    except ImportError as missing:
        raise UnsupportedOperationError(
            f"the qdrant provider needs {missing.name or 'qdrant-client'}: "
            "pip install 'integration-store[qdrant]'"
        ) from missing
    return QdrantVectors(connector, settings)


PROVIDERS: Final[dict[str, ProviderFactory]] = {"builtin": BuiltinVectors, "qdrant": _open_qdrant}
"""The vector providers by the name ``options["provider"]`` gives."""

DEFAULT_PROVIDER: Final = "builtin"


def provider_name(options: Mapping[str, Any]) -> str:
    """The provider the connector's options name (``builtin`` when they name none)."""
    name = options.get("provider", DEFAULT_PROVIDER)
    if not isinstance(name, str) or name not in PROVIDERS:
        raise ValidationError(
            "options.provider",
            f"unknown vector provider {values.quoted(name)} (known: {', '.join(PROVIDERS)})",
        )
    return str(name)


class VectorClient(ConnectorClient[VectorConnector]):
    """Upsert, search and delete the vectors of one vector connector.

    Every call checks its arguments first (``ValidationError`` naming the field, nothing
    written); values are kept as float32. Scores follow the connector's ``distance_metric``:
    ``cosine`` (cosine similarity, higher first), ``dot`` (dot product, higher first) or
    ``euclidean`` (distance, lower first); ties are broken by id (code point). A client may be
    shared by threads.
    """

    def __init__(self, connector: VectorConnector, live: LiveConnections) -> None:
        super().__init__(connector, live)
        self._provider: VectorProvider | None = None
        self._settings: VectorSettings | None = None

    @property
    def provider(self) -> VectorProvider | None:
        """The connected provider (None until ``connect()`` succeeds)."""
        return self._provider

    def upsert_vectors(self, vectors: list[dict[str, Any]]) -> dict[str, Any]:
        """Store each ``{"id", "values", "metadata"?}``, replacing the vector with its id;
        all or nothing. Returns ``{"upserted": n, "status": "success"}``."""

        def work() -> dict[str, Any]:
            provider, settings = self._connected_provider()
            checked = checks.vectors(vectors, settings)
            if checked:
                provider.upsert(checked)
            return {"upserted": len(checked), "status": "success"}

        return self._run("upsert_vectors", work)

    def search(
        self,
        query_vector: list[float],
        top_k: int = 10,
        filter_metadata: dict[str, Any] | None = None,
    ) -> list[SearchResult]:
        """The ``top_k`` nearest vectors to ``query_vector`` whose metadata has every key of
        ``filter_metadata`` with an equal value (JSON equality, types included), as
        ``[{"id", "score", "metadata"}]``, best first, ties by id. Exact, not approximate."""

        def work() -> list[SearchResult]:
            provider, settings = self._connected_provider()
            query = checks.vector_values(query_vector, "query_vector", settings)
            count = checks.top_k(top_k)
            filters = checks.metadata_filter(filter_metadata)
            return provider.search(query, count, filters)

        return self._run("search", work)

    def delete_vectors(self, ids: list[str]) -> dict[str, Any]:
        """Remove the vectors with those ids (unknown ids are no error). Returns
        ``{"deleted": n, "status": "success"}``, n counting the vectors that existed."""

        def work() -> dict[str, Any]:
            provider, _ = self._connected_provider()
            vector_ids = checks.vector_ids(ids)
            deleted = provider.delete(vector_ids) if vector_ids else 0
            return {"deleted": deleted, "status": "success"}

        return self._run("delete_vectors", work)

    def _connected_provider(self) -> tuple[VectorProvider, VectorSettings]:
        provider, settings = self._provider, self._settings
        if provider is None or settings is None:  # disconnected by another thread meanwhile
            raise self._error("Not connected")
        return provider, settings

    def _open(self) -> None:
        self._close()
        settings = checks.settings_of(self._connector)
        name = provider_name(self._connector.config.options)
        self._provider = PROVIDERS[name](self._connector, self._live, settings)
        self._settings = settings

    def _probe(self) -> None:
        provider, _ = self._connected_provider()
        provider.probe()

    def _close(self) -> None:
        provider, self._provider = self._provider, None
        if provider is not None:
            provider.close()


__all__ = ["PROVIDERS", "BuiltinVectors", "VectorClient", "VectorProvider", "provider_name"]

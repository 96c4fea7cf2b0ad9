"""What a connector owns besides its record — the vectors of a builtin vector connector — and
how it goes when the connector does.

Vectors are keyed by connector_id. Left behind, they would be found again by a connector
registered later under the same id (perhaps by another tenant), so deleting a connector, or a
tenant's connectors, removes them too: in the same unit of work when the call runs in one, else
right after the connector's record.
"""

from __future__ import annotations

from collections.abc import Iterable

from integration_store import values
from integration_store.model.connectors import ConnectorType
from integration_store.protocols import VECTORS, ConnectorQuery, ConnectorStorage, VectorStorage
from integration_store.services.context import ServiceContext


def vector_connector_ids(storage: ConnectorStorage, tenant_id: str) -> list[str]:
    """The ids of the tenant's vector connectors, read page by page (keyset)."""
    ids: list[str] = []
    after: tuple[str, str] | None = None
    while True:
        page = storage.find(
            ConnectorQuery(
                tenant_id=tenant_id,
                connector_type=ConnectorType.VECTOR.value,
                limit=values.MAX_LIMIT,
                after=after,
            )
        )
        ids.extend(record["connector_id"] for record in page)
        if len(page) < values.MAX_LIMIT:
            return ids
        after = (page[-1]["name"], page[-1]["connector_id"])


def drop_vectors(
    vectors: VectorStorage | None, context: ServiceContext, connector_ids: Iterable[str]
) -> None:
    """Remove the vectors of deleted connectors (nothing on a backend without vectors)."""
    if vectors is None or VECTORS not in context.capabilities():
        return
    for connector_id in connector_ids:
        vectors.delete_all(connector_id)

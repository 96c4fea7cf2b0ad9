"""The storage protocols behind the live clients: the vectors of builtin vector connectors and
the invocation records of serverless connectors.

Part of the seam described in ``integration_store.protocols`` (which re-exports both, and whose
rules every implementation follows); a backend offers them under the capabilities ``VECTORS``
and ``INVOCATIONS``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

from integration_store.records import Record

Changes = Mapping[str, Any]
"""Field name → new value, for an update."""


class VectorStorage(Protocol):
    """Vector records (``schema.VECTOR``), keyed by (connector_id, vector_id), and one
    generation counter per connector (``schema.VECTOR_SET``) that every write moves on.

    Writes move the generation on *after* (or atomically with) storing their vectors, so a
    reader that sees a generation sees every vector written before it."""

    def upsert(self, connector_id: str, records: Sequence[Record]) -> int:
        """Store each record, replacing the stored one with the same vector_id, all or
        nothing, then add 1 to the connector's generation; returns the new generation. Never
        called with an empty sequence, nor with a vector_id twice."""

    def delete(self, connector_id: str, vector_ids: Sequence[str]) -> int:
        """Remove the connector's vectors with those ids and add 1 to its generation; returns
        how many were removed. Never called with an empty sequence."""

    def delete_all(self, connector_id: str) -> int:
        """Remove every vector of the connector and, when it has a generation, add 1 to it (the
        generation is kept, so a client still holding the old vectors in memory sees that they
        changed, even if the id is registered again and written to); returns how many vectors
        were removed."""

    def generation(self, connector_id: str) -> int:
        """The connector's generation: 0 before its first write."""

    def load(self, connector_id: str, after: str | None, limit: int) -> list[Record]:
        """At most ``limit`` of the connector's vectors, ordered by vector_id (code point), only
        those after ``after`` when given (keyset pages)."""


class InvocationStorage(Protocol):
    """Invocation records (``schema.INVOCATION``), keyed by ``request_id`` (a UUID)."""

    def insert(self, record: Record) -> None:
        """Store a new record; ``ConflictError`` when its request_id is taken."""

    def get(self, request_id: UUID) -> Record | None:
        """The record with that request_id, or None."""

    def update(
        self, request_id: UUID, changes: Changes, expected_status: str | None = None
    ) -> Record | None:
        """Atomically set ``changes``, only while the stored status is ``expected_status`` when
        that is given (tested in the same atomic step as the write); returns the record after
        the change, or None when it is missing or its status differs."""


__all__ = ["InvocationStorage", "VectorStorage"]

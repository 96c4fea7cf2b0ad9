"""Rules driving the vector storage (``VectorStorage``) of backends declaring ``vectors``.

Vectors have no service of their own yet (the live vector client writes them), so these rules
call the storage as that client does — through the store, which joins transactions and
serialises calls — and compare what the backend and the reference return: generations,
removed counts and loaded pages, values and types all the way down.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from integration_store import values
from integration_store.protocols import VECTORS, VectorStorage
from integration_store.records import Record
from integration_store.store import Store
from integration_store.testing import identical_difference

from .. import strategies as gen
from .harness import MachineHarness
from .outcomes import Services

VECTOR_CONNECTORS = ["vc-1", "vc-2"]
"""Two connectors, so a write to one must leave the other alone."""

TRICKY_VECTOR_IDS = ["a", "B", "é", "a ", "Z", "10", "9", "𝄞", "\ue000"]
"""Ids whose code-point order differs from case-, accent- and numeric-aware orders."""

vector_ids = st.one_of(
    st.sampled_from(TRICKY_VECTOR_IDS), st.sampled_from(TRICKY_VECTOR_IDS), gen.identifiers()
)
"""Mostly the tricky ids (so writes meet stored ids and each other), sometimes any."""

vectors = st.fixed_dictionaries(
    {
        "vector_id": vector_ids,
        "dimension": st.integers(min_value=0, max_value=6),
        "vector_values": st.binary(max_size=24),
        "metadata": gen.json_objects(6).map(lambda m: values.json_object(m, "metadata")),
        "updated_at": gen.aware_datetimes().map(lambda t: values.timestamp(t, "updated_at")),
    }
)
"""A vector record, less its connector_id, its values checked as the service checks them before
they reach a storage (tuples become lists; timestamps UTC, in milliseconds)."""


def stored_vectors(services: Services) -> VectorStorage:
    """The store's vector storage, as the live vector client reaches it (private to the store:
    no public service offers it)."""
    assert isinstance(services, Store), "vector rules run on whole stores"
    return services._live.vectors


def _records(connector_id: str, drawn: list[dict[str, Any]]) -> list[Record]:
    return [{"connector_id": connector_id, **vector} for vector in drawn]


class VectorRules(MachineHarness):
    """Every call of the vector storage, compared with the reference's."""

    @precondition(lambda self: VECTORS in self.store.capabilities)
    @rule(
        connector_id=st.sampled_from(VECTOR_CONNECTORS),
        drawn=st.lists(vectors, min_size=1, max_size=5, unique_by=lambda v: v["vector_id"]),
    )
    def upsert_vectors(self, connector_id: str, drawn: list[dict[str, Any]]) -> None:
        records = _records(connector_id, drawn)
        self.compare(
            "vectors.upsert", lambda s: stored_vectors(s).upsert(connector_id, records)
        )

    @precondition(lambda self: VECTORS in self.store.capabilities)
    @rule(
        connector_id=st.sampled_from(VECTOR_CONNECTORS),
        vector_id_list=st.lists(vector_ids, min_size=1, max_size=4),
    )
    def delete_vectors(self, connector_id: str, vector_id_list: list[str]) -> None:
        self.compare(
            "vectors.delete", lambda s: stored_vectors(s).delete(connector_id, vector_id_list)
        )

    @precondition(lambda self: VECTORS in self.store.capabilities)
    @rule(connector_id=st.sampled_from(VECTOR_CONNECTORS))
    def delete_all_vectors(self, connector_id: str) -> None:
        self.compare("vectors.delete_all", lambda s: stored_vectors(s).delete_all(connector_id))

    @precondition(lambda self: VECTORS in self.store.capabilities)
    @rule(
        connector_id=st.sampled_from(VECTOR_CONNECTORS),
        after=st.one_of(st.none(), vector_ids),
        limit=st.integers(min_value=1, max_value=4),
    )
    def load_vectors(self, connector_id: str, after: str | None, limit: int) -> None:
        """One keyset page, and the generation it belongs to."""

        def call(services: Services) -> tuple[int, list[Record]]:
            storage = stored_vectors(services)
            return storage.generation(connector_id), storage.load(connector_id, after, limit)

        self.compare("vectors.load", call)

    @precondition(lambda self: VECTORS in self.store.capabilities)
    @rule(connector_id=st.sampled_from(VECTOR_CONNECTORS), page=st.integers(1, 3))
    def load_every_page(self, connector_id: str, page: int) -> None:
        """Keyset pages of ``page`` vectors, each after the last id of the one before, cover
        exactly what one large page holds."""

        def call(services: Services) -> list[Record]:
            storage = stored_vectors(services)
            whole = storage.load(connector_id, None, 10_000)
            paged: list[Record] = []
            after: str | None = None
            while rows := storage.load(connector_id, after, page):
                paged += rows
                after = rows[-1]["vector_id"]
            assert paged == whole, "keyset pages differ from one large page"
            return whole

        self.compare("vectors.load pages", call)


    @invariant()
    def vectors_match_reference(self) -> None:
        """After every step, each connector's generation and every stored vector (in order)
        are the reference's."""
        if VECTORS not in self.store.capabilities:
            return
        for connector_id in VECTOR_CONNECTORS:
            state = [
                (storage.generation(connector_id), storage.load(connector_id, None, 10_000))
                for storage in (stored_vectors(self.store), stored_vectors(self.reference))
            ]
            self.record(
                f"invariant vectors of {connector_id!r}",
                identical_difference(state[0], state[1], "vectors"),
                step=False,
            )

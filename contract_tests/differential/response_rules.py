"""Rules driving the external-response service: record, interpret, read, the pending queue."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import MultipleResults, multiple, rule

from integration_store import ExternalResponse

from .. import strategies as gen
from . import arguments as a
from .harness import MachineHarness
from .outcomes import Services


class ExternalResponseRules(MachineHarness):
    """Every call of ``store.external_responses``, compared with the reference."""

    @rule(
        target=a.response_ids,
        source=gen.identifiers(),
        raw=gen.json_objects(16),
        owner=a.owners,
        optional=st.tuples(a.optional_ids, a.optional_ids, a.optional_ids),
    )
    def record_raw_response(
        self,
        source: str,
        raw: dict[str, Any],
        owner: str,
        optional: tuple[str | None, str | None, str | None],
    ) -> MultipleResults[UUID]:
        contract, request_id, run_id = optional

        def call(services: Services) -> ExternalResponse:
            payload = dict(raw)
            result = services.external_responses.record_raw_response(
                source, payload, owner, contract, request_id, run_id
            )
            payload["mutated after the call"] = True  # copies in: must not reach storage
            return result

        result = self.returned(self.compare("record_raw_response", call))
        if result is None:
            return multiple()
        self.known_responses[result.id] = owner
        return multiple(result.id)

    @rule(
        response_id=a.response_ids,
        value=gen.json_objects(12),
        by=gen.identifiers(),
    )
    def interpret(self, response_id: UUID, value: dict[str, Any], by: str) -> None:
        self.compare("interpret", lambda s: s.external_responses.interpret(response_id, value, by))

    @rule(response_id=a.response_ids, owner=st.one_of(a.owners, gen.identifiers()))
    def get_raw_for_interpretation(self, response_id: UUID, owner: str) -> None:
        self.compare(
            "get_raw_for_interpretation",
            lambda s: s.external_responses.get_raw_for_interpretation(response_id, owner),
        )

    @rule(response_id=a.response_ids)
    def get_interpreted(self, response_id: UUID) -> None:
        self.compare("get_interpreted", lambda s: s.external_responses.get_interpreted(response_id))

    @rule(owner=a.owners, limit=gen.limits())
    def pending(self, owner: str, limit: int) -> None:
        rows = self.returned(
            self.compare(
                "get_pending_interpretations",
                lambda s: s.external_responses.get_pending_interpretations(owner, limit),
            )
        )
        for row in rows or []:
            assert row.interpretation_owner == owner and row.interpreted_at is None

"""Rules driving the external-response service: record, interpret, read, the pending queue."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import MultipleResults, multiple, precondition, rule

from integration_store import (
    AlreadyInterpretedError,
    ExternalResponse,
    LeaseLostError,
    Page,
    ResponseNotFoundError,
)
from integration_store.testing import SequentialIds, identical_difference

from .. import strategies as gen
from . import arguments as a
from .harness import MachineHarness
from .outcomes import Services


class ExternalResponseRules(MachineHarness):
    """Every call of ``store.external_responses``, compared with the reference."""

    def known(self, recorded: list[ExternalResponse]) -> MultipleResults[UUID]:
        """Remember recorded responses (by owner, for later calls); their ids, for the bundle."""
        for response in recorded:
            self.known_responses[response.id] = response.interpretation_owner
        return multiple(*(response.id for response in recorded))

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
        return self.known([] if result is None else [result])

    @rule(
        response_id=a.response_ids,
        value=gen.json_objects(12),
        by=gen.identifiers(),
    )
    def interpret(self, response_id: UUID, value: dict[str, Any], by: str) -> None:
        """Unclaimed: a pending response (leased or not) is interpreted, an interpreted one
        raises ``AlreadyInterpretedError``."""
        self.compare("interpret", lambda s: s.external_responses.interpret(response_id, value, by))

    @rule(response_id=a.response_ids, value=gen.json_objects(6), by=gen.identifiers())
    def reinterpret(self, response_id: UUID, value: dict[str, Any], by: str) -> None:
        self.compare(
            "interpret(reinterpret=True)",
            lambda s: s.external_responses.interpret(response_id, value, by, reinterpret=True),
        )

    @precondition(lambda self: self.has_claims)
    @rule(
        owner=a.owners,
        claimant=a.claimants,
        limit=st.integers(min_value=1, max_value=4),
        lease_seconds=a.lease_seconds,
    )
    def claim_pending(self, owner: str, claimant: str, limit: int, lease_seconds: float) -> None:
        rows = self.returned(
            self.compare(
                "claim_pending",
                lambda s: s.external_responses.claim_pending(owner, claimant, limit, lease_seconds),
            )
        )
        for row in rows or []:
            assert row.claimed_by == claimant and row.interpreted_at is None

    @precondition(lambda self: self.has_claims)
    @rule(
        target=a.response_ids,
        owner=a.owners,
        claimants=st.tuples(a.claimants, a.claimants),
        limit=st.integers(min_value=1, max_value=3),
        lease_seconds=a.lease_seconds,
        value=gen.json_objects(4),
    )
    def compete_for_claims(
        self,
        owner: str,
        claimants: tuple[str, str],
        limit: int,
        lease_seconds: float,
        value: dict[str, Any],
    ) -> MultipleResults[UUID]:
        """A response arrives for the owner; one claimant claims, then another at once (while
        the first one's leases are live) and tries to complete and release what the first one
        holds; the first completes its first response and releases its last."""
        first, second = claimants

        def call(services: Services) -> list[Any]:
            responses = services.external_responses
            outcomes: list[Any] = [responses.record_raw_response("claims", {}, owner)]
            taken = responses.claim_pending(owner, first, limit, lease_seconds)
            outcomes.append(taken)
            outcomes.append(responses.claim_pending(owner, second, limit, lease_seconds))
            for held in taken:
                interpret = partial(responses.interpret, held.id, value, second, claimant=second)
                outcomes.append(_lost_or(interpret))
                outcomes.append(_lost_or(partial(responses.release, held.id, second)))
            if taken:
                outcomes.append(responses.interpret(taken[0].id, value, first, claimant=first))
                outcomes.append(responses.release(taken[-1].id, first) if len(taken) > 1 else None)
            return outcomes

        outcomes = self.returned(self.compare("claim, compete, complete, release", call))
        if not outcomes:
            return multiple()
        self.known_responses[outcomes[0].id] = owner
        return multiple(outcomes[0].id)

    @precondition(lambda self: self.has_claims)
    @rule(
        response_id=a.response_ids,
        claimant=a.claimants,
        value=gen.json_objects(6),
        by=gen.identifiers(),
    )
    def interpret_as_claimant(
        self, response_id: UUID, claimant: str, value: dict[str, Any], by: str
    ) -> None:
        """Completes the claimant's live lease, else ``LeaseLostError``."""
        self.compare(
            "interpret(claimant=)",
            lambda s: s.external_responses.interpret(response_id, value, by, claimant=claimant),
        )

    @precondition(lambda self: self.has_claims)
    @rule(response_id=a.response_ids, claimant=a.claimants)
    def release(self, response_id: UUID, claimant: str) -> None:
        self.compare("release", lambda s: s.external_responses.release(response_id, claimant))

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

    @rule(
        target=a.response_ids,
        items=st.lists(
            st.fixed_dictionaries(
                {
                    "source": gen.identifiers(),
                    "raw_response": gen.json_objects(6),
                    "interpretation_owner": a.owners,
                },
                optional={
                    "interpretation_contract": a.optional_ids,
                    "request_id": a.optional_ids,
                    "run_id": a.optional_ids,
                },
            ),
            max_size=4,
        ),
    )
    def record_raw_responses(self, items: list[dict[str, Any]]) -> MultipleResults[UUID]:
        """record_raw_responses; after ``rewind_id_factories`` the ids clash with stored ones."""
        result = self.returned(
            self.compare(
                "record_raw_responses",
                lambda s: s.external_responses.record_raw_responses([dict(i) for i in items]),
            )
        )
        return self.known(result or [])

    @rule(
        target=a.response_ids,
        key=a.idempotency_keys,
        raw=a.keyed_payloads,
        owner=a.owners,
    )
    def record_keyed_response(
        self, key: str | None, raw: dict[str, Any], owner: str
    ) -> MultipleResults[UUID]:
        """record_raw_response(idempotency_key=…) from one source: repeats and reused keys."""
        result = self.returned(
            self.compare(
                "record_raw_response(idempotency_key)",
                lambda s: s.external_responses.record_raw_response(
                    "keyed", dict(raw), owner, idempotency_key=key
                ),
            )
        )
        return self.known([] if result is None else [result])

    @rule(
        target=a.response_ids,
        items=st.lists(
            st.fixed_dictionaries(
                {"source": st.just("keyed"), "raw_response": a.keyed_payloads},
                optional={"idempotency_key": a.idempotency_keys},
            ),
            max_size=4,
        ),
        owner=a.owners,
    )
    def record_keyed_responses(
        self, items: list[dict[str, Any]], owner: str
    ) -> MultipleResults[UUID]:
        """record_raw_responses with keyed items: some stored before, some repeated in it."""
        batch = [{**item, "interpretation_owner": owner} for item in items]
        result = self.returned(
            self.compare(
                "record_raw_responses(idempotency_key)",
                lambda s: s.external_responses.record_raw_responses([dict(i) for i in batch]),
            )
        )
        return self.known(result or [])

    @rule(response_id=a.response_ids)
    def rewind_id_factories(self, response_id: UUID) -> None:
        """Both id factories go back to an id already handed out, so the next responses (single
        or bulk) and connectors created without an id collide with stored rows."""
        if response_id.int > 0:
            self.ids = SequentialIds(response_id.int)
            self.reference_ids = SequentialIds(response_id.int)

    @rule(
        owner=a.owners,
        limit=st.integers(min_value=1, max_value=4),
        interpret_midway=st.one_of(st.none(), a.response_ids),
    )
    def walk_pending_pages(self, owner: str, limit: int, interpret_midway: UUID | None) -> None:
        """Every pending_page of an owner, by cursor (perhaps interpreting one after the first)."""

        def call(services: Services) -> list[Page[ExternalResponse]]:
            pages: list[Page[ExternalResponse]] = []
            after: str | None = None
            while len(pages) <= a.ALL:
                page = services.external_responses.pending_page(owner, limit, after=after)
                pages.append(page)
                if len(pages) == 1 and interpret_midway is not None:
                    with contextlib.suppress(ResponseNotFoundError, AlreadyInterpretedError):
                        services.external_responses.interpret(interpret_midway, {}, owner)
                if page.next_cursor is None:
                    break
                after = page.next_cursor
            return pages

        pages = self.returned(self.compare("pending_page walk", call))
        if pages is not None and interpret_midway is None:
            walked = [response for page in pages for response in page.items]
            queue = self.store.external_responses.get_pending_interpretations(owner, a.ALL)
            self.record("pending_page walk = queue", identical_difference(walked, queue, "walk"))


def _lost_or(attempt: Callable[[], ExternalResponse]) -> ExternalResponse | str:
    """The attempt's result, or the name of the ``LeaseLostError`` it raised."""
    try:
        return attempt()
    except LeaseLostError as lost:
        return type(lost).__name__

"""``ExternalResponseService``: record raw payloads, let their owner interpret them, serve the
interpretation (never the raw payload) to consumers."""

from __future__ import annotations

from uuid import UUID

from integration_store import values
from integration_store.errors import (
    ConflictError,
    ResponseAlreadyExistsError,
    ResponseNotFoundError,
)
from integration_store.model.responses import ExternalResponse, InterpretedResponse
from integration_store.protocols import ExternalResponseStorage
from integration_store.records import from_record, to_record
from integration_store.services.context import ServiceContext


class ExternalResponseService:
    """External responses on any backend; the pending queue is oldest ``received_at`` first."""

    def __init__(self, storage: ExternalResponseStorage, context: ServiceContext) -> None:
        self._storage = storage
        self._context = context

    def record_raw_response(
        self,
        source: str,
        raw_response: dict[str, object],
        interpretation_owner: str,
        interpretation_contract: str | None = None,
        request_id: str | None = None,
        run_id: str | None = None,
    ) -> ExternalResponse:
        """Store a raw payload as received, naming who may interpret it."""
        checked_source = values.identifier(source, "source")
        checked_raw = values.json_object(raw_response, "raw_response")
        owner = values.identifier(interpretation_owner, "interpretation_owner")
        contract = values.optional_identifier(interpretation_contract, "interpretation_contract")
        checked_request_id = values.optional_identifier(request_id, "request_id")
        checked_run_id = values.optional_identifier(run_id, "run_id")
        received_at = self._context.now()
        response = ExternalResponse(
            id=self._context.new_id(),
            source=checked_source,
            raw_response=checked_raw,
            interpretation_owner=owner,
            interpretation_contract=contract,
            request_id=checked_request_id,
            run_id=checked_run_id,
            received_at=received_at,
        )
        try:
            self._storage.insert(to_record(response))
        except ConflictError as conflict:
            raise ResponseAlreadyExistsError(
                f"external response {response.id} already exists"
            ) from conflict
        return response  # its payload is the check's fresh copy, shared with nothing

    def interpret(
        self, response_id: UUID, interpreted_value: dict[str, object], interpreted_by: str
    ) -> ExternalResponse:
        """Record the interpretation (a later call replaces an earlier one)."""
        checked_id = values.uuid_value(response_id, "response_id")
        value = values.json_object(interpreted_value, "interpreted_value")
        by = values.identifier(interpreted_by, "interpreted_by")
        now = self._context.now()
        record = self._storage.update(
            checked_id, {"interpreted_value": value, "interpreted_at": now, "interpreted_by": by}
        )
        if record is None:
            raise ResponseNotFoundError(f"external response {checked_id} not found")
        return from_record(record, ExternalResponse)

    def get_raw_for_interpretation(
        self, response_id: UUID, expected_owner: str
    ) -> ExternalResponse | None:
        """The raw response, but only for its interpretation owner (None for anyone else)."""
        checked_id = values.uuid_value(response_id, "response_id")
        owner = values.identifier(expected_owner, "expected_owner")
        record = self._storage.get(checked_id)
        if record is None or record["interpretation_owner"] != owner:
            return None
        return from_record(record, ExternalResponse)

    def get_interpreted(self, response_id: UUID) -> InterpretedResponse | None:
        """The interpretation for consumers, without the raw payload; None until interpreted."""
        record = self._storage.get(values.uuid_value(response_id, "response_id"))
        if record is None or record["interpreted_at"] is None:
            return None
        response = from_record(record, ExternalResponse)
        assert response.interpreted_value is not None and response.interpreted_by is not None
        assert response.interpreted_at is not None
        return InterpretedResponse(
            id=response.id,
            source=response.source,
            interpretation_owner=response.interpretation_owner,
            interpreted_value=response.interpreted_value,
            interpreted_at=response.interpreted_at,
            interpreted_by=response.interpreted_by,
        )

    def get_pending_interpretations(
        self, interpretation_owner: str, limit: int = 100
    ) -> list[ExternalResponse]:
        """The owner's uninterpreted responses, oldest ``received_at`` first, then by id."""
        owner = values.identifier(interpretation_owner, "interpretation_owner")
        checked_limit, _ = values.page(limit, 0)
        return [
            from_record(r, ExternalResponse)
            for r in self._storage.find_pending(owner, checked_limit)
        ]

"""Upstream's module-level helpers for responses and workers, for drop-in use.

Upstream's helpers took a database session; these take what stands for one here: a ``Store``
or a ``UnitOfWork`` (``with store.transaction() as tx``), whose services they call. The
connector helpers (``get_connector_registry`` and friends) are in ``default_registry``.
"""

from __future__ import annotations

from typing import Any, Protocol
from uuid import UUID

from integration_store.model.responses import ExternalResponse, InterpretedResponse
from integration_store.services import ExternalResponseService, WorkerRegistryService


class Services(Protocol):
    """A ``Store`` or a ``UnitOfWork``: anything holding the store's services."""

    @property
    def external_responses(self) -> ExternalResponseService: ...

    @property
    def workers(self) -> WorkerRegistryService: ...


def record_external_response(
    store: Services,
    source: str,
    raw_response: dict[str, Any],
    interpretation_owner: str,
    interpretation_contract: str | None = None,
    request_id: str | None = None,
    run_id: str | None = None,
) -> ExternalResponse:
    """Record a raw response received from outside (``record_raw_response``)."""
    return store.external_responses.record_raw_response(
        source=source,
        raw_response=raw_response,
        interpretation_owner=interpretation_owner,
        interpretation_contract=interpretation_contract,
        request_id=request_id,
        run_id=run_id,
    )


def interpret_response(
    store: Services,
    response_id: UUID,
    interpreted_value: dict[str, Any],
    interpreted_by: str,
) -> ExternalResponse:
    """Record a response's interpretation (``interpret``)."""
    return store.external_responses.interpret(
        response_id=response_id,
        interpreted_value=interpreted_value,
        interpreted_by=interpreted_by,
    )


def get_interpreted_response(store: Services, response_id: UUID) -> InterpretedResponse | None:
    """A response's interpretation, None until it has one (``get_interpreted``)."""
    return store.external_responses.get_interpreted(response_id)


def get_worker_registry_service(store: Services) -> WorkerRegistryService:
    """The worker registry of a store or unit of work."""
    return store.workers


__all__ = [
    "get_interpreted_response",
    "get_worker_registry_service",
    "interpret_response",
    "record_external_response",
]

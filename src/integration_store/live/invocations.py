"""Invocation records of one serverless connector: what was asked, its status, its outcome.

The record is the truth about an invocation, kept through the store's ``InvocationStorage``, so
``get_result`` answers the same in any process on the same database. Statuses move only forward
— ``invoked`` → ``running`` → ``completed`` | ``failed`` (a synchronous call starts at
``running``) — and every move is a conditional update on the status it leaves, so two workers
can never both run, or both finish, one invocation.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from integration_store import values
from integration_store.errors import ConnectorError, NotFoundError, ValidationError
from integration_store.model.connectors import ServerlessConnector
from integration_store.protocols import InvocationStorage
from integration_store.records import Record
from integration_store.services.context import ServiceContext


class InvocationStatus(str, Enum):
    """Where an invocation is in its life."""

    INVOKED = "invoked"
    """Accepted, not started: waiting for the store's pool, or handed to the platform."""
    RUNNING = "running"
    """Started; a synchronous call's record is inserted in this status."""
    COMPLETED = "completed"
    """Finished with a result."""
    FAILED = "failed"
    """Finished with an error (the function raised, the platform refused, ...)."""


class InvocationNotFoundError(ConnectorError, NotFoundError):
    """No invocation with that request_id for this connector (another connector's counts as
    none, as tenant scoping does for connectors)."""


class InvocationRecords:
    """Writes and reads one connector's invocation records; draws the clock once per write
    and one id per invocation, only after its arguments passed validation."""

    def __init__(
        self, storage: InvocationStorage, context: ServiceContext, connector: ServerlessConnector
    ) -> None:
        self._storage = storage
        self._context = context
        self._connector = connector

    def begin(self, function: str, payload: dict[str, Any], status: InvocationStatus) -> Record:
        """Insert the record of a new invocation (``running`` for one that starts now,
        ``invoked`` for one that will); arguments must be checked already (``check``)."""
        request_id = self._context.new_id()
        now = self._context.now()
        record: Record = {
            "request_id": request_id,
            "connector_id": self._connector.connector_id,
            "function": function,
            "status": status.value,
            "payload": payload,
            "result": None,
            "error": None,
            "created_at": now,
            "started_at": now if status is InvocationStatus.RUNNING else None,
            "finished_at": None,
        }
        self._storage.insert(record)
        return record

    def start(self, request_id: UUID) -> bool:
        """``invoked`` → ``running``; False when it is no longer ``invoked`` (someone else took
        it, or it was failed meanwhile), and then it must not run."""
        changes = {"status": InvocationStatus.RUNNING.value, "started_at": self._context.now()}
        return self._move(request_id, InvocationStatus.INVOKED, changes) is not None

    def complete(self, request_id: UUID, result: Any) -> Record | None:
        """``running`` → ``completed`` with the result (already checked JSON)."""
        changes = {
            "status": InvocationStatus.COMPLETED.value,
            "result": result,
            "finished_at": self._context.now(),
        }
        return self._move(request_id, InvocationStatus.RUNNING, changes)

    def fail(
        self, request_id: UUID, error: str, from_status: InvocationStatus = InvocationStatus.RUNNING
    ) -> Record | None:
        """``from_status`` → ``failed`` with the (redacted) error text."""
        changes = {
            "status": InvocationStatus.FAILED.value,
            "error": error,
            "finished_at": self._context.now(),
        }
        return self._move(request_id, from_status, changes)

    def read(self, request_id: object) -> Record:
        """The connector's record with that request_id (a UUID or its text);
        ``ValidationError`` for anything else, ``InvocationNotFoundError`` when there is none."""
        if isinstance(request_id, str):
            try:
                request_id = UUID(request_id)
            except ValueError:
                raise ValidationError(
                    "request_id", f"must be a UUID, not {values.quoted(request_id)}"
                ) from None
        checked = values.uuid_value(request_id, "request_id")
        record = self._storage.get(checked)
        if record is None or record["connector_id"] != self._connector.connector_id:
            raise InvocationNotFoundError(
                f"no invocation {checked} for connector {self._connector.connector_id!r}",
                connector_id=self._connector.connector_id,
                connector_type=self._connector.connector_type,
            )
        return record

    def _move(
        self, request_id: UUID, expected: InvocationStatus, changes: dict[str, Any]
    ) -> Record | None:
        return self._storage.update(request_id, changes, expected_status=expected.value)


def check_invocation(
    function_name: object, payload: object, async_invoke: object
) -> tuple[str, dict[str, Any], bool]:
    """The arguments of ``invoke`` checked and copied: ``ValidationError`` naming the field
    (a payload too large for one write of every store included)."""
    function = values.identifier(function_name, "function_name")
    checked = values.json_object(payload, "payload")
    values.check_write_size({"function_name": function, "payload": checked})
    return function, checked, values.boolean(async_invoke, "async_invoke")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def result_view(record: Record) -> dict[str, Any]:
    """``get_result``'s answer: upstream's ``request_id``, ``status``, ``result``, plus the
    function, the error text and the timestamps (ISO text, None until reached)."""
    return {
        "request_id": str(record["request_id"]),
        "function": record["function"],
        "status": record["status"],
        "result": record["result"],
        "error": record["error"],
        "created_at": _iso(record["created_at"]),
        "started_at": _iso(record["started_at"]),
        "finished_at": _iso(record["finished_at"]),
    }


__all__ = [
    "InvocationNotFoundError",
    "InvocationRecords",
    "InvocationStatus",
    "check_invocation",
    "result_view",
]

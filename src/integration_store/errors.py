"""The library's error tree: one root, a class per thing that went wrong.

Upstream's names (``ConnectorError``, ``WorkerRegistryError`` and its subclasses) are kept so code
written against the upstream drivers keeps catching what it caught before.
"""

from __future__ import annotations

from typing import Any

from integration_store.model.connectors import ConnectorType


class IntegrationStoreError(Exception):
    """Root of every error this library raises."""


class ValidationError(IntegrationStoreError, ValueError):
    """A value breaks a rule of the domain; ``field`` names the offending field or JSON path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFoundError(IntegrationStoreError, LookupError):
    """The thing a state change names does not exist (or belongs to another tenant)."""


class ConflictError(IntegrationStoreError):
    """A write would break a uniqueness rule.

    Backends raise this bare class on any unique-key violation; the services turn it into the
    specific subclass, so the choice of error lives in one place.
    """


class BackendUnavailableError(IntegrationStoreError):
    """The backend cannot be reached (server down, connection lost); the cause is chained.

    Raised as itself, it means the call changed nothing: it is safe to retry."""


class OutcomeUnknownError(BackendUnavailableError):
    """The connection was lost after a write (or a unit of work's commit) was sent: the
    database may or may not have applied it. A blind retry may apply it twice; read the state
    back first, or make the call idempotent (``record_raw_response(idempotency_key=...)``)."""


class TransactionConflictError(BackendUnavailableError):
    """The database aborted the call or unit of work for a concurrent one (a serialization
    failure, a deadlock, MongoDB's transient transaction error): nothing of it was applied and
    running it again may succeed. ``store.run_in_transaction(work, retries=N)`` does that."""


class BackendAccessError(IntegrationStoreError):
    """The backend refused this store: a wrong login, a missing permission, or a database that
    does not exist. Not an outage: retrying cannot help until the URL or the server's grants
    change."""


class SecretKeyError(IntegrationStoreError):
    """Stored connector credentials cannot be read: they are encrypted and the store has no
    secret key, or none of its keys made them (``integration_store.secrets``)."""


class StoreClosedError(IntegrationStoreError):
    """The store was closed (open a new one with ``open_store``), or a unit of work was used
    after its ``with`` block ended."""


class UnsupportedOperationError(IntegrationStoreError):
    """The backend lacks the capability the call needs (see ``Store.capabilities``)."""


class ConnectorError(IntegrationStoreError):
    """Upstream's connector error, carrying the connector's id and type when known."""

    def __init__(
        self,
        message: str,
        connector_id: str | None = None,
        connector_type: ConnectorType | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.connector_id = connector_id
        self.connector_type = connector_type

    def to_dict(self) -> dict[str, Any]:
        """Upstream's shape: ``{"error", "connector_id", "connector_type"}``."""
        return {
            "error": self.message,
            "connector_id": self.connector_id,
            "connector_type": self.connector_type.value if self.connector_type else None,
        }


class ConnectorNotFoundError(ConnectorError, NotFoundError):
    """No connector with that id (in that tenant, when one was given)."""


class ConnectorAlreadyExistsError(ConnectorError, ConflictError):
    """A connector with that connector_id is already registered."""


class DuplicateConnectorNameError(ConnectorError, ConflictError):
    """The tenant already has a connector with that name."""


class ResponseNotFoundError(NotFoundError):
    """No external response with that id."""


class ResponseAlreadyExistsError(ConflictError):
    """The id factory produced an id that is already stored."""


class LeaseLostError(ConflictError):
    """The claimant does not hold a live lease on the response: it was never claimed by it,
    its lease expired (and may have been claimed by another), it was released, or the response
    was interpreted meanwhile."""


class AlreadyInterpretedError(ConflictError):
    """The response is already interpreted; pass ``reinterpret=True`` to replace it."""


class StaleObjectError(ConflictError):
    """An update named an ``expected_revision`` the stored object no longer has: someone else
    wrote it since it was read. Nothing was written; read it again and retry.

    ``revision`` is the stored revision when the store knows it (None when the object went
    away in between or, for a worker config, does not exist yet)."""

    def __init__(
        self, message: str, *, expected_revision: int, revision: int | None = None
    ) -> None:
        super().__init__(message)
        self.expected_revision = expected_revision
        self.revision = revision

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments: rebuilt by keyword, so the error crosses process boundaries.
        return _stale_object_error, (str(self), self.expected_revision, self.revision)


def _stale_object_error(
    message: str, expected_revision: int, revision: int | None
) -> StaleObjectError:
    return StaleObjectError(message, expected_revision=expected_revision, revision=revision)


class WorkerRegistryError(IntegrationStoreError):
    """Upstream's base class for worker registry errors."""


class WorkerNotFoundError(WorkerRegistryError, NotFoundError):
    """No worker with that id."""


class WorkerUnavailableError(WorkerRegistryError):
    """The worker exists but is not available."""


class WorkerAlreadyExistsError(WorkerRegistryError, ConflictError):
    """A worker with that id is already registered."""

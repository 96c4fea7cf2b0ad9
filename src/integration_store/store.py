"""The store façade: one backend, three services, one clock and id factory."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import TypeVar

import attrs

from integration_store import values
from integration_store.discovery import provider_for
from integration_store.errors import (
    TransactionConflictError,
    UnsupportedOperationError,
    ValidationError,
)
from integration_store.protocols import TRANSACTIONS, Backend, Storages
from integration_store.services import (
    ConnectorRegistry,
    ExternalResponseService,
    WorkerRegistryService,
)
from integration_store.services.context import Clock, IdFactory, ServiceContext
from integration_store.unit_of_work import CallRouter

T = TypeVar("T")

MAX_TRANSACTION_RETRIES = 100
"""Most retries ``Store.run_in_transaction`` takes."""


def system_clock() -> datetime:
    """The default clock: now, in UTC."""
    return datetime.now(UTC)


@attrs.frozen
class UnitOfWork:
    """The three services bound to one transaction (what ``Store.transaction()`` yields)."""

    connectors: ConnectorRegistry
    external_responses: ExternalResponseService
    workers: WorkerRegistryService

    @classmethod
    def bind(cls, storages: Storages, context: ServiceContext) -> UnitOfWork:
        """Services over the given storages."""
        return cls(
            connectors=ConnectorRegistry(storages.connectors, context),
            external_responses=ExternalResponseService(storages.external_responses, context),
            workers=WorkerRegistryService(storages.workers, context),
        )


class Store:
    """An open store: ``.connectors``, ``.external_responses``, ``.workers``, ``transaction()``."""

    def __init__(self, backend: Backend, clock: Clock, id_factory: IdFactory) -> None:
        self._backend = backend
        self._router = CallRouter(backend)
        self._context = ServiceContext(
            clock=clock, id_factory=id_factory, capabilities=lambda: backend.capabilities
        )
        services = UnitOfWork.bind(self._router.routed_storages(), self._context)
        self.connectors: ConnectorRegistry = services.connectors
        self.external_responses: ExternalResponseService = services.external_responses
        self.workers: WorkerRegistryService = services.workers

    @property
    def backend(self) -> Backend:
        """The storage backend (for backend authors and test harnesses)."""
        return self._backend

    @property
    def capabilities(self) -> frozenset[str]:
        """Optional capabilities of the backend, e.g. ``{"transactions"}``."""
        return self._backend.capabilities

    def create_schema(self) -> None:
        """Create or upgrade tables/collections and indexes; safe to call again."""
        self._run_exclusive(self._backend.create_schema)

    def _run_exclusive(self, operation: Callable[[], T]) -> T:
        """Run a whole-backend operation as one call: refused once closed, serialised with
        every other call when the engine is not thread-safe (also for ``test_support``)."""
        with self._router.exclusive():
            return operation()

    @contextmanager
    def transaction(self) -> Iterator[UnitOfWork]:
        """A unit of work over all three drivers: commit on normal exit, rollback on exception.

        ``UnsupportedOperationError`` when the backend lacks the ``transactions`` capability.
        """
        self._router.check_open()
        if TRANSACTIONS not in self._backend.capabilities:
            raise UnsupportedOperationError(
                "this backend has no transactions (capability 'transactions' is absent)"
            )
        with self._router.transaction() as opened:
            yield UnitOfWork.bind(self._router.transaction_storages(opened), self._context)

    def run_in_transaction(self, work: Callable[[UnitOfWork], T], *, retries: int = 3) -> T:
        """``work(unit_of_work)`` in a transaction, run again (up to ``retries`` more times,
        after a short random pause) when the database aborts it for a concurrent one
        (``TransactionConflictError``; nothing of an aborted attempt is applied). Returns what
        ``work`` returns.

        A ``with store.transaction()`` block cannot be retried (Python runs a block once), hence
        a function. Called inside an open transaction, ``work`` joins it and is not retried: the
        outermost unit of work is what the database aborts.
        """
        retries = values.integer(retries, "retries")
        if not 0 <= retries <= MAX_TRANSACTION_RETRIES:
            raise ValidationError("retries", f"must be between 0 and {MAX_TRANSACTION_RETRIES}")
        attempts = 1 if self._router.joined is not None else retries + 1
        for attempt in range(attempts):
            try:
                with self.transaction() as unit_of_work:
                    return work(unit_of_work)
            except TransactionConflictError:
                if attempt + 1 == attempts:
                    raise
                time.sleep(random.uniform(0, min(0.2, 0.005 * 2**attempt)))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        """Release the backend's connections; later calls raise ``StoreClosedError``."""
        self._router.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def open_store(url: str, clock: Clock | None = None, id_factory: IdFactory | None = None) -> Store:
    """Open the store a URL names (``memory://``, ``sqlite:///app.db``, ``mongodb://…``).

    ``clock`` returns aware datetimes (default: now in UTC); ``id_factory`` returns UUIDs
    (default: ``uuid.uuid4``). Both are drawn only by write calls.
    """
    backend = provider_for(url).open(url)
    return Store(
        backend,
        clock=system_clock if clock is None else clock,
        id_factory=uuid.uuid4 if id_factory is None else id_factory,
    )

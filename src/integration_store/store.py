"""The store façade: one backend, three services, one clock and id factory."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
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
from integration_store.live.connections import LiveConnections
from integration_store.protocols import (
    TRANSACTIONS,
    Backend,
    ConnectorQuery,
    ConnectorStorage,
    Storages,
)
from integration_store.records import Record
from integration_store.secrets import (
    SealedConnectorStorage,
    SecretBox,
    SecretKeys,
    box_for,
    resealed,
)
from integration_store.services import (
    ConnectorRegistry,
    ExternalResponseService,
    WorkerRegistryService,
    revisions,
)
from integration_store.services.context import Clock, IdFactory, ServiceContext, system_clock
from integration_store.unit_of_work import CallRouter

T = TypeVar("T")

MAX_TRANSACTION_RETRIES = 100
"""Most retries ``Store.run_in_transaction`` takes."""


@attrs.frozen
class UnitOfWork:
    """The three services bound to one transaction (what ``Store.transaction()`` yields)."""

    connectors: ConnectorRegistry
    external_responses: ExternalResponseService
    workers: WorkerRegistryService

    @classmethod
    def bind(
        cls, storages: Storages, context: ServiceContext, live: LiveConnections | None = None
    ) -> UnitOfWork:
        """Services over the given storages; the registry opens live clients from ``live``."""
        return cls(
            connectors=ConnectorRegistry(storages.connectors, context, live, storages.vectors),
            external_responses=ExternalResponseService(storages.external_responses, context),
            workers=WorkerRegistryService(storages.workers, context),
        )


class Store:
    """An open store: ``.connectors``, ``.external_responses``, ``.workers``, ``transaction()``."""

    def __init__(
        self,
        backend: Backend,
        clock: Clock,
        id_factory: IdFactory,
        secret_box: SecretBox | None = None,
    ) -> None:
        self._backend = backend
        self._router = CallRouter(backend)
        self._context = ServiceContext(
            clock=clock, id_factory=id_factory, capabilities=lambda: backend.capabilities
        )
        self._secret_box = secret_box
        routed = self._sealed(self._router.routed_storages())
        self._live = LiveConnections(
            routed, self._context, in_transaction=lambda: self._router.joined is not None
        )
        services = UnitOfWork.bind(routed, self._context, self._live)
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
            storages = self._sealed(self._router.transaction_storages(opened))
            yield UnitOfWork.bind(storages, self._context, self._live)

    def _sealed(self, storages: Storages) -> Storages:
        """The storages with connector credentials sealed by the store's key (``secrets``)."""
        sealed = SealedConnectorStorage(storages.connectors, lambda: self._secret_box)
        return attrs.evolve(storages, connectors=sealed)

    def rotate_secrets(self, new_key: SecretKeys, *, batch_size: int = 100) -> int:
        """Encrypt every connector's credentials under ``new_key`` (the first key when several
        are given), ``batch_size`` connectors per unit of work where the backend has
        transactions; from then on the store reads and writes with the new key(s). Returns how
        many connectors were rewritten. Credentials stored in plaintext (before the store had
        a key) are encrypted too. Stores of other processes need the new key as well: give them
        ``[new_key, old_key]`` while they roll over."""
        batch_size = values.integer(batch_size, "batch_size")
        if not 1 <= batch_size <= values.MAX_LIMIT:
            raise ValidationError("batch_size", f"must be between 1 and {values.MAX_LIMIT}")
        new_box = SecretBox(new_key)
        old_box = self._secret_box
        # Reads of this store open both old and new tokens while the rewrite runs.
        self._secret_box = SecretBox([*new_box.keys, *(() if old_box is None else old_box.keys)])
        rewritten = 0
        after: tuple[str, str] | None = None
        while True:
            page = self._router.routed_storages().connectors.find(
                ConnectorQuery(limit=batch_size, after=after)
            )
            if not page:
                return rewritten
            rewritten += self._reseal(page, old_box, new_box)
            after = (page[-1]["name"], page[-1]["connector_id"])

    def _reseal(self, page: list[Record], old: SecretBox | None, new: SecretBox) -> int:
        """Rewrite one page's credentials under ``new``, in one unit of work if possible."""
        with ExitStack() as stack:
            storages = self._router.routed_storages()
            if TRANSACTIONS in self._backend.capabilities:
                opened = stack.enter_context(self._router.transaction())
                storages = self._router.transaction_storages(opened)
            rewritten = 0
            for record in page:
                rewritten += _reseal_one(storages.connectors, record, old, new)
            return rewritten

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
        """Wait for asynchronous invocations still running, then release the backend's
        connections; later calls raise ``StoreClosedError``."""
        if self._router.joined is None:
            self._live.close()
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


def open_store(
    url: str,
    clock: Clock | None = None,
    id_factory: IdFactory | None = None,
    *,
    secret_key: SecretKeys | None = None,
) -> Store:
    """Open the store a URL names (``memory://``, ``sqlite:///app.db``, ``mongodb://…``).

    ``clock`` returns aware datetimes (default: now in UTC); ``id_factory`` returns UUIDs
    (default: ``uuid.uuid4``). Both are drawn only by write calls. ``secret_key`` (default:
    ``$INTEGRATION_STORE_SECRET_KEY``) encrypts connector credentials at rest
    (``integration_store.secrets``).
    """
    box = box_for(secret_key)
    backend = provider_for(url).open(url)
    return Store(
        backend,
        clock=system_clock if clock is None else clock,
        id_factory=uuid.uuid4 if id_factory is None else id_factory,
        secret_box=box,
    )


def _reseal_one(
    connectors: ConnectorStorage, record: Record, old: SecretBox | None, new: SecretBox
) -> int:
    """Rewrite one connector's credentials under ``new`` (a write: its revision moves on) at
    the revision it was read at, so a config written since is never replaced by the older one;
    such a connector is read again and resealed as it is now (its credentials then sealed
    under either key: this store writes with the new one while it rotates). Returns 1 if it
    was rewritten."""
    current: Record | None = record
    either = SecretBox([*new.keys, *(() if old is None else old.keys)])
    while current is not None:
        config = resealed(current, old, new)
        if config is None:
            return 0
        changes = {"config": config}
        connector_id = current["connector_id"]
        if (
            connectors.update(connector_id, None, changes, revisions.ONE_WRITE, current["revision"])
            is not None
        ):
            return 1
        current, old = connectors.get(connector_id), either
    return 0

"""The seam between the services and a backend: narrow storage operations on records.

A backend implements one storage protocol per driver plus ``Backend`` and registers a
``BackendProvider`` under the entry-point group ``integration_store.backends``. Every domain rule
(validation, timestamps, ids, error choice, masking, merging, statistics arithmetic) stays in the
services; storage only keeps records exactly and answers the queries below in the database.

Rules every implementation follows:

* Records are ``dict`` s shaped as declared in ``integration_store.model.schema``; what a
  backend returns is a fresh dict the caller may keep or mutate, with aware UTC datetimes,
  ``uuid.UUID`` ids, plain ``int``/``float``/``bool``/``str`` and JSON fields equal *and of
  the same types* as written — or a ``StoredRecord`` (``json_copies``): the record the
  backend keeps, returned as it is, which nobody mutates (a write keeps a new one); the core
  decodes it once and hands out copies. One made by ``json_copies.kept_changed`` is neither
  changed nor copied with ``copy.copy`` afterwards: the core may read it from the object it
  kept for the record before, knowing only the fields that update changed.
* A backend never keeps the containers of a record it is given (``insert``, ``upsert_config``,
  ``changes``): it stores a copy or an encoding. The services hand the caller objects that share
  those JSON values, so a kept reference would let the caller's mutation change stored data.
* A unique-key violation raises ``ConflictError`` (the bare class); the service picks the
  specific error. A lost connection raises ``BackendUnavailableError`` with the driver's
  exception chained. No driver exception escapes.
* Strings compare and sort by code point.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

import attrs

from integration_store.live_storage import InvocationStorage, VectorStorage
from integration_store.records import Record

Changes = Mapping[str, Any]
"""Field name → new value, for an update."""

Increments = Mapping[str, int]
"""Counter field name → amount to add atomically."""

TRANSACTIONS = "transactions"
"""Capability: ``Backend.transaction()`` gives one atomic unit of work over all three drivers."""

CLAIMS = "claims"
"""Capability: ``ExternalResponseStorage.claim`` leases pending responses atomically, so two
claimants never hold one response while its lease is live (``claim_pending``, ``release`` and
``interpret(claimant=...)`` need it)."""

VECTORS = "vectors"
"""Capability: ``Storages.vectors`` keeps the vectors of builtin vector connectors."""

INVOCATIONS = "invocations"
"""Capability: ``Storages.invocations`` keeps the invocation records of serverless connectors,
so a result is found from any process."""

SKIP_LOCKED = "skip_locked"
"""Capability: claims are handed out with ``SELECT … FOR UPDATE SKIP LOCKED``, so claimants
pass over each other's locked rows instead of waiting for them (PostgreSQL, MariaDB)."""


@attrs.frozen
class ResponseCondition:
    """What a response must be for a conditional ``ExternalResponseStorage.update`` to apply.

    ``uninterpreted``: its ``interpreted_at`` is None. ``lease_holder`` (with ``live_at``):
    its ``claimed_by`` is that claimant and its ``lease_expires_at`` is after ``live_at``.
    """

    uninterpreted: bool = True
    lease_holder: str | None = None
    live_at: datetime | None = None

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether a stored record meets the condition (for backends that test it in Python)."""
        if self.uninterpreted and record["interpreted_at"] is not None:
            return False
        if self.lease_holder is None:
            return True
        expires = record["lease_expires_at"]
        return (
            record["claimed_by"] == self.lease_holder
            and expires is not None
            and self.live_at is not None
            and expires > self.live_at
        )


def claimable(record: Mapping[str, Any], interpretation_owner: str, now: datetime) -> bool:
    """Whether ``ExternalResponseStorage.claim`` may lease the record at ``now``: the owner's,
    uninterpreted, and held by no live lease (none, or one that ended at or before ``now``)."""
    expires = record["lease_expires_at"]
    return (
        record["interpretation_owner"] == interpretation_owner
        and record["interpreted_at"] is None
        and (expires is None or expires <= now)
    )


@attrs.frozen
class ConnectorQuery:
    """Filters and paging for ``ConnectorStorage.find`` (ordered by name, then connector_id).

    ``after`` is a (name, connector_id) key: only rows sorting strictly after it match (keyset
    paging, compared in the database exactly as the order compares); the service never sets
    both ``after`` and a non-zero ``offset``.
    """

    tenant_id: str | None = None
    connector_type: str | None = None
    status: str | None = None
    limit: int = 100
    offset: int = 0
    after: tuple[str, str] | None = None


@attrs.frozen
class ConnectorGroupCount:
    """One group of ``ConnectorStorage.count_groups``: connectors of one type in one status."""

    connector_type: str
    status: str
    connectors: int
    connections: int
    errors: int


class ConnectorStorage(Protocol):
    """Connector records, keyed by ``connector_id``, unique on (tenant_id, name)."""

    def insert(self, record: Record) -> None:
        """Store a new record; ``ConflictError`` when its id or (tenant_id, name) is taken."""

    def insert_many(self, records: Sequence[Record]) -> None:
        """Store new records in one round trip, all or nothing: the bare ``ConflictError`` when
        any id or (tenant_id, name) is taken (or repeated among them), and then none is stored.
        Never called with an empty sequence."""

    def get(self, connector_id: str) -> Record | None:
        """The record with that id, or None."""

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        """The tenant's record with exactly that name, or None."""

    def find(self, query: ConnectorQuery) -> list[Record]:
        """Records matching every given filter (and sorting after ``query.after``), ordered by
        (name, connector_id), then paged."""

    def update(
        self,
        connector_id: str,
        tenant_id: str | None,
        changes: Changes,
        increments: Increments,
        expected_revision: int | None = None,
    ) -> Record | None:
        """Atomically set ``changes`` and add ``increments`` (counter fields, ``revision``
        among them) in one statement.

        When ``tenant_id`` is given, a record of another tenant is left alone as if missing;
        when ``expected_revision`` is given, so is a record whose ``revision`` differs (tested
        in the same atomic step as the write). Returns the record after the change, or None
        when nothing matched.
        """

    def delete(self, connector_id: str, tenant_id: str | None) -> bool:
        """Remove the record (only within ``tenant_id`` when given); True when one was removed."""

    def delete_tenant(self, tenant_id: str) -> int:
        """Remove every record of the tenant in one operation; returns how many."""

    def count_groups(self, tenant_id: str | None) -> list[ConnectorGroupCount]:
        """Counts and counter sums grouped by (connector_type, status), computed in the backend."""


class ExternalResponseStorage(Protocol):
    """External response records, keyed by ``id`` (a UUID)."""

    def insert(self, record: Record) -> None:
        """Store a new record; ``ConflictError`` when its id is taken."""

    def insert_many(self, records: Sequence[Record]) -> None:
        """Store new records in one round trip, all or nothing: the bare ``ConflictError`` when
        any id is taken (or repeated among them), and then none is stored. Never called with an
        empty sequence."""

    def get(self, response_id: UUID) -> Record | None:
        """The record with that id, or None."""

    def update(
        self,
        response_id: UUID,
        changes: Mapping[str, Any],
        condition: ResponseCondition | None = None,
    ) -> Record | None:
        """Atomically set ``changes``, only if the stored record meets ``condition`` (when
        given), tested in the same atomic step as the write; returns the record after the
        change, or None when it is missing or does not meet the condition."""

    def find_pending(
        self,
        interpretation_owner: str,
        limit: int,
        after: tuple[datetime, UUID] | None = None,
    ) -> list[Record]:
        """The owner's records with ``interpreted_at`` None, ordered by (received_at, id.int),
        at most ``limit`` of them; with ``after``, only those sorting strictly after that
        (received_at, id) key, compared in the database exactly as the order compares."""

    def claim(
        self,
        interpretation_owner: str,
        claimant: str,
        now: datetime,
        lease_expires_at: datetime,
        limit: int,
    ) -> list[Record]:
        """Lease the first ``limit`` records that are ``claimable`` at ``now``, in pending order
        (received_at, id.int): set their ``claimed_by`` to ``claimant`` and
        ``lease_expires_at``, atomically per record, so that a record is never leased by two
        concurrent calls; returns the leased records after the change, in any order.

        Only called on backends declaring ``CLAIMS``."""


class WorkerStorage(Protocol):
    """Worker records (key ``id``) and tenant config records (key (tenant_id, worker_id))."""

    def insert_worker(self, record: Record) -> None:
        """Store a new worker; ``ConflictError`` when its id is taken."""

    def get_worker(self, worker_id: str) -> Record | None:
        """The worker with that id, or None."""

    def find_workers(self, status: str | None, public_only: bool) -> list[Record]:
        """Workers with that status (any when None), public ones only if asked, by (name, id)."""

    def update_worker(
        self,
        worker_id: str,
        changes: Changes,
        increments: Increments,
        expected_revision: int | None = None,
    ) -> Record | None:
        """Atomically set ``changes`` and add ``increments``, only to a worker whose
        ``revision`` is ``expected_revision`` when that is given (tested in the same atomic step
        as the write); returns the worker after the change, or None when nothing matched."""

    def get_config(self, tenant_id: str, worker_id: str) -> Record | None:
        """The tenant's config record for the worker, or None."""

    def upsert_config(self, insert: Record, changes: Changes, increments: Increments) -> Record:
        """One atomic upsert keyed by ``insert``'s (tenant_id, worker_id): store ``insert`` (a
        whole record) when no config exists, else set only ``changes`` on the stored one and
        add ``increments``. ``insert`` holds each incremented field at its increment (a new
        record is one step from 0), so a backend may store it by incrementing from 0. Never
        read-modify-write. Returns the stored record."""

    def update_config(
        self,
        tenant_id: str,
        worker_id: str,
        changes: Changes,
        increments: Increments,
        expected_revision: int,
    ) -> Record | None:
        """Atomically set ``changes`` and add ``increments`` on the stored config whose
        ``revision`` is ``expected_revision`` (tested in the same atomic step as the write;
        never inserts); returns it after the change, or None when nothing matched."""

    def find_configs(self, tenant_id: str) -> list[Record]:
        """Every config record of the tenant, ordered by worker_id."""


DRIVERS = ("connectors", "external_responses", "workers", "vectors", "invocations")
"""The attribute names of the storages (and of the store's services, for the first three)."""

H = TypeVar("H")


@attrs.frozen
class Storages:
    """The storages of one backend, bound to one connection or one transaction.

    The one container every backend builds, and the store wraps. ``vectors`` and
    ``invocations`` are None on a backend without the ``VECTORS`` / ``INVOCATIONS``
    capability."""

    connectors: ConnectorStorage
    external_responses: ExternalResponseStorage
    workers: WorkerStorage
    vectors: VectorStorage | None = None
    invocations: InvocationStorage | None = None

    @classmethod
    def over(
        cls,
        helper: H,
        connectors: Callable[[H], ConnectorStorage],
        external_responses: Callable[[H], ExternalResponseStorage],
        workers: Callable[[H], WorkerStorage],
        vectors: Callable[[H], VectorStorage] | None = None,
        invocations: Callable[[H], InvocationStorage] | None = None,
    ) -> Storages:
        """Storages made by classes around one shared helper (a connection, a session)."""
        return cls(
            connectors(helper),
            external_responses(helper),
            workers(helper),
            None if vectors is None else vectors(helper),
            None if invocations is None else invocations(helper),
        )

    @classmethod
    def each(cls, make: Callable[[str], Any]) -> Storages:
        """Storages whose every driver is ``make(name)`` (wrappers built the same per driver)."""
        return cls(**{driver: make(driver) for driver in DRIVERS})


class Backend(Protocol):
    """An open storage backend: storages, transactions, schema, and whether it is thread-safe.

    Joining the calling thread's transaction, nesting ``transaction()`` and serialising calls
    for engines that are not thread-safe are done by the store (``integration_store.unit_of_work``),
    not by the backend.
    """

    @property
    def capabilities(self) -> frozenset[str]:
        """Names of optional capabilities this backend has (``TRANSACTIONS``, ``CLAIMS``,
        ``SKIP_LOCKED``, ``VECTORS``, ``INVOCATIONS``)."""

    @property
    def thread_safe(self) -> bool:
        """False when the engine must not be called from two threads at once; the store then
        serialises every call and holds one lock across each transaction."""

    @property
    def storages(self) -> Storages:
        """Storages whose every call is its own atomic unit."""

    def transaction(self) -> AbstractContextManager[Storages]:
        """Storages bound to a new transaction: commit on normal exit, rollback on exception.

        Only called when ``TRANSACTIONS`` is in ``capabilities``, and never while the calling
        thread already has one open (the store joins that one instead).
        """

    def create_schema(self) -> None:
        """Create or upgrade tables/collections and indexes; idempotent."""

    def close(self) -> None:
        """Release connections; idempotent."""


class BackendProvider(Protocol):
    """What a backend package registers under the ``integration_store.backends`` entry points.

    A provider may also implement ``integration_store.test_support.TestTargets`` so the contract
    suite finds its embedded URLs and private test databases."""

    def open(self, url: str) -> Backend:
        """Open the backend the URL names (``IntegrationStoreError`` when the URL is malformed)."""


__all__ = [
    "CLAIMS",
    "DRIVERS",
    "INVOCATIONS",
    "SKIP_LOCKED",
    "TRANSACTIONS",
    "VECTORS",
    "Backend",
    "BackendProvider",
    "Changes",
    "ConnectorGroupCount",
    "ConnectorQuery",
    "ConnectorStorage",
    "ExternalResponseStorage",
    "Increments",
    "InvocationStorage",
    "ResponseCondition",
    "Storages",
    "VectorStorage",
    "WorkerStorage",
    "claimable",
]

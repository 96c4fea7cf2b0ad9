"""``WorkerRegistryService``: the worker registry and per-tenant worker configuration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from integration_store import values
from integration_store.errors import (
    ConflictError,
    ValidationError,
    WorkerAlreadyExistsError,
    WorkerNotFoundError,
)
from integration_store.model.workers import (
    AVAILABLE,
    DEPRECATED,
    Worker,
    WorkerConfig,
    WorkerStatus,
)
from integration_store.protocols import WorkerStorage
from integration_store.records import from_record, to_record
from integration_store.services import revisions, worker_views
from integration_store.services.context import ServiceContext


def _check_moats(moats: object) -> tuple[str, ...]:
    if moats is None:
        return ()
    if not isinstance(moats, list | tuple):
        raise ValidationError("moats", f"must be a list of str, not {type(moats).__name__}")
    return tuple(values.identifier(moat, f"moats[{index}]") for index, moat in enumerate(moats))


def _optional_json(value: object, field: str) -> dict[str, Any]:
    return {} if value is None else values.json_object(value, field)


_WORKER_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "name": values.identifier,
    "description": values.text,
    "version": values.text,
    "status": lambda status, field: values.enum_member(status, WorkerStatus, field).value,
    "is_public": values.boolean,
    "moats": lambda moats, _: list(_check_moats(moats)),
    "default_config": values.json_object,
    "input_schema": values.json_object,
    "output_schema": values.json_object,
    "tokens_per_run_estimate": values.integer,
    "cost_per_run_cents": values.integer,
}
"""The check of each field ``update_worker`` changes (a given value is never None)."""


class WorkerRegistryService:
    """Worker registry on any backend; lists are ordered by (name, id), configs by worker_id."""

    def __init__(self, storage: WorkerStorage, context: ServiceContext) -> None:
        self._storage = storage
        self._context = context

    # ---- queries ------------------------------------------------------------------------

    def get_worker(self, worker_id: str) -> Worker | None:
        """The worker, or None."""
        record = self._storage.get_worker(values.identifier(worker_id, "worker_id"))
        return None if record is None else from_record(record, Worker)

    def get_worker_or_raise(self, worker_id: str) -> Worker:
        """The worker, or ``WorkerNotFoundError``."""
        worker = self.get_worker(worker_id)
        if worker is None:
            raise WorkerNotFoundError(f"Worker '{worker_id}' not found")
        return worker

    def list_workers(self, status: str | None = None, public_only: bool = True) -> list[Worker]:
        """Workers with that status (any when None), public ones only by default, by (name, id)."""
        records = self._storage.find_workers(
            values.optional_text(status, "status"), values.boolean(public_only, "public_only")
        )
        return [from_record(record, Worker) for record in records]

    def list_available_workers(self) -> list[Worker]:
        """Public workers whose status is ``"available"``."""
        return self.list_workers(status=AVAILABLE)

    def is_worker_available(self, worker_id: str) -> bool:
        """True when the worker exists and its status is ``"available"``."""
        worker = self.get_worker(worker_id)
        return worker is not None and worker.status == AVAILABLE

    def get_worker_details(self, worker_id: str) -> dict[str, Any]:
        """Upstream's detail dict: summary fields plus schemas, defaults and ISO timestamps."""
        return worker_views.shape(worker_views.DETAILS, self.get_worker_or_raise(worker_id))

    def get_worker_summary(self, worker_id: str) -> dict[str, Any]:
        """Upstream's summary dict for listings."""
        return worker_views.shape(worker_views.SUMMARY, self.get_worker_or_raise(worker_id))

    def list_worker_summaries(
        self, status: str | None = None, public_only: bool = True
    ) -> list[dict[str, Any]]:
        """Summaries of ``list_workers`` (one backend call, not one per worker)."""
        return [
            worker_views.shape(worker_views.SUMMARY, worker)
            for worker in self.list_workers(status, public_only)
        ]

    # ---- management ---------------------------------------------------------------------

    def register_worker(
        self,
        worker_id: str,
        name: str,
        description: str | None = None,
        version: str = "1.0.0",
        status: str = AVAILABLE,
        is_public: bool = True,
        moats: list[str] | tuple[str, ...] | None = None,
        default_config: dict[str, Any] | None = None,
        input_schema: dict[str, Any] | None = None,
        output_schema: dict[str, Any] | None = None,
        tokens_per_run_estimate: int | None = None,
        cost_per_run_cents: int | None = None,
    ) -> Worker:
        """Add a worker; ``WorkerAlreadyExistsError`` when the id is taken."""
        worker = Worker(
            id=values.identifier(worker_id, "worker_id"),
            name=values.identifier(name, "name"),
            description=values.optional_text(description, "description"),
            version=values.text(version, "version"),
            status=values.enum_member(status, WorkerStatus, "status").value,
            is_public=values.boolean(is_public, "is_public"),
            moats=_check_moats(moats),
            default_config=_optional_json(default_config, "default_config"),
            input_schema=_optional_json(input_schema, "input_schema"),
            output_schema=_optional_json(output_schema, "output_schema"),
            tokens_per_run_estimate=values.optional_integer(
                tokens_per_run_estimate, "tokens_per_run_estimate"
            ),
            cost_per_run_cents=values.optional_integer(cost_per_run_cents, "cost_per_run_cents"),
        )
        values.check_write_size(to_record(worker))
        now = self._context.now()
        record = to_record(
            attrs.evolve(worker, created_at=now, updated_at=now, revision=revisions.FIRST)
        )
        try:
            self._storage.insert_worker(record)
        except ConflictError as conflict:
            raise WorkerAlreadyExistsError(f"Worker '{worker.id}' already exists") from conflict
        return from_record(record, Worker)

    def update_worker_status(
        self, worker_id: str, status: str, *, expected_revision: int | None = None
    ) -> Worker:
        """Set the worker's status; ``WorkerNotFoundError`` when it does not exist.

        With ``expected_revision``, only a worker still at that revision is changed; another
        raises ``StaleObjectError``.
        """
        checked_id = values.identifier(worker_id, "worker_id")
        changes = {"status": values.enum_member(status, WorkerStatus, "status").value}
        return self._write_worker(checked_id, changes, expected_revision)

    def update_worker(
        self,
        worker_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        version: str | None = None,
        status: str | None = None,
        is_public: bool | None = None,
        moats: list[str] | tuple[str, ...] | None = None,
        default_config: dict[str, Any] | None = None,
        input_schema: dict[str, Any] | None = None,
        output_schema: dict[str, Any] | None = None,
        tokens_per_run_estimate: int | None = None,
        cost_per_run_cents: int | None = None,
        expected_revision: int | None = None,
    ) -> Worker:
        """Change the worker's mutable fields in one atomic write: any argument left None keeps
        the stored value (as ``set_tenant_worker_config``). ``WorkerNotFoundError`` when it does
        not exist; with ``expected_revision``, ``StaleObjectError`` at another revision.
        """
        checked_id = values.identifier(worker_id, "worker_id")
        given = {
            "name": name,
            "description": description,
            "version": version,
            "status": status,
            "is_public": is_public,
            "moats": moats,
            "default_config": default_config,
            "input_schema": input_schema,
            "output_schema": output_schema,
            "tokens_per_run_estimate": tokens_per_run_estimate,
            "cost_per_run_cents": cost_per_run_cents,
        }
        changes = {
            field: _WORKER_CHECKS[field](value, field)
            for field, value in given.items()
            if value is not None
        }
        return self._write_worker(checked_id, changes, expected_revision)

    def _write_worker(
        self, worker_id: str, changes: dict[str, Any], expected_revision: int | None
    ) -> Worker:
        """One write of checked ``changes``: size checked, revision checked, then stamped."""
        values.check_write_size(changes)
        expected = revisions.expected(expected_revision)
        changes["updated_at"] = self._context.now()
        record = self._storage.update_worker(worker_id, changes, revisions.ONE_WRITE, expected)
        if record is not None:
            return from_record(record, Worker)
        found = None if expected is None else self._storage.get_worker(worker_id)
        if expected is None or found is None:
            raise WorkerNotFoundError(f"Worker '{worker_id}' not found")
        raise revisions.stale(f"worker {worker_id!r}", expected, found)

    def deprecate_worker(self, worker_id: str, *, expected_revision: int | None = None) -> Worker:
        """Set the worker's status to ``"deprecated"`` (``expected_revision``: as
        ``update_worker_status``)."""
        return self.update_worker_status(worker_id, DEPRECATED, expected_revision=expected_revision)

    # ---- per-tenant configuration -------------------------------------------------------

    def get_tenant_worker_config(self, tenant_id: str, worker_id: str) -> WorkerConfig | None:
        """The tenant's overrides for the worker, or None."""
        record = self._storage.get_config(
            values.identifier(tenant_id, "tenant_id"), values.identifier(worker_id, "worker_id")
        )
        return None if record is None else from_record(record, WorkerConfig)

    def set_tenant_worker_config(
        self,
        tenant_id: str,
        worker_id: str,
        enabled: bool = True,
        config: dict[str, Any] | None = None,
        brand: dict[str, Any] | None = None,
        max_runs_per_day: int | None = None,
        max_tokens_per_run: int | None = None,
        *,
        expected_revision: int | None = None,
    ) -> WorkerConfig:
        """Create or update the tenant's overrides in one atomic upsert.

        ``enabled`` is always written; any other argument left None keeps the stored value.
        ``WorkerNotFoundError`` when the worker does not exist. With ``expected_revision``, only
        an existing config still at that revision is updated (never created); a config at
        another revision, or none, raises ``StaleObjectError``.
        """
        checked_tenant = values.identifier(tenant_id, "tenant_id")
        checked_worker = values.identifier(worker_id, "worker_id")
        changes: dict[str, Any] = {"enabled": values.boolean(enabled, "enabled")}
        if config is not None:
            changes["config"] = values.json_object(config, "config")
        if brand is not None:
            changes["brand"] = values.json_object(brand, "brand")
        if max_runs_per_day is not None:
            changes["max_runs_per_day"] = values.integer(max_runs_per_day, "max_runs_per_day")
        if max_tokens_per_run is not None:
            changes["max_tokens_per_run"] = values.integer(max_tokens_per_run, "max_tokens_per_run")
        values.check_write_size(changes)
        expected = revisions.expected(expected_revision)
        self.get_worker_or_raise(checked_worker)
        now = self._context.now()
        changes["updated_at"] = now
        insert = to_record(
            WorkerConfig(
                tenant_id=checked_tenant,
                worker_id=checked_worker,
                **{key: value for key, value in changes.items() if key != "updated_at"},
                created_at=now,
                updated_at=now,
                revision=revisions.FIRST,
            )
        )
        if expected is None:
            record = self._storage.upsert_config(insert, changes, revisions.ONE_WRITE)
            return from_record(record, WorkerConfig)
        updated = self._storage.update_config(
            checked_tenant, checked_worker, changes, revisions.ONE_WRITE, expected
        )
        if updated is None:
            found = self._storage.get_config(checked_tenant, checked_worker)
            what = f"tenant {checked_tenant!r}'s config of worker {checked_worker!r}"
            raise revisions.stale(what, expected, found)
        return from_record(updated, WorkerConfig)

    def list_tenant_worker_configs(self, tenant_id: str) -> list[WorkerConfig]:
        """Every override of the tenant, ordered by worker_id."""
        records = self._storage.find_configs(values.identifier(tenant_id, "tenant_id"))
        return [from_record(record, WorkerConfig) for record in records]

    def get_effective_worker_config(self, tenant_id: str, worker_id: str) -> dict[str, Any]:
        """The worker's defaults merged with the tenant's overrides (upstream's dict shape)."""
        checked_tenant = values.identifier(tenant_id, "tenant_id")
        worker = self.get_worker_or_raise(worker_id)
        tenant_config = self.get_tenant_worker_config(checked_tenant, worker.id)
        return worker_views.effective_config(worker, tenant_config)

    def is_worker_enabled_for_tenant(self, tenant_id: str, worker_id: str) -> bool:
        """The tenant's ``enabled`` flag for the worker; True when the tenant set nothing."""
        return worker_views.is_enabled(self.get_tenant_worker_config(tenant_id, worker_id))

    def get_workers_for_tenant(
        self, tenant_id: str, include_disabled: bool = False
    ) -> list[dict[str, Any]]:
        """Available public workers with the tenant's effective settings, in two backend calls."""
        checked_tenant = values.identifier(tenant_id, "tenant_id")
        include = values.boolean(include_disabled, "include_disabled")
        workers = self.list_available_workers()
        configs = {
            record["worker_id"]: from_record(record, WorkerConfig)
            for record in self._storage.find_configs(checked_tenant)
        }
        rows = (worker_views.tenant_row(worker, configs.get(worker.id)) for worker in workers)
        return [row for row in rows if include or row["enabled"]]

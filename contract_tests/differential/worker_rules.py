"""Rules driving the worker registry: workers, their status, and per-tenant configs."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import MultipleResults, multiple, rule

from integration_store import StaleObjectError, Worker, WorkerConfig

from .. import strategies as gen
from . import arguments as a
from .harness import MachineHarness
from .outcomes import Services

JsonObject = dict[str, Any]


WORKER_DETAILS: dict[str, st.SearchStrategy[Any]] = {
    "description": st.one_of(st.none(), gen.free_text()),
    "version": gen.free_text(10),
    "status": a.worker_statuses,
    "is_public": st.booleans(),
    "moats": st.one_of(
        st.none(), st.lists(gen.identifiers(), max_size=3), st.tuples(gen.identifiers())
    ),
    "default_config": a.optional_json,
    "input_schema": a.optional_json,
    "output_schema": a.optional_json,
    "tokens_per_run_estimate": a.optional_ints,
    "cost_per_run_cents": a.optional_ints,
}
"""A worker's optional fields, for registering it and for updating it (None: left alone)."""


class WorkerRules(MachineHarness):
    """Every call of ``store.workers``, compared with the reference."""

    @rule(
        target=a.worker_ids,
        worker_id=st.one_of(gen.identifiers(), a.worker_ids),
        name=a.names,
        details=st.fixed_dictionaries({}, optional=WORKER_DETAILS),
    )
    def register_worker(
        self, worker_id: str, name: str, details: dict[str, Any]
    ) -> MultipleResults[str]:
        result = self.returned(
            self.compare(
                "register_worker", lambda s: s.workers.register_worker(worker_id, name, **details)
            )
        )
        return multiple() if result is None else multiple(result.id)

    @rule(
        worker_id=a.worker_ids,
        which=st.sampled_from(
            [
                "get_worker",
                "get_worker_or_raise",
                "is_worker_available",
                "get_worker_details",
                "get_worker_summary",
            ]
        ),
    )
    def read_worker(self, worker_id: str, which: str) -> None:
        self.compare(which, lambda s: getattr(s.workers, which)(worker_id))

    @rule(
        status=st.one_of(st.none(), a.worker_statuses),
        public_only=st.booleans(),
        which=st.sampled_from(["list_workers", "list_worker_summaries", "list_available_workers"]),
    )
    def list_workers(self, status: str | None, public_only: bool, which: str) -> None:
        if which == "list_available_workers":
            self.compare(which, lambda s: s.workers.list_available_workers())
        else:
            self.compare(which, lambda s: getattr(s.workers, which)(status, public_only))

    @rule(
        worker_id=a.worker_ids,
        status=st.one_of(a.worker_statuses, st.just(None)),
        skew=a.revision_skews,
        raced=st.booleans(),
    )
    def update_worker_status(
        self, worker_id: str, status: str | None, skew: int | None, raced: bool
    ) -> None:
        """update_worker_status / deprecate_worker at the revision read before (moved by
        ``skew``), or none; ``raced``: another write lands between the read and the update. A
        stale error is compared with the revisions it names."""

        def call(services: Services) -> Worker | a.Stale:
            found = services.workers.get_worker(worker_id)
            expected = a.expected_revision(None if found is None else found.revision, skew)
            if raced and found is not None:
                services.workers.update_worker_status(worker_id, found.status)
            try:
                if status is None:
                    return services.workers.deprecate_worker(worker_id, expected_revision=expected)
                return services.workers.update_worker_status(
                    worker_id, status, expected_revision=expected
                )
            except StaleObjectError as stale:
                return ("stale", stale.expected_revision, stale.revision)

        self.compare("deprecate_worker" if status is None else "update_worker_status", call)

    @rule(
        worker_id=a.worker_ids,
        name=st.one_of(st.none(), a.names),
        details=st.fixed_dictionaries({}, optional=WORKER_DETAILS),
        skew=a.revision_skews,
        raced=st.booleans(),
    )
    def update_worker(
        self,
        worker_id: str,
        name: str | None,
        details: dict[str, Any],
        skew: int | None,
        raced: bool,
    ) -> None:
        """update_worker of any fields, at the revision read before (moved by ``skew``) or
        none; ``raced``: another write lands between the read and the update."""

        def call(services: Services) -> Worker | a.Stale:
            found = services.workers.get_worker(worker_id)
            expected = a.expected_revision(None if found is None else found.revision, skew)
            if raced and found is not None:
                services.workers.update_worker(worker_id)
            try:
                return services.workers.update_worker(
                    worker_id, name=name, expected_revision=expected, **details
                )
            except StaleObjectError as stale:
                return ("stale", stale.expected_revision, stale.revision)

        self.compare("update_worker", call)

    @rule(
        tenant=a.tenants,
        worker_id=a.worker_ids,
        enabled=st.booleans(),
        config=a.optional_json,
        brand=a.optional_json,
        limits=st.tuples(a.optional_ints, a.optional_ints),
        skew=st.sampled_from([None, None, 0, 0, 1]),
    )
    def set_tenant_worker_config(
        self,
        tenant: str,
        worker_id: str,
        enabled: bool,
        config: JsonObject | None,
        brand: JsonObject | None,
        limits: tuple[int | None, int | None],
        skew: int | None,
    ) -> None:
        """The upsert with partial updates: None leaves the stored value alone; with an
        expected revision (the stored one, a stale one), an update only."""

        def call(services: Services) -> WorkerConfig | a.Stale:
            found = services.workers.get_tenant_worker_config(tenant, worker_id)
            expected = a.expected_revision(None if found is None else found.revision, skew)
            try:
                return services.workers.set_tenant_worker_config(
                    tenant,
                    worker_id,
                    enabled,
                    config,
                    brand,
                    limits[0],
                    limits[1],
                    expected_revision=expected,
                )
            except StaleObjectError as stale:
                return ("stale", stale.expected_revision, stale.revision)

        self.compare("set_tenant_worker_config", call)

    @rule(
        tenant=a.tenants,
        worker_id=a.worker_ids,
        which=st.sampled_from(
            [
                "get_tenant_worker_config",
                "list_tenant_worker_configs",
                "get_effective_worker_config",
                "is_worker_enabled_for_tenant",
                "get_workers_for_tenant",
                "get_workers_for_tenant(include_disabled=True)",
            ]
        ),
    )
    def read_tenant_config(self, tenant: str, worker_id: str, which: str) -> None:
        def call(services: Services) -> Any:
            registry = services.workers
            if which == "list_tenant_worker_configs":
                return registry.list_tenant_worker_configs(tenant)
            if which == "get_workers_for_tenant":
                return registry.get_workers_for_tenant(tenant)
            if which.startswith("get_workers_for_tenant("):
                return registry.get_workers_for_tenant(tenant, include_disabled=True)
            return getattr(registry, which)(tenant, worker_id)

        rows = self.returned(self.compare(which, call))
        if which == "list_tenant_worker_configs":
            assert all(row.tenant_id == tenant for row in rows or [])

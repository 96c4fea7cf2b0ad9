"""A hypothesis state machine proving that a backend returns what the memory reference returns.

``DifferentialMachine`` drives the whole public API of the three drivers against a store on the
backend under test and against a fresh ``memory://`` store, with equal ``FixedClock`` s (moved by
the same generated amounts) and equal ``SequentialIds``. After every step the two outcomes —
the return value, or the class of the raised error — must be identical all the way down
(``identical_difference``: values *and* types). Invariants after every step: pages concatenated
give the full list, statistics equal counts computed from the list, a tenant's calls never return
another tenant's rows, both stores drew the clock and the id factory equally often. Invalid
values must raise ``ValidationError`` on both, with nothing written and nothing drawn.

It is importable (``integration_store.contract.differential``) so a third-party backend, or a
test injecting faults into a wrapper backend, can reuse it::

    machine = DifferentialMachine.for_factory(lambda clock, ids: Store(MyBackend(), clock, ids))
    TestMine = machine.TestCase

or ``run_differential(store_factory, settings=...)``. The factory gets the machine's clock and id
factory and returns a ``Store``; the machine empties it with ``backend.clear_all()`` first and
never closes it (the factory's owner does).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol
from uuid import UUID

from hypothesis import HealthCheck, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from integration_store import (
    Connector,
    ConnectorConfig,
    ConnectorStats,
    ConnectorStatus,
    ConnectorType,
    ExternalResponse,
    FileConnector,
    IntegrationStoreError,
    ServerlessConnector,
    ValidationError,
    VectorConnector,
)
from integration_store.contract import strategies as gen
from integration_store.protocols import TRANSACTIONS
from integration_store.services import (
    ConnectorRegistry,
    ExternalResponseService,
    WorkerRegistryService,
)
from integration_store.services.context import Clock, IdFactory
from integration_store.store import Store, open_store
from integration_store.test_support import clear_store
from integration_store.testing import FixedClock, SequentialIds, identical_difference
from integration_store.values import COUNTER_MAX

StoreFactory = Callable[[Clock, IdFactory], Store]
"""Opens (or wraps) the store under test around the machine's clock and id factory."""

ALL = 10_000
"""The largest page: one call lists everything the machine ever creates."""


class Services(Protocol):
    """What a ``Store`` and a ``UnitOfWork`` both offer."""

    @property
    def connectors(self) -> ConnectorRegistry: ...

    @property
    def external_responses(self) -> ExternalResponseService: ...

    @property
    def workers(self) -> WorkerRegistryService: ...


Call = Callable[[Services], Any]


@dataclass
class StepTally:
    """How many generated steps were compared with the reference, and how many differed."""

    compared: int = 0
    differed: int = 0


@dataclass(frozen=True)
class Outcome:
    """What a call did: returned ``value`` or raised ``error`` (its class is what is compared)."""

    value: Any = None
    error: BaseException | None = None

    @property
    def error_class(self) -> type[BaseException] | None:
        return None if self.error is None else type(self.error)


class DifferenceFound(AssertionError):
    """The backend's outcome differs from the reference's (the machine's failure)."""


class _Abort(Exception):
    """Raised at the end of a generated transaction that must roll back."""


def outcome_of(call: Call, services: Services) -> Outcome:
    """Run the call, catching whatever it raises."""
    try:
        return Outcome(value=call(services))
    except Exception as error:  # the class is compared, driver exceptions included
        return Outcome(error=error)


def outcome_difference(actual: Outcome, expected: Outcome) -> str | None:
    """Where the backend's outcome differs from the reference's (None when identical).

    Errors compare by exact class; any error outside ``IntegrationStoreError`` is a difference
    on its own (a raw driver or Python exception escaped).
    """
    for side, result in (("backend", actual), ("reference", expected)):
        if result.error is not None and not isinstance(result.error, IntegrationStoreError):
            return f"{side} raised a raw {type(result.error).__name__}: {result.error!r}"
    if actual.error_class is not expected.error_class:
        return (
            f"backend {_describe(actual)} but reference {_describe(expected)}"
            if actual.error or expected.error
            else None
        )
    if expected.error is not None:
        return None
    return identical_difference(actual.value, expected.value, "result")


def _describe(result: Outcome) -> str:
    if result.error is None:
        return f"returned {result.value!r}"
    return f"raised {type(result.error).__name__}({result.error})"


def expected_statistics(connectors: Iterable[Connector]) -> ConnectorStats:
    """``ConnectorStats`` computed in Python from listed connectors (the invariant's oracle)."""
    rows = builtins.list(connectors)
    by_type: dict[str, int] = {}
    for connector in rows:
        by_type[connector.connector_type.value] = by_type.get(connector.connector_type.value, 0) + 1
    return ConnectorStats(
        total_connectors=len(rows),
        ready_connectors=sum(c.status is ConnectorStatus.READY for c in rows),
        connected_connectors=sum(c.status is ConnectorStatus.CONNECTED for c in rows),
        error_connectors=sum(c.status is ConnectorStatus.ERROR for c in rows),
        connectors_by_type=by_type,
        total_connections=sum(c.connection_count for c in rows),
        total_errors=sum(c.error_count for c in rows),
    )


def _stats_difference(actual: ConnectorStats, expected: ConnectorStats) -> str | None:
    # The order of connectors_by_type is the backend's; compare as dicts, types included.
    return identical_difference(actual, expected, "statistics")


# ---- strategies the rules share -------------------------------------------------------------

names = st.one_of(st.sampled_from(gen.POOL_NAMES), gen.identifiers())
optional_ids = st.one_of(st.none(), gen.identifiers())
optional_times = st.one_of(st.none(), gen.aware_datetimes())
worker_statuses = st.one_of(st.sampled_from(gen.WORKER_STATUSES), gen.free_text(8))
optional_ints = st.one_of(st.none(), gen.small_ints)
optional_json = st.one_of(st.none(), gen.json_objects(8))
counters = st.one_of(
    st.integers(min_value=0, max_value=5),
    st.sampled_from([COUNTER_MAX - 1, COUNTER_MAX]),  # the largest a connector may start with
    gen.small_ints,  # negatives and 2**63 - 1: refused
)

CONNECTOR_CLASSES: list[type[Connector]] = [
    Connector,
    VectorConnector,
    FileConnector,
    ServerlessConnector,
]


class DifferentialMachine(RuleBasedStateMachine):
    """The backend under test and the memory reference, driven by the same generated calls."""

    connector_ids = Bundle("connector_ids")
    tenants = Bundle("tenants")
    response_ids = Bundle("response_ids")
    worker_ids = Bundle("worker_ids")
    owners = Bundle("owners")

    default_store_factory: ClassVar[StoreFactory | None] = None
    default_tally: ClassVar[StepTally | None] = None

    def __init__(
        self, store_factory: StoreFactory | None = None, tally: StepTally | None = None
    ) -> None:
        super().__init__()
        factory = store_factory or type(self).default_store_factory
        if factory is None:
            raise TypeError("DifferentialMachine needs a store factory (or use for_factory)")
        self.tally = tally or type(self).default_tally or StepTally()
        self.clock = FixedClock()
        self.ids = SequentialIds()
        self.reference_clock = FixedClock()
        self.reference_ids = SequentialIds()
        self.store = factory(self.clock, self._next_backend_id)
        clear_store(self.store)
        self.reference = open_store(
            "memory://", clock=self.reference_clock, id_factory=self._next_reference_id
        )
        self.has_transactions = TRANSACTIONS in self.store.capabilities
        self.known_tenants: set[str] = set()
        self.known_owners: set[str] = set()
        self.known_responses: dict[UUID, str] = {}  # id -> interpretation owner
        self.steps = 0

    @classmethod
    def for_factory(
        cls, store_factory: StoreFactory, tally: StepTally | None = None
    ) -> type[DifferentialMachine]:
        """A subclass bound to ``store_factory`` (so its ``TestCase`` runs under unittest)."""
        return type(
            f"{cls.__name__}For{getattr(store_factory, '__name__', 'Factory')}",
            (cls,),
            {"default_store_factory": staticmethod(store_factory), "default_tally": tally},
        )

    def _next_backend_id(self) -> UUID:
        return self.ids()

    def _next_reference_id(self) -> UUID:
        return self.reference_ids()

    @initialize(start=st.sampled_from(gen.ID_STARTS))
    def choose_first_id(self, start: int) -> None:
        """Both id factories jump to the same, sometimes awkward, place (never back onto ids
        a seed already drew)."""
        start = max(start, self.ids.drawn + 1)
        self.ids = SequentialIds(start)
        self.reference_ids = SequentialIds(start)

    def teardown(self) -> None:
        self.reference.close()

    # ---- the comparison at the heart of every step ------------------------------------------

    def compare(self, label: str, call: Call) -> Outcome:
        """Run ``call`` on both stores, fail on any difference; returns the reference's outcome."""
        actual = outcome_of(call, self.store)
        expected = outcome_of(call, self.reference)
        self._record(label, outcome_difference(actual, expected))
        return expected

    def _record(self, label: str, difference: str | None) -> None:
        self.tally.compared += 1
        if difference is not None:
            self.tally.differed += 1
            note(f"{label}: {difference}")
            raise DifferenceFound(f"{label}: {difference}")

    def _value(self, outcome: Outcome) -> Any:
        return outcome.value if outcome.error is None else None

    def _remember_tenant(self, tenant: str) -> None:
        self.known_tenants.add(tenant)

    # ---- seeds: every bundle starts non-empty, with an id that does not exist ----------------

    @initialize(target=tenants, first=gen.identifiers(), second=gen.identifiers())
    def seed_tenants(self, first: str, second: str) -> Any:
        self.known_tenants.update((first, second))
        return multiple(first, second)

    @initialize(target=connector_ids, missing=st.just("missing-connector"))
    def seed_connector_ids(self, missing: str) -> str:
        return missing

    @initialize(target=worker_ids, missing=st.just("missing-worker"))
    def seed_worker_ids(self, missing: str) -> str:
        return missing

    @initialize(target=response_ids, missing=st.just(UUID(int=0)))
    def seed_response_ids(self, missing: UUID) -> UUID:
        return missing

    @initialize(target=connector_ids, tenant=gen.identifiers(), name=names)
    def seed_connector(self, tenant: str, name: str) -> Any:
        """A real row from the start, so state changes do not all hit the missing id."""
        self._remember_tenant(tenant)
        created = self._value(
            self.compare(
                "create_file_connector", lambda s: s.connectors.create_file_connector(tenant, name)
            )
        )
        return multiple(created.connector_id) if created else multiple()

    @initialize(target=worker_ids, worker_id=gen.identifiers(), name=names)
    def seed_worker(self, worker_id: str, name: str) -> Any:
        created = self._value(
            self.compare("register_worker", lambda s: s.workers.register_worker(worker_id, name))
        )
        return multiple(created.id) if created else multiple()

    @initialize(target=response_ids, owner=gen.identifiers(), raw=gen.json_objects(8))
    def seed_response(self, owner: str, raw: dict[str, Any]) -> Any:
        self.known_owners.add(owner)
        created = self._value(
            self.compare(
                "record_raw_response",
                lambda s: s.external_responses.record_raw_response("seed", raw, owner),
            )
        )
        if created is None:
            return multiple()
        self.known_responses[created.id] = owner
        return multiple(created.id)

    @initialize(target=owners, owner=gen.identifiers())
    def seed_owners(self, owner: str) -> str:
        self.known_owners.add(owner)
        return owner

    @rule(target=tenants, tenant=gen.identifiers())
    def add_tenant(self, tenant: str) -> str:
        self._remember_tenant(tenant)
        return tenant

    @rule(target=owners, owner=gen.identifiers())
    def add_owner(self, owner: str) -> str:
        self.known_owners.add(owner)
        return owner

    # ---- time ----------------------------------------------------------------------------

    @rule(delta=gen.clock_advances())
    def advance_clocks(self, delta: timedelta) -> None:
        """Both clocks move together (millisecond edges often)."""
        self.clock.advance(delta)
        self.reference_clock.advance(delta)

    # ---- connectors ----------------------------------------------------------------------

    @rule(
        target=connector_ids,
        kind=st.sampled_from(["vector", "file", "serverless"]),
        tenant=tenants,
        name=names,
        config=gen.connector_configs(),
        connector_id=st.one_of(st.none(), st.none(), gen.identifiers(), connector_ids),
        extra=st.tuples(gen.small_ints, gen.free_text(12)),
    )
    def create_connector(
        self,
        kind: str,
        tenant: str,
        name: str,
        config: Any,
        connector_id: str | None,
        extra: tuple[int, str],
    ) -> Any:
        """create_vector/file/serverless_connector, with or without an explicit id."""
        number, text = extra

        def call(services: Services) -> Connector:
            registry = services.connectors
            if kind == "vector":
                return registry.create_vector_connector(
                    tenant,
                    name,
                    config,
                    vector_dimension=number,
                    distance_metric=text,
                    connector_id=connector_id,
                )
            if kind == "file":
                return registry.create_file_connector(
                    tenant,
                    name,
                    config,
                    storage_type=text,
                    base_path=text * 2,
                    connector_id=connector_id,
                )
            return registry.create_serverless_connector(
                tenant, name, config, platform=text, region=text[:3], connector_id=connector_id
            )

        self._remember_tenant(tenant)
        result = self._value(self.compare(f"create_{kind}_connector", call))
        return multiple() if result is None else multiple(result.connector_id)

    @rule(
        target=connector_ids,
        cls=st.sampled_from(CONNECTOR_CLASSES),
        connector_id=st.one_of(gen.identifiers(), connector_ids),
        tenant=tenants,
        name=names,
        details=st.fixed_dictionaries(
            {
                "config": gen.connector_configs().map(lambda c: c or ConnectorConfig()),
                "status": gen.connector_statuses,
                "capabilities": gen.capability_lists,
                "last_connected": optional_times,
                "last_error": st.one_of(st.none(), gen.free_text()),
                "connection_count": counters,
                "error_count": counters,
                "metadata": gen.json_objects(10),
            }
        ),
        connector_type=gen.connector_types,
    )
    def register_connector(
        self,
        cls: type[Connector],
        connector_id: str,
        tenant: str,
        name: str,
        details: dict[str, Any],
        connector_type: ConnectorType,
    ) -> Any:
        """register() of a connector built directly, every field generated."""
        fields = dict(details, capabilities=tuple(details["capabilities"]))
        if cls is Connector:
            fields["connector_type"] = connector_type
        connector = cls(connector_id=connector_id, tenant_id=tenant, name=name, **fields)
        self._remember_tenant(tenant)
        result = self._value(
            self.compare(f"register({cls.__name__})", lambda s: s.connectors.register(connector))
        )
        return multiple() if result is None else multiple(result.connector_id)

    @rule(connector_id=connector_ids, scope=st.one_of(st.none(), tenants))
    def get_connector(self, connector_id: str, scope: str | None) -> None:
        outcome = self.compare("get", lambda s: s.connectors.get(connector_id, tenant_id=scope))
        found = self._value(outcome)
        if scope is not None and found is not None:
            assert found.tenant_id == scope, "get(tenant_id=) returned another tenant's row"

    @rule(tenant=tenants, name=names)
    def get_by_name(self, tenant: str, name: str) -> None:
        found = self._value(
            self.compare("get_by_name", lambda s: s.connectors.get_by_name(tenant, name))
        )
        if found is not None:
            assert (found.tenant_id, found.name) == (tenant, name)

    @rule(
        tenant=st.one_of(st.none(), tenants),
        connector_type=gen.optional_connector_types,
        status=gen.optional_connector_statuses,
        limit=gen.limits(),
        offset=gen.offsets(),
    )
    def list_connectors(
        self, tenant: str | None, connector_type: Any, status: Any, limit: int, offset: int
    ) -> None:
        """list() with every filter and random paging."""
        rows = self._value(
            self.compare(
                "list",
                lambda s: s.connectors.list(
                    tenant_id=tenant,
                    connector_type=connector_type,
                    status=status,
                    limit=limit,
                    offset=offset,
                ),
            )
        )
        for row in rows or []:
            assert tenant is None or row.tenant_id == tenant, "list() leaked another tenant"

    @rule(
        connector_id=connector_ids,
        tenant=tenants,
        action=st.sampled_from(["delete", "delete", "delete(tenant_id=)", "clear_tenant"]),
    )
    def remove(self, connector_id: str, tenant: str, action: str) -> None:
        """delete (scoped or not) or clear_tenant: one rule, so rows are not removed too often."""
        if action == "clear_tenant":
            self.compare(action, lambda s: s.connectors.clear_tenant(tenant))
        elif action == "delete":
            self.compare(action, lambda s: s.connectors.delete(connector_id))
        else:
            self.compare(action, lambda s: s.connectors.delete(connector_id, tenant_id=tenant))

    @rule(tenant=st.one_of(st.none(), tenants))
    def statistics(self, tenant: str | None) -> None:
        self.compare("get_statistics", lambda s: s.connectors.get_statistics(tenant_id=tenant))

    @rule(
        connector_id=connector_ids,
        now=optional_times,
        scope=st.one_of(st.none(), st.none(), tenants),
    )
    def record_connection(self, connector_id: str, now: Any, scope: str | None) -> None:
        self.compare(
            "record_connection",
            lambda s: s.connectors.record_connection(connector_id, now, tenant_id=scope),
        )

    @rule(
        connector_id=connector_ids,
        error=gen.free_text(),
        now=optional_times,
        scope=st.one_of(st.none(), st.none(), tenants),
    )
    def record_error(self, connector_id: str, error: str, now: Any, scope: str | None) -> None:
        self.compare(
            "record_error",
            lambda s: s.connectors.record_error(connector_id, error, now, tenant_id=scope),
        )

    @rule(connector_id=connector_ids, scope=st.one_of(st.none(), st.none(), tenants))
    def disconnect(self, connector_id: str, scope: str | None) -> None:
        self.compare("disconnect", lambda s: s.connectors.disconnect(connector_id, tenant_id=scope))

    @rule(connector_id=connector_ids, key=gen.json_keys())
    def mutate_copies(self, connector_id: str, key: str) -> None:
        """Mutating a returned object's dicts never changes stored data."""

        def call(services: Services) -> Any:
            first = services.connectors.get(connector_id)
            if first is not None:
                first.metadata[key] = ["mutated"]
                first.config.options[key] = 1
                first.config.credentials.clear()
            return services.connectors.get(connector_id)

        self.compare("get after mutating a returned copy", call)

    # ---- external responses --------------------------------------------------------------

    @rule(
        target=response_ids,
        source=gen.identifiers(),
        raw=gen.json_objects(16),
        owner=owners,
        optional=st.tuples(optional_ids, optional_ids, optional_ids),
    )
    def record_raw_response(
        self, source: str, raw: dict[str, Any], owner: str, optional: tuple[Any, Any, Any]
    ) -> Any:
        contract, request_id, run_id = optional

        def call(services: Services) -> Any:
            payload = dict(raw)
            result = services.external_responses.record_raw_response(
                source, payload, owner, contract, request_id, run_id
            )
            payload["mutated after the call"] = True  # copies in: must not reach storage
            return result

        result = self._value(self.compare("record_raw_response", call))
        if result is None:
            return multiple()
        self.known_responses[result.id] = owner
        return multiple(result.id)

    @rule(
        response_id=response_ids,
        value=gen.json_objects(12),
        by=gen.identifiers(),
    )
    def interpret(self, response_id: UUID, value: dict[str, Any], by: str) -> None:
        self.compare("interpret", lambda s: s.external_responses.interpret(response_id, value, by))

    @rule(response_id=response_ids, owner=st.one_of(owners, gen.identifiers()))
    def get_raw_for_interpretation(self, response_id: UUID, owner: str) -> None:
        self.compare(
            "get_raw_for_interpretation",
            lambda s: s.external_responses.get_raw_for_interpretation(response_id, owner),
        )

    @rule(response_id=response_ids)
    def get_interpreted(self, response_id: UUID) -> None:
        self.compare("get_interpreted", lambda s: s.external_responses.get_interpreted(response_id))

    @rule(owner=owners, limit=gen.limits())
    def pending(self, owner: str, limit: int) -> None:
        rows = self._value(
            self.compare(
                "get_pending_interpretations",
                lambda s: s.external_responses.get_pending_interpretations(owner, limit),
            )
        )
        for row in rows or []:
            assert row.interpretation_owner == owner and row.interpreted_at is None

    # ---- workers -------------------------------------------------------------------------

    @rule(
        target=worker_ids,
        worker_id=st.one_of(gen.identifiers(), worker_ids),
        name=names,
        details=st.fixed_dictionaries(
            {},
            optional={
                "description": st.one_of(st.none(), gen.free_text()),
                "version": gen.free_text(10),
                "status": worker_statuses,
                "is_public": st.booleans(),
                "moats": st.one_of(
                    st.none(), st.lists(gen.identifiers(), max_size=3), st.tuples(gen.identifiers())
                ),
                "default_config": optional_json,
                "input_schema": optional_json,
                "output_schema": optional_json,
                "tokens_per_run_estimate": optional_ints,
                "cost_per_run_cents": optional_ints,
            },
        ),
    )
    def register_worker(self, worker_id: str, name: str, details: dict[str, Any]) -> Any:
        result = self._value(
            self.compare(
                "register_worker", lambda s: s.workers.register_worker(worker_id, name, **details)
            )
        )
        return multiple() if result is None else multiple(result.id)

    @rule(
        worker_id=worker_ids,
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
        status=st.one_of(st.none(), worker_statuses),
        public_only=st.booleans(),
        which=st.sampled_from(["list_workers", "list_worker_summaries", "list_available_workers"]),
    )
    def list_workers(self, status: str | None, public_only: bool, which: str) -> None:
        if which == "list_available_workers":
            self.compare(which, lambda s: s.workers.list_available_workers())
        else:
            self.compare(which, lambda s: getattr(s.workers, which)(status, public_only))

    @rule(worker_id=worker_ids, status=st.one_of(worker_statuses, st.just(None)))
    def update_worker_status(self, worker_id: str, status: str | None) -> None:
        if status is None:
            self.compare("deprecate_worker", lambda s: s.workers.deprecate_worker(worker_id))
        else:
            self.compare(
                "update_worker_status", lambda s: s.workers.update_worker_status(worker_id, status)
            )

    @rule(
        tenant=tenants,
        worker_id=worker_ids,
        enabled=st.booleans(),
        config=optional_json,
        brand=optional_json,
        limits=st.tuples(optional_ints, optional_ints),
    )
    def set_tenant_worker_config(
        self,
        tenant: str,
        worker_id: str,
        enabled: bool,
        config: Any,
        brand: Any,
        limits: tuple[Any, Any],
    ) -> None:
        """The upsert with partial updates: None leaves the stored value alone."""
        self.compare(
            "set_tenant_worker_config",
            lambda s: s.workers.set_tenant_worker_config(
                tenant, worker_id, enabled, config, brand, limits[0], limits[1]
            ),
        )

    @rule(
        tenant=tenants,
        worker_id=worker_ids,
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

        rows = self._value(self.compare(which, call))
        if which == "list_tenant_worker_configs":
            assert all(row.tenant_id == tenant for row in rows or [])

    # ---- invalid values: ValidationError on both, nothing written, nothing drawn ------------

    @rule(
        data=st.data(),
        connector_id=connector_ids,
        tenant=tenants,
        worker_id=worker_ids,
        response_id=response_ids,
    )
    def invalid_call(
        self,
        data: st.DataObject,
        connector_id: str,
        tenant: str,
        worker_id: str,
        response_id: UUID,
    ) -> None:
        """One argument of one call is invalid; the rest name existing rows."""
        label, call = data.draw(
            invalid_calls(connector_id, tenant, worker_id, response_id), label="invalid call"
        )
        before = self.snapshot(self.store), self.snapshot(self.reference)
        draws = self._draws()
        outcome = self.compare(f"invalid {label}", call)
        if not isinstance(outcome.error, ValidationError):
            raise DifferenceFound(f"invalid {label}: reference {_describe(outcome)}")
        self._record(f"invalid {label} wrote", self._unchanged(before))
        self._record(
            f"invalid {label} drew",
            None if self._draws() == draws else f"draws {draws} -> {self._draws()}",
        )

    def _unchanged(self, before: tuple[Any, Any]) -> str | None:
        after = self.snapshot(self.store), self.snapshot(self.reference)
        return identical_difference(after[0], before[0], "backend state") or identical_difference(
            after[1], before[1], "reference state"
        )

    def _draws(self) -> tuple[int, int, int, int]:
        return (
            self.clock.readings,
            self.ids.drawn,
            self.reference_clock.readings,
            self.reference_ids.drawn,
        )

    # ---- transactions --------------------------------------------------------------------

    @precondition(lambda self: self.has_transactions)
    @rule(
        target=connector_ids,
        ending=st.sampled_from(["commit", "commit", "abort", "escape"]),
        data=st.data(),
        count=st.integers(min_value=1, max_value=5),
    )
    def transaction(self, ending: str, data: st.DataObject, count: int) -> Any:
        """A unit of work over all three drivers that commits, is aborted by the caller, or is
        rolled back by the first error of a step escaping the block; rolled back, it leaves
        nothing behind."""
        steps = [data.draw(transaction_steps(), label=f"step {i}") for i in range(count)]
        # A call on the store itself inside the block joins the unit of work in that thread.
        via_store = [data.draw(st.sampled_from([False, False, True])) for _ in steps]
        before = self.snapshot(self.store), self.snapshot(self.reference)

        def run(store: Store) -> tuple[list[Outcome], Outcome]:
            results: list[Outcome] = []

            def work(_: Services) -> None:
                with store.transaction() as tx:
                    for (_label, call), on_store in zip(steps, via_store, strict=True):
                        results.append(outcome_of(call, store if on_store else tx))
                        if ending == "escape" and results[-1].error is not None:
                            raise results[-1].error
                    if ending == "abort":
                        raise _Abort()

            whole = outcome_of(work, store)
            if isinstance(whole.error, _Abort):
                whole = Outcome(value="aborted")
            return results, whole

        actual, actual_whole = run(self.store)
        expected, expected_whole = run(self.reference)
        for (label, _), left, right in zip(steps, actual, expected, strict=False):
            self._record(f"transaction: {label}", outcome_difference(left, right))
        self._record(f"transaction ({ending})", outcome_difference(actual_whole, expected_whole))
        committed = expected_whole.error is None and ending != "abort"
        if not committed:
            self._record(f"rolled back transaction ({ending}) left", self._unchanged(before))
        kept = [result.value for result in expected if committed and result.error is None]
        for response in kept:
            if isinstance(response, ExternalResponse):
                self.known_responses[response.id] = response.interpretation_owner
        return multiple(*(row.connector_id for row in kept if isinstance(row, Connector)))

    # ---- invariants ----------------------------------------------------------------------

    def snapshot(self, services: Services) -> dict[str, Any]:
        """Everything observable about the rows the machine knows of."""
        return {
            "connectors": services.connectors.list(limit=ALL),
            "workers": services.workers.list_workers(public_only=False),
            "configs": {
                tenant: services.workers.list_tenant_worker_configs(tenant)
                for tenant in sorted(self.known_tenants)
            },
            "responses": {
                str(response_id): services.external_responses.get_raw_for_interpretation(
                    response_id, owner
                )
                for response_id, owner in sorted(self.known_responses.items())
            },
        }

    @invariant()
    def backend_matches_reference(self) -> None:
        """Lists, pages, statistics and tenant scoping agree, and equal their Python oracle."""
        self.steps += 1
        store, reference = self.store, self.reference
        full = store.connectors.list(limit=ALL)
        self._check("list()", identical_difference(full, reference.connectors.list(limit=ALL)))
        page = 1 + self.steps % 3
        paged: list[Connector] = []
        for offset in range(0, len(full) + 2 * page, page):
            rows = store.connectors.list(limit=page, offset=offset)
            paged += rows
            if len(rows) < page:
                break
        self._check(f"pages of {page}", identical_difference(paged, full, "pages"))
        self._check(
            "statistics",
            _stats_difference(store.connectors.get_statistics(), expected_statistics(full)),
        )
        for tenant in sorted(self.known_tenants):
            own = store.connectors.list(tenant_id=tenant, limit=ALL)
            mine = [connector for connector in full if connector.tenant_id == tenant]
            self._check(f"list(tenant_id={tenant!r})", identical_difference(own, mine, "tenant"))
            self._check(
                f"statistics({tenant!r})",
                _stats_difference(
                    store.connectors.get_statistics(tenant), expected_statistics(mine)
                ),
            )
            configs = store.workers.list_tenant_worker_configs(tenant)
            self._check(
                f"configs({tenant!r})",
                identical_difference(configs, reference.workers.list_tenant_worker_configs(tenant)),
            )
        for owner in sorted(self.known_owners):
            self._check(
                f"pending({owner!r})",
                identical_difference(
                    store.external_responses.get_pending_interpretations(owner, ALL),
                    reference.external_responses.get_pending_interpretations(owner, ALL),
                ),
            )
        self._check(
            "workers",
            identical_difference(
                store.workers.list_workers(public_only=False),
                reference.workers.list_workers(public_only=False),
            ),
        )
        draws = self._draws()
        self._check(
            "clock and id draws",
            None if draws[:2] == draws[2:] else f"backend {draws[:2]} vs reference {draws[2:]}",
        )

    def _check(self, label: str, difference: str | None) -> None:
        if difference is not None:
            self.tally.differed += 1
            note(f"invariant {label}: {difference}")
            raise DifferenceFound(f"invariant {label}: {difference}")


# ---- generated invalid calls and transaction steps -------------------------------------------

Labelled = tuple[str, Call]


def invalid_calls(
    connector_id: str, tenant: str, worker_id: str, response_id: UUID
) -> st.SearchStrategy[Labelled]:
    """One call of the public API with exactly one invalid argument (the others valid and, where
    they name rows, naming rows that exist), as ``(label, call)``."""
    bad_id = gen.invalid_identifiers()
    bad_json = gen.invalid_json_objects()
    bad_text = st.sampled_from(gen.INVALID_TEXT)
    bad_int = st.sampled_from([2**63, -(2**63) - 1, 1.5, "1", True, None])
    naive = st.sampled_from([datetime(2026, 1, 1), "2026-01-01T00:00:00+00:00", 1_700_000_000])

    def case(label: str, make: Callable[[Any], Call], bad: st.SearchStrategy[Any]) -> Any:
        return bad.map(lambda value: (f"{label} <- {value!r}", make(value)))

    def connector(**fields: Any) -> Connector:
        base: dict[str, Any] = {"connector_id": "new-id", "tenant_id": tenant, "name": "new name"}
        return Connector(**{**base, **fields})

    cases = [
        case("get(connector_id)", lambda v: lambda s: s.connectors.get(v), bad_id),
        case(
            "get(tenant_id=)",
            lambda v: lambda s: s.connectors.get(connector_id, tenant_id=v),
            bad_id,
        ),
        case("get_by_name(tenant)", lambda v: lambda s: s.connectors.get_by_name(v, "n"), bad_id),
        case("get_by_name(name)", lambda v: lambda s: s.connectors.get_by_name(tenant, v), bad_id),
        case("list(tenant_id)", lambda v: lambda s: s.connectors.list(tenant_id=v), bad_id),
        case(
            "list(limit)",
            lambda v: lambda s: s.connectors.list(limit=v),
            st.sampled_from(gen.INVALID_LIMITS).filter(lambda v: v is not None),
        ),
        case(
            "list(offset)",
            lambda v: lambda s: s.connectors.list(offset=v),
            st.sampled_from(gen.INVALID_OFFSETS).filter(lambda v: v is not None),
        ),
        case(
            "list(connector_type)",
            lambda v: lambda s: s.connectors.list(connector_type=v),
            st.sampled_from(gen.INVALID_ENUM_VALUES),
        ),
        case(
            "list(status)",
            lambda v: lambda s: s.connectors.list(status=v),
            st.sampled_from(gen.INVALID_ENUM_VALUES),
        ),
        case("delete", lambda v: lambda s: s.connectors.delete(v), bad_id),
        case(
            "delete(tenant_id=)",
            lambda v: lambda s: s.connectors.delete(connector_id, tenant_id=v),
            bad_id,
        ),
        case("get_statistics", lambda v: lambda s: s.connectors.get_statistics(v), bad_id),
        case("clear_tenant", lambda v: lambda s: s.connectors.clear_tenant(v), bad_id),
        case("record_connection", lambda v: lambda s: s.connectors.record_connection(v), bad_id),
        case(
            "record_connection(now)",
            lambda v: lambda s: s.connectors.record_connection(connector_id, v),
            naive,
        ),
        case(
            "record_error(error)",
            lambda v: lambda s: s.connectors.record_error(connector_id, v),
            bad_text,
        ),
        case(
            "record_error(now)",
            lambda v: lambda s: s.connectors.record_error(connector_id, "e", v),
            naive,
        ),
        case(
            "disconnect(tenant_id=)",
            lambda v: lambda s: s.connectors.disconnect(connector_id, tenant_id=v),
            bad_id,
        ),
        case(
            "create_vector_connector(tenant)",
            lambda v: lambda s: s.connectors.create_vector_connector(v, "n"),
            bad_id,
        ),
        case(
            "create_file_connector(name)",
            lambda v: lambda s: s.connectors.create_file_connector(tenant, v),
            bad_id,
        ),
        case(
            "create_serverless_connector(config)",
            lambda v: lambda s: s.connectors.create_serverless_connector(tenant, "n", v),
            gen.invalid_connector_configs(),
        ),
        case(
            "create_vector_connector(connector_id)",
            lambda v: lambda s: s.connectors.create_vector_connector(tenant, "n", connector_id=v),
            bad_id.filter(lambda v: v is not None),
        ),
        case(
            "create_vector_connector(vector_dimension)",
            lambda v: (
                lambda s: s.connectors.create_vector_connector(tenant, "n", vector_dimension=v)
            ),
            bad_int.filter(lambda v: v is not None),
        ),
        case(
            "create_file_connector(base_path)",
            lambda v: lambda s: s.connectors.create_file_connector(tenant, "n", base_path=v),
            bad_text,
        ),
        case(
            "register(metadata)",
            lambda v: lambda s: s.connectors.register(connector(metadata=v)),
            bad_json,
        ),
        case(
            "register(field)",
            lambda v: lambda s: s.connectors.register(connector(**v)),
            st.sampled_from(
                [
                    {"status": "bogus"},
                    {"connector_type": "VECTOR"},
                    {"capabilities": ("read",) * 0 + ("fly",)},
                    {"capabilities": "read"},
                    {"last_connected": datetime(2026, 1, 1)},
                    {"connection_count": 2**63},
                    {"error_count": -(2**63) - 1},
                    {"error_count": True},
                    {"last_error": "a\x00"},
                    {"connector_id": "x" * 256},
                ]
            ),
        ),
        case(
            "register(not a connector)",
            lambda v: lambda s: s.connectors.register(v),
            st.sampled_from([None, {"connector_id": "x"}, "x"]),
        ),
        case(
            "record_raw_response(source)",
            lambda v: lambda s: s.external_responses.record_raw_response(v, {}, "o"),
            bad_id,
        ),
        case(
            "record_raw_response(raw_response)",
            lambda v: lambda s: s.external_responses.record_raw_response("src", v, "o"),
            bad_json,
        ),
        case(
            "record_raw_response(interpretation_owner)",
            lambda v: lambda s: s.external_responses.record_raw_response("src", {}, v),
            bad_id,
        ),
        case(
            "record_raw_response(run_id)",
            lambda v: lambda s: s.external_responses.record_raw_response("src", {}, "o", run_id=v),
            bad_id,
        ),
        case(
            "interpret(interpreted_value)",
            lambda v: lambda s: s.external_responses.interpret(response_id, v, "by"),
            bad_json,
        ),
        case(
            "interpret(interpreted_by)",
            lambda v: lambda s: s.external_responses.interpret(response_id, {}, v),
            bad_id,
        ),
        case(
            "interpret(response_id)",
            lambda v: lambda s: s.external_responses.interpret(v, {}, "by"),
            st.sampled_from([str(response_id), response_id.int, None]),
        ),
        case(
            "get_raw_for_interpretation(expected_owner)",
            lambda v: lambda s: s.external_responses.get_raw_for_interpretation(response_id, v),
            bad_id,
        ),
        case(
            "get_interpreted(response_id)",
            lambda v: lambda s: s.external_responses.get_interpreted(v),
            st.sampled_from([str(response_id), response_id.bytes]),
        ),
        case(
            "get_pending_interpretations(owner)",
            lambda v: lambda s: s.external_responses.get_pending_interpretations(v),
            bad_id,
        ),
        case(
            "get_pending_interpretations(limit)",
            lambda v: lambda s: s.external_responses.get_pending_interpretations("o", v),
            st.sampled_from(gen.INVALID_LIMITS).filter(lambda v: v is not None),
        ),
        case(
            "register_worker(worker_id)",
            lambda v: lambda s: s.workers.register_worker(v, "n"),
            bad_id,
        ),
        case(
            "register_worker(field)",
            lambda v: lambda s: s.workers.register_worker("new-worker", "n", **v),
            st.sampled_from(
                [
                    {"description": "a\x00"},
                    {"version": 1},
                    {"status": None},
                    {"is_public": 1},
                    {"moats": ["ok", ""]},
                    {"moats": "moat"},
                    {"tokens_per_run_estimate": 2**63},
                    {"cost_per_run_cents": 0.5},
                ]
            ),
        ),
        case(
            "register_worker(default_config)",
            lambda v: lambda s: s.workers.register_worker("new-worker", "n", default_config=v),
            bad_json.filter(lambda v: v is not None),
        ),
        case(
            "update_worker_status(status)",
            lambda v: lambda s: s.workers.update_worker_status(worker_id, v),
            bad_text,
        ),
        case(
            "set_tenant_worker_config(config)",
            lambda v: lambda s: s.workers.set_tenant_worker_config(tenant, worker_id, config=v),
            bad_json.filter(lambda v: v is not None),
        ),
        case(
            "set_tenant_worker_config(brand)",
            lambda v: lambda s: s.workers.set_tenant_worker_config(tenant, worker_id, brand=v),
            bad_json.filter(lambda v: v is not None),
        ),
        case(
            "set_tenant_worker_config(enabled)",
            lambda v: lambda s: s.workers.set_tenant_worker_config(tenant, worker_id, enabled=v),
            st.sampled_from([1, None, "true"]),
        ),
        case(
            "set_tenant_worker_config(max_runs_per_day)",
            lambda v: (
                lambda s: s.workers.set_tenant_worker_config(tenant, worker_id, max_runs_per_day=v)
            ),
            bad_int.filter(lambda v: v is not None),
        ),
        case(
            "set_tenant_worker_config(tenant_id)",
            lambda v: lambda s: s.workers.set_tenant_worker_config(v, worker_id),
            bad_id,
        ),
        case(
            "get_effective_worker_config(tenant_id)",
            lambda v: lambda s: s.workers.get_effective_worker_config(v, worker_id),
            bad_id,
        ),
        case(
            "get_workers_for_tenant(include_disabled)",
            lambda v: lambda s: s.workers.get_workers_for_tenant(tenant, include_disabled=v),
            st.sampled_from([1, "yes"]),
        ),
        case(
            "list_workers(public_only)",
            lambda v: lambda s: s.workers.list_workers(public_only=v),
            st.sampled_from([0, "yes"]),
        ),
        case("get_worker(worker_id)", lambda v: lambda s: s.workers.get_worker(v), bad_id),
    ]
    return st.one_of(cases)


def transaction_steps() -> st.SearchStrategy[Labelled]:
    """Calls to run inside a generated unit of work (writes of every driver, reads of own
    writes, a caught error), drawing ids from the machine's bundles."""
    M = DifferentialMachine  # the bundles live on the class

    def step(label: str, make: Callable[..., Call], *args: st.SearchStrategy[Any]) -> Any:
        return st.tuples(*args).map(lambda values: (label, make(*values)))

    return st.one_of(
        step(
            "create_file_connector",
            lambda t, n: lambda s: s.connectors.create_file_connector(t, n),
            M.tenants,
            names,
        ),
        step(
            "record_connection",
            lambda c: lambda s: s.connectors.record_connection(c),
            M.connector_ids,
        ),
        step(
            "record_error",
            lambda c, e: lambda s: s.connectors.record_error(c, e),
            M.connector_ids,
            gen.free_text(8),
        ),
        step("disconnect", lambda c: lambda s: s.connectors.disconnect(c), M.connector_ids),
        step("delete", lambda c: lambda s: s.connectors.delete(c), M.connector_ids),
        step("clear_tenant", lambda t: lambda s: s.connectors.clear_tenant(t), M.tenants),
        step(
            "list(tenant)",
            lambda t: lambda s: s.connectors.list(tenant_id=t, limit=ALL),
            M.tenants,
        ),
        step("get", lambda c: lambda s: s.connectors.get(c), M.connector_ids),
        step("get_statistics", lambda t: lambda s: s.connectors.get_statistics(t), M.tenants),
        step(
            "register_worker",
            lambda w, n, c: lambda s: s.workers.register_worker(w, n, default_config=c),
            st.one_of(M.worker_ids, gen.identifiers()),
            names,
            optional_json,
        ),
        step(
            "update_worker_status",
            lambda w, st_: lambda s: s.workers.update_worker_status(w, st_),
            M.worker_ids,
            worker_statuses,
        ),
        step(
            "set_tenant_worker_config",
            lambda t, w, e, c: lambda s: s.workers.set_tenant_worker_config(t, w, e, c),
            M.tenants,
            M.worker_ids,
            st.booleans(),
            optional_json,
        ),
        step(
            "get_workers_for_tenant",
            lambda t: lambda s: s.workers.get_workers_for_tenant(t, include_disabled=True),
            M.tenants,
        ),
        step(
            "record_raw_response",
            lambda o, r: lambda s: s.external_responses.record_raw_response("tx", r, o),
            M.owners,
            gen.json_objects(6),
        ),
        step(
            "interpret",
            lambda r, v: lambda s: s.external_responses.interpret(r, v, "tx"),
            M.response_ids,
            gen.json_objects(6),
        ),
        step(
            "pending",
            lambda o: lambda s: s.external_responses.get_pending_interpretations(o, ALL),
            M.owners,
        ),
        step(
            "invalid get_by_name",
            lambda t: lambda s: s.connectors.get_by_name(t, "x" * 256),
            M.tenants,
        ),
    )


# ---- running it -----------------------------------------------------------------------------

CI_SETTINGS = settings(
    max_examples=20,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""A small, derandomised default for ``run_differential`` (the tests pick their own profile)."""


def run_differential(
    store_factory: StoreFactory,
    *,
    settings: settings | None = None,
    tally: StepTally | None = None,
    machine: type[DifferentialMachine] = DifferentialMachine,
) -> StepTally:
    """Run the machine against the stores ``store_factory`` opens; raises on any difference.

    Returns the tally of compared steps (also filled in when it raises, if ``tally`` is given).
    """
    tally = StepTally() if tally is None else tally
    run_state_machine_as_test(  # type: ignore[no-untyped-call]
        lambda: machine(store_factory, tally),
        settings=CI_SETTINGS if settings is None else settings,
    )
    return tally


__all__ = [
    "CI_SETTINGS",
    "DifferenceFound",
    "DifferentialMachine",
    "Outcome",
    "StepTally",
    "StoreFactory",
    "expected_statistics",
    "invalid_calls",
    "outcome_difference",
    "outcome_of",
    "run_differential",
    "transaction_steps",
]

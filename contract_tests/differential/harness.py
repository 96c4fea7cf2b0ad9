"""The machine's base: two stores driven alike, the comparison, seeds, time and invariants.

The rules of each driver (``connector_rules``, ``response_rules``, ``worker_rules``), the
invalid calls and the transactions subclass ``MachineHarness``; ``machine.DifferentialMachine``
puts them together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, ClassVar, Self, cast
from uuid import UUID

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.stateful import (
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from integration_store import Connector
from integration_store.protocols import CLAIMS, TRANSACTIONS
from integration_store.services.context import Clock, IdFactory
from integration_store.store import Store, open_store
from integration_store.test_support import clear_store
from integration_store.testing import FixedClock, SequentialIds, identical_difference

from .. import strategies as gen
from . import arguments as a
from .outcomes import (
    Call,
    DifferenceFound,
    Outcome,
    Services,
    StepTally,
    expected_statistics,
    outcome_difference,
    outcome_of,
)

StoreFactory = Callable[[Clock, IdFactory], Store]
"""Opens (or wraps) the store under test around the machine's clock and id factory."""

Snapshot = dict[str, Any]
Draws = tuple[int, int, int, int]


def empty(store: Store) -> None:
    """Remove every row of the store under test before a run (the one place that does)."""
    clear_store(store)


class MachineHarness(RuleBasedStateMachine):
    """The backend under test and the memory reference, with what every rule needs."""

    connector_ids = a.connector_ids
    tenants = a.tenants
    response_ids = a.response_ids
    worker_ids = a.worker_ids
    owners = a.owners

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
        empty(self.store)
        self.reference = open_store(
            "memory://", clock=self.reference_clock, id_factory=self._next_reference_id
        )
        self.has_transactions = TRANSACTIONS in self.store.capabilities
        self.has_claims = CLAIMS in self.store.capabilities
        self.known_tenants: set[str] = set()
        self.known_owners: set[str] = set()
        self.known_responses: dict[UUID, str] = {}  # id -> interpretation owner
        self.steps = 0

    @classmethod
    def for_factory(cls, store_factory: StoreFactory, tally: StepTally | None = None) -> type[Self]:
        """A subclass bound to ``store_factory`` (so its ``TestCase`` runs under unittest)."""
        bound = type(
            f"{cls.__name__}For{getattr(store_factory, '__name__', 'Factory')}",
            (cls,),
            {"default_store_factory": staticmethod(store_factory), "default_tally": tally},
        )
        return cast("type[Self]", bound)

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
        self.record(label, outcome_difference(actual, expected))
        return expected

    def record(self, label: str, difference: str | None, *, step: bool = True) -> None:
        """Count a comparison (``step=False``: an invariant, not a generated step); fail on a
        difference."""
        if step:
            self.tally.compared += 1
        if difference is not None:
            self.tally.differed += 1
            note(f"{label}: {difference}")
            raise DifferenceFound(f"{label}: {difference}")

    def returned(self, outcome: Outcome) -> Any:
        """What the call returned (None when it raised)."""
        return outcome.value if outcome.error is None else None

    def remember_tenant(self, tenant: str) -> None:
        self.known_tenants.add(tenant)

    def snapshot(self, services: Services) -> Snapshot:
        """Everything observable about the rows the machine knows of."""
        return {
            "connectors": services.connectors.list(limit=a.ALL),
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

    def snapshots(self) -> tuple[Snapshot, Snapshot]:
        """Both stores' snapshots, to prove later that nothing was written."""
        return self.snapshot(self.store), self.snapshot(self.reference)

    def unchanged(self, before: tuple[Snapshot, Snapshot]) -> str | None:
        """Where either store differs from its snapshot ``before`` (None when unchanged)."""
        after = self.snapshots()
        return identical_difference(after[0], before[0], "backend state") or identical_difference(
            after[1], before[1], "reference state"
        )

    def draws(self) -> Draws:
        """Clock readings and ids drawn: the backend's two, then the reference's two."""
        return (
            self.clock.readings,
            self.ids.drawn,
            self.reference_clock.readings,
            self.reference_ids.drawn,
        )

    # ---- seeds: every bundle starts non-empty, with an id that does not exist ----------------

    @initialize(target=a.tenants, first=gen.identifiers(), second=gen.identifiers())
    def seed_tenants(self, first: str, second: str) -> MultipleResults[str]:
        self.known_tenants.update((first, second))
        return multiple(first, second)

    @initialize(target=a.connector_ids, missing=st.just("missing-connector"))
    def seed_connector_ids(self, missing: str) -> str:
        return missing

    @initialize(target=a.worker_ids, missing=st.just("missing-worker"))
    def seed_worker_ids(self, missing: str) -> str:
        return missing

    @initialize(target=a.response_ids, missing=st.just(UUID(int=0)))
    def seed_response_ids(self, missing: UUID) -> UUID:
        return missing

    @initialize(target=a.connector_ids, tenant=gen.identifiers(), name=a.names)
    def seed_connector(self, tenant: str, name: str) -> MultipleResults[str]:
        """A real row from the start, so state changes do not all hit the missing id."""
        self.remember_tenant(tenant)
        created = self.returned(
            self.compare(
                "create_file_connector", lambda s: s.connectors.create_file_connector(tenant, name)
            )
        )
        return multiple(created.connector_id) if created else multiple()

    @initialize(target=a.worker_ids, worker_id=gen.identifiers(), name=a.names)
    def seed_worker(self, worker_id: str, name: str) -> MultipleResults[str]:
        created = self.returned(
            self.compare("register_worker", lambda s: s.workers.register_worker(worker_id, name))
        )
        return multiple(created.id) if created else multiple()

    @initialize(target=a.response_ids, owner=gen.identifiers(), raw=gen.json_objects(8))
    def seed_response(self, owner: str, raw: dict[str, Any]) -> MultipleResults[UUID]:
        self.known_owners.add(owner)
        created = self.returned(
            self.compare(
                "record_raw_response",
                lambda s: s.external_responses.record_raw_response("seed", raw, owner),
            )
        )
        if created is None:
            return multiple()
        self.known_responses[created.id] = owner
        return multiple(created.id)

    @initialize(target=a.owners, owner=gen.identifiers())
    def seed_owners(self, owner: str) -> str:
        self.known_owners.add(owner)
        return owner

    @rule(target=a.tenants, tenant=gen.identifiers())
    def add_tenant(self, tenant: str) -> str:
        self.remember_tenant(tenant)
        return tenant

    @rule(target=a.owners, owner=gen.identifiers())
    def add_owner(self, owner: str) -> str:
        self.known_owners.add(owner)
        return owner

    @rule(delta=gen.clock_advances())
    def advance_clocks(self, delta: timedelta) -> None:
        """Both clocks move together (millisecond edges often)."""
        self.clock.advance(delta)
        self.reference_clock.advance(delta)

    # ---- invariants ----------------------------------------------------------------------

    def _invariant(self, label: str, difference: str | None) -> None:
        self.record(f"invariant {label}", difference, step=False)

    @invariant()
    def backend_matches_reference(self) -> None:
        """Lists, pages, statistics and tenant scoping agree, and equal their Python oracle."""
        self.steps += 1
        store, reference = self.store, self.reference
        full = store.connectors.list(limit=a.ALL)
        self._invariant(
            "list()", identical_difference(full, reference.connectors.list(limit=a.ALL))
        )
        page = 1 + self.steps % 3
        paged: list[Connector] = []
        for offset in range(0, len(full) + 2 * page, page):
            rows = store.connectors.list(limit=page, offset=offset)
            paged += rows
            if len(rows) < page:
                break
        self._invariant(f"pages of {page}", identical_difference(paged, full, "pages"))
        self._invariant(
            "statistics",
            identical_difference(
                store.connectors.get_statistics(), expected_statistics(full), "statistics"
            ),
        )
        for tenant in sorted(self.known_tenants):
            own = store.connectors.list(tenant_id=tenant, limit=a.ALL)
            mine = [connector for connector in full if connector.tenant_id == tenant]
            self._invariant(
                f"list(tenant_id={tenant!r})", identical_difference(own, mine, "tenant")
            )
            self._invariant(
                f"statistics({tenant!r})",
                identical_difference(
                    store.connectors.get_statistics(tenant),
                    expected_statistics(mine),
                    "statistics",
                ),
            )
            configs = store.workers.list_tenant_worker_configs(tenant)
            self._invariant(
                f"configs({tenant!r})",
                identical_difference(configs, reference.workers.list_tenant_worker_configs(tenant)),
            )
        for owner in sorted(self.known_owners):
            self._invariant(
                f"pending({owner!r})",
                identical_difference(
                    store.external_responses.get_pending_interpretations(owner, a.ALL),
                    reference.external_responses.get_pending_interpretations(owner, a.ALL),
                ),
            )
        self._invariant(
            "workers",
            identical_difference(
                store.workers.list_workers(public_only=False),
                reference.workers.list_workers(public_only=False),
            ),
        )
        draws = self.draws()
        self._invariant(
            "clock and id draws",
            None if draws[:2] == draws[2:] else f"backend {draws[:2]} vs reference {draws[2:]}",
        )

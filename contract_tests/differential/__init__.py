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
factory and returns a ``Store``; the machine empties it with ``test_support.clear_store`` first and
never closes it (the factory's owner does).

Its parts, one job each: ``outcomes`` (what a call did, and how two outcomes compare),
``harness`` (the two stores, the comparison, seeds, time, invariants), the rules of each driver
(``connector_rules``, ``response_rules``, ``worker_rules``), ``invalid_calls`` (a declarative
table of calls with one bad argument), ``transactions`` (generated units of work) and
``machine`` (the assembled machine and ``run_differential``). Hypothesis profiles live in
``integration_store.contract.profiles``.
"""

from __future__ import annotations

from .harness import MachineHarness, StoreFactory
from .invalid_calls import INVALID_CALLS, invalid_calls
from .machine import CI_SETTINGS, DifferentialMachine, run_differential
from .outcomes import (
    DifferenceFound,
    Outcome,
    StepTally,
    expected_statistics,
    outcome_difference,
    outcome_of,
)
from .transactions import transaction_steps

__all__ = [
    "CI_SETTINGS",
    "INVALID_CALLS",
    "DifferenceFound",
    "DifferentialMachine",
    "MachineHarness",
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

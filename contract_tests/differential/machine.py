"""The differential machine assembled from its rule groups, and the function that runs it."""

from __future__ import annotations

from typing import cast

from hypothesis import settings as Settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from ..profiles import QUICK
from .connector_rules import ConnectorRules
from .harness import StoreFactory
from .invalid_calls import InvalidCallRules
from .outcomes import StepTally
from .response_rules import ExternalResponseRules
from .transactions import TransactionRules
from .vector_rules import VectorRules
from .worker_rules import WorkerRules

CI_SETTINGS = QUICK
"""``run_differential``'s default settings (``profiles.QUICK``; the suite picks its own)."""


class DifferentialMachine(
    ConnectorRules,
    ExternalResponseRules,
    WorkerRules,
    VectorRules,
    InvalidCallRules,
    TransactionRules,
):
    """The backend under test and the memory reference, driven by the same generated calls."""


def run_differential(
    store_factory: StoreFactory,
    *,
    settings: Settings | None = None,
    tally: StepTally | None = None,
    machine: type[DifferentialMachine] = DifferentialMachine,
) -> StepTally:
    """Run the machine against the stores ``store_factory`` opens; raises on any difference.

    Returns the tally of compared steps (also filled in when it raises, if ``tally`` is given).
    """
    tally = StepTally() if tally is None else tally
    # Hypothesis runs any factory returning a machine, though its annotation names the class.
    # The factory's source seeds a derandomised run: keep this lambda as it is, or the ``ci``
    # profile generates other steps than every run before it.
    factory = cast(
        "type[RuleBasedStateMachine]",
        lambda: machine(store_factory, tally),
    )
    run_state_machine_as_test(factory, settings=CI_SETTINGS if settings is None else settings)
    return tally

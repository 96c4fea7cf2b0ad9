"""What one call did on each store, and how two outcomes are compared."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from integration_store import Connector, ConnectorStats, ConnectorStatus, IntegrationStoreError
from integration_store.services import (
    ConnectorRegistry,
    ExternalResponseService,
    WorkerRegistryService,
)
from integration_store.testing import identical_difference


class Services(Protocol):
    """What a ``Store`` and a ``UnitOfWork`` both offer."""

    @property
    def connectors(self) -> ConnectorRegistry: ...

    @property
    def external_responses(self) -> ExternalResponseService: ...

    @property
    def workers(self) -> WorkerRegistryService: ...


Call = Callable[[Services], Any]
"""One call of the public API, run the same way on the backend and on the reference."""

Labelled = tuple[str, Call]
"""A call with the label its difference is reported under."""


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
            f"backend {describe(actual)} but reference {describe(expected)}"
            if actual.error or expected.error
            else None
        )
    if expected.error is not None:
        return None
    return identical_difference(actual.value, expected.value, "result")


def describe(result: Outcome) -> str:
    """The outcome in a failure message."""
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

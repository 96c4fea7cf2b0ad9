"""Templates of calls with one spoiled argument, and how a template becomes a call.

A template's positional and keyword arguments are plain values or ``Slot`` s: ``BAD`` marks the
one argument to spoil, the others name rows that exist when the call is drawn. ``invalid_calls``
holds the table of templates.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, NamedTuple, TypeAlias
from uuid import UUID

from hypothesis import strategies as st

from integration_store import Connector

from .outcomes import Call, Labelled, Services


class Existing(NamedTuple):
    """Rows that exist when an invalid call is drawn (the call's valid arguments name them)."""

    connector_id: str
    tenant: str
    worker_id: str
    response_id: UUID


class Slot(Enum):
    """A place in a template filled when the call runs."""

    BAD = "bad"
    CONNECTOR_ID = "connector_id"
    TENANT = "tenant"
    WORKER_ID = "worker_id"
    RESPONSE_ID = "response_id"


BAD, CONNECTOR_ID, TENANT, WORKER_ID, RESPONSE_ID = Slot


@dataclass(frozen=True)
class NewConnector:
    """A valid connector to register with ``fields`` laid over it (``BAD``: the spoiled value
    is itself a dict of fields)."""

    fields: Mapping[str, Any] | Slot


@dataclass(frozen=True)
class Arguments:
    """A call's arguments; ``keywords`` is ``BAD`` where the spoiled value is a dict of them."""

    positional: tuple[Any, ...] = ()
    keywords: Mapping[str, Any] | Slot = field(default_factory=dict)


def given(*positional: Any, **keywords: Any) -> Arguments:
    """The template of a call's arguments (any of them may be a ``Slot``)."""
    return Arguments(positional, keywords)


BadValues: TypeAlias = st.SearchStrategy[Any] | Callable[[Existing], st.SearchStrategy[Any]]


@dataclass(frozen=True)
class InvalidCall:
    """One row of the table: ``driver.method`` called with ``arguments``, ``BAD`` from ``bad``."""

    label: str
    method: str
    arguments: Arguments
    bad: BadValues

    def calls(self, existing: Existing) -> st.SearchStrategy[Labelled]:
        """The labelled calls this row gives once the existing rows are known."""
        bad = self.bad if isinstance(self.bad, st.SearchStrategy) else self.bad(existing)
        return bad.map(lambda value: (f"{self.label} <- {value!r}", self.call(existing, value)))

    def call(self, existing: Existing, value: Any) -> Call:
        driver, method = self.method.split(".")
        template = self.arguments

        def run(services: Services) -> Any:
            # Filled on each call, so each store gets its own objects (and a refused Connector
            # raises inside the call, where the outcome is caught).
            positional = [_fill(item, existing, value) for item in template.positional]
            keywords = (
                value
                if isinstance(template.keywords, Slot)
                else {
                    name: _fill(item, existing, value) for name, item in template.keywords.items()
                }
            )
            return getattr(getattr(services, driver), method)(*positional, **keywords)

        return run


def _fill(template: Any, existing: Existing, bad: Any) -> Any:
    if template is BAD:
        return bad
    if isinstance(template, Slot):
        return getattr(existing, template.value)
    if isinstance(template, NewConnector):
        fields = bad if isinstance(template.fields, Slot) else template.fields
        base = {"connector_id": "new-id", "tenant_id": existing.tenant, "name": "new name"}
        return Connector(**{**base, **fields})
    return copy.deepcopy(template)

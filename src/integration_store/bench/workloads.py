"""The workloads: what one operation is, for ours and for a baseline, on the seeded data.

Each workload builds its inputs before the clock starts (``prepare`` gets a tag unique to the
round and the variant, so created ids and names never collide) and returns ``op(i)``, the
``i``-th operation of a round. Ours goes through the public API only; a baseline gets the same
inputs in plain form.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, Final
from uuid import UUID

import attrs

from integration_store.model.connectors import Connector
from integration_store.store import Store

from .baseline import Baseline, ConnectorKey, PendingKey
from .dataset import (
    BIG_TENANT,
    NEW_OWNER,
    NEW_TENANT,
    PENDING_OWNER,
    SOURCE,
    connector,
    llm_payload,
    new_connector,
)
from .targets import BULK, LIST, SINGLE

PAGE: Final = 100
INTERPRETATION: Final = {"label": "spam", "score": 0.93, "reasons": ["link", "urgency"]}
INTERPRETER: Final = "classifier"

Op = Callable[[int], object]


@attrs.frozen
class Fixture:
    """What the operations of one backend work on (built once, after seeding)."""

    ops: int
    bulk_size: int
    sample_ids: list[str]
    sample_names: list[tuple[str, str]]
    tenants: list[str]
    interpret_ids: list[UUID]
    payload: dict[str, Any]
    connector_pages: list[tuple[Any, ConnectorKey | None]]
    """(ours' cursor, the baseline's key) of pages spread through the big tenant."""
    pending_pages: list[tuple[Any, PendingKey | None]]
    """The same through ``PENDING_OWNER``'s pending queue."""


def _new_connectors(tag: str, count: int) -> list[Connector]:
    rng = random.Random(tag)
    return [
        connector(rng, f"new-{tag}-{index}", NEW_TENANT, f"{tag}-{index:06d}")
        for index in range(count)
    ]


def _new_responses(fixture: Fixture, count: int) -> list[dict[str, Any]]:
    return [
        {"source": SOURCE, "raw_response": fixture.payload, "interpretation_owner": NEW_OWNER}
        for _ in range(count)
    ]


OursFactory = Callable[[Store, Fixture, str], Op]
BaselineFactory = Callable[[Baseline, Fixture, str], Op]


@attrs.frozen
class Workload:
    """One measured operation: ours, the baselines' equivalent, and (bulk) ours one by one."""

    name: str
    group: str
    ours: OursFactory
    baseline: BaselineFactory
    singles: OursFactory | None = None
    creates: bool = False
    """Whether it adds connectors (to ``NEW_TENANT``, emptied after it)."""

    def ops(self, fixture: Fixture) -> int:
        """Operations per round: one bulk call, else ``--ops``."""
        return 1 if self.group == BULK else fixture.ops


def _cycle(items: Sequence[Any]) -> Callable[[int], Any]:
    count = len(items)
    return lambda index: items[index % count]


# ---- ours ----------------------------------------------------------------------------------


def _ours_create(store: Store, fixture: Fixture, tag: str) -> Op:
    created = _cycle(_new_connectors(tag, fixture.ops))
    register = store.connectors.register
    return lambda i: register(created(i))


def _ours_get(store: Store, fixture: Fixture, tag: str) -> Op:
    ids, get = _cycle(fixture.sample_ids), store.connectors.get
    return lambda i: get(ids(i))


def _ours_get_by_name(store: Store, fixture: Fixture, tag: str) -> Op:
    names, get_by_name = _cycle(fixture.sample_names), store.connectors.get_by_name
    return lambda i: get_by_name(*names(i))


def _ours_list(store: Store, fixture: Fixture, tag: str) -> Op:
    tenants, listing = _cycle(fixture.tenants), store.connectors.list
    return lambda i: listing(tenant_id=tenants(i), limit=PAGE)


def _ours_record_connection(store: Store, fixture: Fixture, tag: str) -> Op:
    ids, record = _cycle(fixture.sample_ids), store.connectors.record_connection
    return lambda i: record(ids(i))


def _ours_record_raw_response(store: Store, fixture: Fixture, tag: str) -> Op:
    record, payload = store.external_responses.record_raw_response, fixture.payload
    return lambda i: record(SOURCE, payload, NEW_OWNER)


def _ours_pending(store: Store, fixture: Fixture, tag: str) -> Op:
    pending = store.external_responses.get_pending_interpretations
    return lambda i: pending(PENDING_OWNER, limit=PAGE)


def _ours_interpret(store: Store, fixture: Fixture, tag: str) -> Op:
    ids, interpret = _cycle(fixture.interpret_ids), store.external_responses.interpret
    return lambda i: interpret(ids(i), INTERPRETATION, INTERPRETER, reinterpret=True)


def _ours_keyset(store: Store, fixture: Fixture, tag: str) -> Op:
    pages, list_page = _cycle(fixture.connector_pages), store.connectors.list_page
    return lambda i: list_page(tenant_id=BIG_TENANT, limit=PAGE, after=pages(i)[0])


def _ours_pending_keyset(store: Store, fixture: Fixture, tag: str) -> Op:
    pages = _cycle(fixture.pending_pages)
    pending = store.external_responses.get_pending_interpretations
    return lambda i: pending(PENDING_OWNER, limit=PAGE, after=pages(i)[0])


def _ours_register_many(store: Store, fixture: Fixture, tag: str) -> Op:
    batch = _new_connectors(tag, fixture.bulk_size)
    register_many = store.connectors.register_many
    return lambda i: register_many(batch)


def _ours_register_singly(store: Store, fixture: Fixture, tag: str) -> Op:
    batch, register = _new_connectors(tag, fixture.bulk_size), store.connectors.register
    return lambda i: [register(item) for item in batch]


def _ours_record_many(store: Store, fixture: Fixture, tag: str) -> Op:
    batch = _new_responses(fixture, fixture.bulk_size)
    record_many = store.external_responses.record_raw_responses
    return lambda i: record_many(batch)


def _ours_record_singly(store: Store, fixture: Fixture, tag: str) -> Op:
    batch = _new_responses(fixture, fixture.bulk_size)
    record = store.external_responses.record_raw_response
    return lambda i: [record(**item) for item in batch]


# ---- baselines -----------------------------------------------------------------------------


def _create(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    created = _cycle([new_connector(item) for item in _new_connectors(tag, fixture.ops)])
    return lambda i: baseline.create_connector(created(i))


def _get(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    ids = _cycle(fixture.sample_ids)
    return lambda i: baseline.get(ids(i))


def _get_by_name(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    names = _cycle(fixture.sample_names)
    return lambda i: baseline.get_by_name(*names(i))


def _list(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    tenants = _cycle(fixture.tenants)
    return lambda i: baseline.list_page(tenants(i), PAGE)


def _record_connection(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    ids = _cycle(fixture.sample_ids)
    return lambda i: baseline.record_connection(ids(i))


def _record_raw_response(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    (new,) = _new_responses(fixture, 1)
    return lambda i: baseline.record_raw_response(new)


def _pending(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    return lambda i: baseline.pending_page(PENDING_OWNER, PAGE)


def _interpret(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    ids = _cycle(fixture.interpret_ids)
    return lambda i: baseline.interpret(ids(i), INTERPRETATION, INTERPRETER)


def _keyset(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    pages = _cycle(fixture.connector_pages)
    return lambda i: baseline.keyset_page(BIG_TENANT, pages(i)[1], PAGE)


def _pending_keyset(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    pages = _cycle(fixture.pending_pages)
    return lambda i: baseline.pending_keyset_page(PENDING_OWNER, pages(i)[1], PAGE)


def _create_many(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    batch = [new_connector(item) for item in _new_connectors(tag, fixture.bulk_size)]
    return lambda i: baseline.create_connectors(batch)


def _record_many(baseline: Baseline, fixture: Fixture, tag: str) -> Op:
    batch = _new_responses(fixture, fixture.bulk_size)
    return lambda i: baseline.record_raw_responses(batch)


WORKLOADS: Final = (
    Workload("get", SINGLE, _ours_get, _get),
    Workload("get_by_name", SINGLE, _ours_get_by_name, _get_by_name),
    Workload("list 100", LIST, _ours_list, _list),
    Workload("pending 100", LIST, _ours_pending, _pending),
    Workload("keyset page 100", LIST, _ours_keyset, _keyset),
    Workload("pending keyset 100", LIST, _ours_pending_keyset, _pending_keyset),
    Workload("create", SINGLE, _ours_create, _create, creates=True),
    Workload("record_connection", SINGLE, _ours_record_connection, _record_connection),
    Workload("interpret", SINGLE, _ours_interpret, _interpret),
    Workload("record_raw_response", SINGLE, _ours_record_raw_response, _record_raw_response),
    Workload("bulk connectors", BULK, _ours_register_many, _create_many,
             singles=_ours_register_singly, creates=True),
    Workload("bulk responses", BULK, _ours_record_many, _record_many,
             singles=_ours_record_singly),
)  # fmt: skip
"""Every workload, in the order they run and print: reads first, on exactly the seeded
tables; created connectors are removed after each variant that makes them. Responses cannot
be removed through the API, so the writes that add them come after ``interpret``: mongomock
scans the whole collection for its update, and the ~3,000 responses ``record_raw_response``
adds made it four times slower (a fifth of a default run's time)."""

RESPONSE_PAYLOAD_BYTES: Final = 1000


def payload() -> dict[str, Any]:
    """The ~1 KB LLM response every ``record_raw_response`` call stores."""
    return llm_payload(random.Random(42), RESPONSE_PAYLOAD_BYTES)

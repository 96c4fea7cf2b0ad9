"""The bundles and argument strategies the rules of every driver share."""

from __future__ import annotations

from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import Bundle

from integration_store import Connector, FileConnector, ServerlessConnector, VectorConnector
from integration_store.model.workers import WorkerStatus
from integration_store.values import COUNTER_MAX

from .. import strategies as gen

ALL = 10_000
"""The largest page: one call lists everything the machine ever creates."""

# Rows the machine created (or ids that exist nowhere), drawn by later rules. Bundles are found
# by name, so the rule modules and the machine class share these objects.
connector_ids: Bundle[str] = Bundle("connector_ids")
tenants: Bundle[str] = Bundle("tenants")
response_ids: Bundle[UUID] = Bundle("response_ids")
worker_ids: Bundle[str] = Bundle("worker_ids")
owners: Bundle[str] = Bundle("owners")

claimants = st.sampled_from(["worker-a", "worker-b", "worker-c"])
"""Few claimants, so claims meet each other's leases often."""
lease_seconds = st.one_of(
    st.sampled_from([0.001, 1, 60]),
    st.floats(min_value=0.001, max_value=366 * 24 * 3600, allow_nan=False),
)
"""Lease lengths: a millisecond (expired by the smallest clock step), round ones, any."""

names = st.one_of(st.sampled_from(gen.POOL_NAMES), gen.identifiers())
optional_ids = st.one_of(st.none(), gen.identifiers())
idempotency_keys = st.one_of(st.none(), st.sampled_from(["key-1", "key-2", "key-3"]))
"""Few keys, so a keyed call often repeats an earlier one (or reuses its key)."""
keyed_payloads = st.sampled_from([{}, {"n": 1}])
"""Two payloads, so a repeated key comes with the same request about half the time."""
optional_times = st.one_of(st.none(), gen.aware_datetimes())
worker_statuses = st.one_of(
    st.sampled_from(list(WorkerStatus)), st.sampled_from(gen.WORKER_STATUSES), gen.free_text(8)
)
"""The known statuses (members and text), near misses and any text (refused)."""
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

Stale = tuple[str, int, int | None]
"""A ``StaleObjectError`` as a comparable result: ("stale", expected_revision, revision)."""

revision_skews = st.sampled_from([None, 0, 0, 1, -1])
"""How an update's ``expected_revision`` relates to the stored revision: None (not given), 0
(the stored one: applied), ±1 (stale)."""


def expected_revision(stored: int | None, skew: int | None) -> int | None:
    """The ``expected_revision`` an update passes: the stored revision (1 for a missing object)
    moved by ``skew``, never below 0."""
    return None if skew is None else max(0, (1 if stored is None else stored) + skew)

"""Differences the differential state machine found, pinned as plain calls.

Each test replays the minimal sequence the machine shrank to, on the backend under test and on
the memory reference, and expects identical outcomes (value and type, or error class). Each
docstring names the backends that differed and the fix.
"""

from __future__ import annotations

from typing import Any

import attrs

from integration_store import Connector, ValidationError
from integration_store.contract.differential import Outcome, outcome_difference, outcome_of
from integration_store.store import Store
from integration_store.values import COUNTER_MAX, INT64_MAX


def _same(store: Store, reference: Store, call: Any) -> Outcome:
    """Run ``call`` on both stores; fail unless identical. Returns the reference's outcome."""
    actual = outcome_of(call, store)
    expected = outcome_of(call, reference)
    difference = outcome_difference(actual, expected)
    assert difference is None, difference
    return expected


def test_incrementing_a_counter_at_the_int64_maximum(store: Store, reference: Store) -> None:
    """Found by the machine (fixed in 89e4484): a connector registered with
    ``connection_count=2**63 - 1``, then ``record_connection`` — PostgreSQL raised a bare
    ``IntegrationStoreError`` ("bigint out of range"), MariaDB ``BackendUnavailableError``
    ("BIGINT value is out of range"), memory:// returned ``connection_count == 2**63``. Now the
    counter is refused at registration, and the largest allowed one increments identically."""
    too_big = Connector(connector_id="c", tenant_id="t", name="n", connection_count=INT64_MAX)
    refused = _same(store, reference, lambda s: s.connectors.register(too_big))
    assert isinstance(refused.error, ValidationError)
    largest = attrs.evolve(too_big, connection_count=COUNTER_MAX, error_count=COUNTER_MAX)
    _same(store, reference, lambda s: s.connectors.register(largest))
    result = _same(store, reference, lambda s: s.connectors.record_connection("c"))
    assert result.value.connection_count == COUNTER_MAX + 1
    _same(store, reference, lambda s: s.connectors.record_error("c", "e"))
    _same(store, reference, lambda s: s.connectors.get_statistics())


def test_statistics_sum_counters_beyond_the_int64_maximum(store: Store, reference: Store) -> None:
    """Found by the deep profile on sqlite:// and temp-file SQLite: two connectors registered
    with ``error_count=2**62`` (the largest allowed) make ``get_statistics()`` raise
    ``BackendUnavailableError("the database is unavailable: integer overflow")`` — SQLite's
    ``SUM()`` overflows at 2**63. Memory, PostgreSQL, MariaDB, mongomock and SecantusDB return
    ``total_errors == 2**63`` (a Python int). Fixed: SQLite sums the high and low 32 bits of
    the counters apart (``backends/sql/statements.py: summed``), and a statement error there is no
    longer reported as an outage."""
    for connector_id in ("a", "b"):
        counted = Connector(
            connector_id=connector_id,
            tenant_id="t",
            name=connector_id,
            connection_count=COUNTER_MAX,
            error_count=COUNTER_MAX,
        )
        _same(store, reference, lambda s, c=counted: s.connectors.register(c))
    totals = _same(store, reference, lambda s: s.connectors.get_statistics())
    assert totals.value.total_errors == totals.value.total_connections == 2 * COUNTER_MAX
    _same(store, reference, lambda s: s.connectors.get_statistics("t"))

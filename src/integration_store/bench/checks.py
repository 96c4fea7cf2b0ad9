"""Before timing: prove each baseline does the same work as ours on the same data.

Reads must return exactly the records ours returns (same rows, same order, same decoded values);
writes must store what ours then reads back as the baseline's own result. A mismatch stops the
run: a baseline that reads or writes something else would make every ratio meaningless.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from integration_store.errors import IntegrationStoreError
from integration_store.model.connectors import Connector
from integration_store.model.responses import ExternalResponse
from integration_store.records import Record, connector_to_record, to_record
from integration_store.store import Store

from .baseline import Baseline
from .dataset import BIG_TENANT, NEW_OWNER, NEW_TENANT, PENDING_OWNER, SOURCE, connector
from .dataset import new_connector as plain_connector
from .workloads import INTERPRETATION, INTERPRETER, PAGE, Fixture


class BaselineMismatchError(IntegrationStoreError):
    """A baseline's result differs from ours for the same call."""


def _connector(value: Connector | None) -> Record | None:
    return None if value is None else connector_to_record(value)


def _response(value: ExternalResponse | None) -> Record | None:
    return None if value is None else to_record(value)


def _records(baseline: Baseline, results: Sequence[Any]) -> list[Record]:
    return [baseline.as_record(result) for result in results]


def _expect(what: str, baseline: Baseline, ours: Any, theirs: Any) -> None:
    if ours != theirs:
        raise BaselineMismatchError(
            f"the {baseline.label} baseline differs from ours on {what}:\n"
            f"  ours:   {ours!r}\n  theirs: {theirs!r}"
        )


def check_same_results(store: Store, baseline: Baseline, fixture: Fixture) -> None:
    """Raise ``BaselineMismatchError`` unless ``baseline`` reads and writes as ours does."""
    connectors, responses = store.connectors, store.external_responses
    as_record = baseline.as_record
    connector_id = fixture.sample_ids[0]
    tenant_id, name = fixture.sample_names[0]

    _expect("get", baseline, _connector(connectors.get(connector_id)),
            as_record(baseline.get(connector_id)))  # fmt: skip
    _expect("get_by_name", baseline, _connector(connectors.get_by_name(tenant_id, name)),
            as_record(baseline.get_by_name(tenant_id, name)))  # fmt: skip
    _expect("list", baseline,
            [connector_to_record(item) for item in connectors.list(tenant_id=BIG_TENANT)],
            _records(baseline, baseline.list_page(BIG_TENANT, PAGE)))  # fmt: skip
    _expect("pending", baseline,
            [to_record(item) for item in responses.get_pending_interpretations(PENDING_OWNER)],
            _records(baseline, baseline.pending_page(PENDING_OWNER, PAGE)))  # fmt: skip
    cursor, connector_key = fixture.connector_pages[-1]
    if connector_key is not None:
        page = connectors.list_page(tenant_id=BIG_TENANT, limit=PAGE, after=cursor)
        theirs = baseline.keyset_page(BIG_TENANT, connector_key, PAGE)
        _expect("keyset page", baseline, [connector_to_record(item) for item in page.items],
                _records(baseline, theirs))  # fmt: skip
    cursor, pending_key = fixture.pending_pages[-1]
    if pending_key is not None:
        items = responses.get_pending_interpretations(PENDING_OWNER, limit=PAGE, after=cursor)
        theirs_pending = baseline.pending_keyset_page(PENDING_OWNER, pending_key, PAGE)
        _expect("pending keyset page", baseline, [to_record(item) for item in items],
                _records(baseline, theirs_pending))  # fmt: skip

    created = as_record(baseline.create_connector(plain_connector(connector(
        random.Random(baseline.label), f"check-{baseline.label}", NEW_TENANT,
        f"check-{baseline.label}"))))  # fmt: skip
    _expect("create", baseline, _connector(connectors.get(created["connector_id"])), created)
    changed = as_record(baseline.record_connection(connector_id))
    _expect("record_connection", baseline, _connector(connectors.get(connector_id)), changed)
    recorded = as_record(baseline.record_raw_response(
        {"source": SOURCE, "raw_response": fixture.payload, "interpretation_owner": NEW_OWNER}
    ))  # fmt: skip
    _expect("record_raw_response", baseline,
            _response(responses.get_raw_for_interpretation(recorded["id"], NEW_OWNER)),
            recorded)  # fmt: skip
    interpreted = as_record(baseline.interpret(recorded["id"], INTERPRETATION, INTERPRETER))
    _expect("interpret", baseline,
            _response(responses.get_raw_for_interpretation(recorded["id"], NEW_OWNER)),
            interpreted)  # fmt: skip

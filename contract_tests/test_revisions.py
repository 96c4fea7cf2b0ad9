"""Optimistic revisions: every write of a connector, worker or worker config adds one to its
``revision``; an update with ``expected_revision`` applies only to an object still at it."""

from __future__ import annotations

from typing import Any

import pytest

from integration_store import (
    TRANSACTIONS,
    ConflictError,
    Connector,
    ConnectorConfig,
    ConnectorNotFoundError,
    ConnectorStatus,
    StaleObjectError,
    ValidationError,
    WorkerNotFoundError,
)
from integration_store.store import Store
from integration_store.testing import FixedClock


def _connector(store: Store, connector_id: str = "c", tenant_id: str = "t") -> Connector:
    return store.connectors.register(
        Connector(connector_id=connector_id, tenant_id=tenant_id, name=connector_id)
    )


def test_a_registered_connector_is_at_revision_1_whatever_it_was_built_with(
    store: Store,
) -> None:
    stored = store.connectors.register(
        Connector(connector_id="c", tenant_id="t", name="C", revision=41)
    )

    assert stored.revision == 1
    assert store.connectors.get("c") == stored


def test_connectors_registered_in_a_batch_are_at_revision_1(store: Store) -> None:
    stored = store.connectors.register_many(
        [Connector(connector_id=name, tenant_id="t", name=name, revision=9) for name in "ab"]
    )

    assert [connector.revision for connector in stored] == [1, 1]
    assert [connector.revision for connector in store.connectors.list()] == [1, 1]


def test_every_connector_write_adds_one_to_its_revision(store: Store) -> None:
    _connector(store)

    revisions = [
        store.connectors.record_connection("c").revision,
        store.connectors.record_error("c", "boom").revision,
        store.connectors.disconnect("c").revision,
        store.connectors.update_status("c", ConnectorStatus.READY).revision,
        store.connectors.update_config("c", ConnectorConfig(endpoint="https://x")).revision,
        store.connectors.update_metadata("c", {"team": "ops"}).revision,
    ]

    assert revisions == [2, 3, 4, 5, 6, 7]
    stored = store.connectors.get("c")
    assert stored is not None and stored.revision == 7


def test_an_update_at_the_expected_revision_is_applied(store: Store, clock: FixedClock) -> None:
    _connector(store)
    later = clock.advance()

    updated = store.connectors.update_config(
        "c", ConnectorConfig(endpoint="https://x", credentials={"k": "v"}), expected_revision=1
    )

    assert (updated.revision, updated.updated_at) == (2, later)
    assert updated.config == ConnectorConfig(endpoint="https://x", credentials={"k": "v"})
    assert store.connectors.get("c") == updated


def test_the_update_calls_change_only_their_own_field(store: Store) -> None:
    registered = _connector(store)

    store.connectors.update_status("c", "ready", expected_revision=1)
    store.connectors.update_metadata("c", {"a": [1, 2.5]}, expected_revision=2)

    stored = store.connectors.get("c")
    assert stored is not None
    assert (stored.status, stored.metadata, stored.config) == (
        ConnectorStatus.READY,
        {"a": [1, 2.5]},
        registered.config,
    )
    assert (stored.connection_count, stored.error_count) == (0, 0)


@pytest.mark.parametrize(
    "update",
    [
        lambda store, expected: store.connectors.update_status(
            "c", ConnectorStatus.READY, expected_revision=expected
        ),
        lambda store, expected: store.connectors.update_config(
            "c", ConnectorConfig(timeout_seconds=5), expected_revision=expected
        ),
        lambda store, expected: store.connectors.update_metadata(
            "c", {"x": 1}, expected_revision=expected
        ),
    ],
    ids=["status", "config", "metadata"],
)
def test_a_connector_update_at_another_revision_is_stale_and_writes_nothing(
    store: Store, update: Any
) -> None:
    _connector(store)
    before = store.connectors.record_connection("c")

    with pytest.raises(StaleObjectError) as raised:
        update(store, 1)

    assert isinstance(raised.value, ConflictError)
    assert (raised.value.expected_revision, raised.value.revision) == (1, 2)
    assert "'c'" in str(raised.value)
    assert store.connectors.get("c") == before


def test_two_writers_holding_one_revision_cannot_both_update(store: Store) -> None:
    seen = _connector(store).revision

    store.connectors.update_metadata("c", {"writer": 1}, expected_revision=seen)
    with pytest.raises(StaleObjectError):
        store.connectors.update_metadata("c", {"writer": 2}, expected_revision=seen)

    stored = store.connectors.get("c")
    assert stored is not None and (stored.metadata, stored.revision) == ({"writer": 1}, 2)


def test_an_update_of_a_missing_connector_is_not_found_even_with_a_revision(
    store: Store,
) -> None:
    with pytest.raises(ConnectorNotFoundError):
        store.connectors.update_status("missing", ConnectorStatus.READY, expected_revision=1)
    with pytest.raises(ConnectorNotFoundError):
        store.connectors.update_metadata("missing", {})


def test_another_tenants_connector_is_not_found_not_stale(store: Store) -> None:
    _connector(store, tenant_id="other")

    with pytest.raises(ConnectorNotFoundError):
        store.connectors.update_status("c", "ready", tenant_id="t", expected_revision=5)

    stored = store.connectors.get("c")
    assert stored is not None and stored.revision == 1


@pytest.mark.parametrize("bad", [-1, True, 1.0, "1", 2**63])
def test_a_bad_expected_revision_is_refused_naming_it(
    store: Store, clock: FixedClock, bad: object
) -> None:
    _connector(store)
    before = clock.readings

    with pytest.raises(ValidationError) as raised:
        store.connectors.update_status("c", "ready", expected_revision=bad)  # type: ignore[arg-type]

    assert raised.value.field == "expected_revision"
    assert clock.readings == before
    stored = store.connectors.get("c")
    assert stored is not None and stored.revision == 1


def test_bad_update_values_are_refused_naming_the_field(store: Store) -> None:
    _connector(store)

    with pytest.raises(ValidationError) as status:
        store.connectors.update_status("c", "sleeping")
    with pytest.raises(ValidationError) as config:
        store.connectors.update_config("c", {"endpoint": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as metadata:
        store.connectors.update_metadata("c", {"n": float("nan")})

    assert (status.value.field, config.value.field) == ("status", "config")
    assert metadata.value.field.startswith("metadata")


def test_the_update_copies_what_it_is_given(store: Store) -> None:
    _connector(store)
    metadata: dict[str, Any] = {"tags": ["a"]}

    returned = store.connectors.update_metadata("c", metadata)
    metadata["tags"].append("b")
    returned.metadata["tags"].append("c")

    stored = store.connectors.get("c")
    assert stored is not None and stored.metadata == {"tags": ["a"]}


# ---- workers ------------------------------------------------------------------------------


def test_a_worker_is_registered_at_revision_1_and_each_status_change_adds_one(
    store: Store,
) -> None:
    registered = store.workers.register_worker("w", "W")

    changed = store.workers.update_worker_status("w", "maintenance")
    deprecated = store.workers.deprecate_worker("w")

    assert (registered.revision, changed.revision, deprecated.revision) == (1, 2, 3)
    assert store.workers.get_worker("w") == deprecated


def test_a_worker_update_at_the_expected_revision_is_applied(store: Store) -> None:
    store.workers.register_worker("w", "W")

    updated = store.workers.update_worker_status("w", "maintenance", expected_revision=1)
    deprecated = store.workers.deprecate_worker("w", expected_revision=2)

    assert (updated.status, updated.revision) == ("maintenance", 2)
    assert (deprecated.status, deprecated.revision) == ("deprecated", 3)


def test_a_worker_update_at_another_revision_is_stale_and_writes_nothing(store: Store) -> None:
    store.workers.register_worker("w", "W")
    before = store.workers.update_worker_status("w", "maintenance")

    with pytest.raises(StaleObjectError) as raised:
        store.workers.deprecate_worker("w", expected_revision=1)

    assert (raised.value.expected_revision, raised.value.revision) == (1, 2)
    assert store.workers.get_worker("w") == before


def test_a_missing_worker_is_not_found_even_with_a_revision(store: Store) -> None:
    with pytest.raises(WorkerNotFoundError):
        store.workers.update_worker_status("missing", "maintenance", expected_revision=1)


def test_a_bad_expected_revision_of_a_worker_is_refused_naming_it(store: Store) -> None:
    store.workers.register_worker("w", "W")

    with pytest.raises(ValidationError) as raised:
        store.workers.deprecate_worker("w", expected_revision=-1)

    assert raised.value.field == "expected_revision"


# ---- worker configs -----------------------------------------------------------------------


def test_a_config_is_created_at_revision_1_and_each_upsert_adds_one(store: Store) -> None:
    store.workers.register_worker("w", "W")

    created = store.workers.set_tenant_worker_config("t", "w")
    updated = store.workers.set_tenant_worker_config("t", "w", config={"a": 1})
    again = store.workers.set_tenant_worker_config("t", "w", enabled=False)

    assert (created.revision, updated.revision, again.revision) == (1, 2, 3)
    assert store.workers.list_tenant_worker_configs("t") == [again]


def test_a_config_update_at_the_expected_revision_is_applied(store: Store) -> None:
    store.workers.register_worker("w", "W")
    store.workers.set_tenant_worker_config("t", "w", config={"a": 1}, max_runs_per_day=5)

    updated = store.workers.set_tenant_worker_config(
        "t", "w", brand={"color": "red"}, expected_revision=1
    )

    assert (updated.config, updated.brand, updated.max_runs_per_day) == (
        {"a": 1},
        {"color": "red"},
        5,
    )
    assert updated.revision == 2
    assert store.workers.get_tenant_worker_config("t", "w") == updated


def test_a_config_update_at_another_revision_is_stale_and_writes_nothing(store: Store) -> None:
    store.workers.register_worker("w", "W")
    store.workers.set_tenant_worker_config("t", "w")
    before = store.workers.set_tenant_worker_config("t", "w", config={"a": 1})

    with pytest.raises(StaleObjectError) as raised:
        store.workers.set_tenant_worker_config("t", "w", config={"b": 2}, expected_revision=1)

    assert (raised.value.expected_revision, raised.value.revision) == (1, 2)
    assert store.workers.get_tenant_worker_config("t", "w") == before


def test_an_expected_revision_never_creates_a_config(store: Store) -> None:
    store.workers.register_worker("w", "W")

    with pytest.raises(StaleObjectError) as raised:
        store.workers.set_tenant_worker_config("t", "w", expected_revision=0)

    assert (raised.value.expected_revision, raised.value.revision) == (0, None)
    assert store.workers.get_tenant_worker_config("t", "w") is None


def test_a_config_of_a_missing_worker_is_not_found_even_with_a_revision(store: Store) -> None:
    with pytest.raises(WorkerNotFoundError):
        store.workers.set_tenant_worker_config("t", "missing", expected_revision=1)


# ---- transactions -------------------------------------------------------------------------


@pytest.mark.requires(TRANSACTIONS)
def test_a_rolled_back_update_leaves_the_revision_as_it_was(store: Store) -> None:
    _connector(store)
    store.workers.register_worker("w", "W")
    store.workers.set_tenant_worker_config("t", "w")

    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.connectors.update_metadata("c", {"a": 1}, expected_revision=1)
        tx.workers.deprecate_worker("w", expected_revision=1)
        tx.workers.set_tenant_worker_config("t", "w", enabled=False, expected_revision=1)
        raise RuntimeError("roll back")

    connector, worker = store.connectors.get("c"), store.workers.get_worker("w")
    config = store.workers.get_tenant_worker_config("t", "w")
    assert connector is not None and worker is not None and config is not None
    assert (connector.revision, worker.revision, config.revision) == (1, 1, 1)


@pytest.mark.requires(TRANSACTIONS)
def test_a_stale_update_inside_a_transaction_leaves_it_usable(store: Store) -> None:
    _connector(store)

    with store.transaction() as tx:
        with pytest.raises(StaleObjectError):
            tx.connectors.update_status("c", "ready", expected_revision=7)
        tx.connectors.update_status("c", "ready", expected_revision=1)

    stored = store.connectors.get("c")
    assert stored is not None and (stored.status, stored.revision) == (ConnectorStatus.READY, 2)

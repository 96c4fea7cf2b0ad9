"""Connector state changes: counters, status, timestamps, tenant gate, unknown ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from integration_store import (
    Connector,
    ConnectorNotFoundError,
    ConnectorStatus,
    ValidationError,
    VectorConnector,
)
from integration_store.store import Store
from integration_store.testing import DEFAULT_START, FixedClock, assert_identical


@pytest.fixture
def registered(store: Store) -> Store:
    store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
    return store


def test_record_connection_counts_and_marks_connected(registered: Store, clock: FixedClock) -> None:
    later = clock.advance(timedelta(seconds=5))

    first = registered.connectors.record_connection("c")
    second = registered.connectors.record_connection("c")

    assert second.connection_count == 2 and first.connection_count == 1
    assert second.status is ConnectorStatus.CONNECTED
    assert second.last_connected == later and second.updated_at == later
    assert second.created_at == DEFAULT_START
    assert isinstance(second, VectorConnector)
    assert_identical(registered.connectors.get("c"), second)


def test_record_connection_takes_an_explicit_aware_now(registered: Store) -> None:
    now = datetime(2030, 6, 1, 12, 0, 0, 123999, tzinfo=timezone(timedelta(hours=2)))

    updated = registered.connectors.record_connection("c", now=now)

    assert updated.last_connected == datetime(2030, 6, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert updated.last_connected is not None and updated.last_connected.tzinfo is UTC


def test_record_connection_rejects_a_naive_now(registered: Store) -> None:
    with pytest.raises(ValidationError) as raised:
        registered.connectors.record_connection("c", now=datetime(2030, 1, 1))

    assert raised.value.field == "now"
    stored = registered.connectors.get("c")
    assert stored is not None and stored.connection_count == 0


def test_record_error_counts_and_keeps_the_message(registered: Store) -> None:
    registered.connectors.record_error("c", "boom")
    updated = registered.connectors.record_error("c", "timeout \x01 ☃")

    assert updated.error_count == 2
    assert updated.last_error == "timeout \x01 ☃"
    assert updated.status is ConnectorStatus.ERROR
    assert updated.connection_count == 0


def test_disconnect_marks_disconnected_and_touches_updated_at(
    registered: Store, clock: FixedClock
) -> None:
    registered.connectors.record_connection("c")
    later = clock.advance(timedelta(minutes=1))

    updated = registered.connectors.disconnect("c")

    assert updated.status is ConnectorStatus.DISCONNECTED
    assert updated.updated_at == later
    assert updated.connection_count == 1
    assert updated.last_connected == DEFAULT_START


@pytest.mark.parametrize("action", ["record_connection", "record_error", "disconnect"])
def test_state_changes_of_an_unknown_id_raise_not_found(store: Store, action: str) -> None:
    call = getattr(store.connectors, action)
    args = ("missing", "err") if action == "record_error" else ("missing",)

    with pytest.raises(ConnectorNotFoundError) as raised:
        call(*args)

    assert raised.value.connector_id == "missing"


@pytest.mark.parametrize("action", ["record_connection", "record_error", "disconnect"])
def test_state_changes_scoped_to_another_tenant_touch_nothing(
    registered: Store, action: str
) -> None:
    call = getattr(registered.connectors, action)
    args = ("c", "err") if action == "record_error" else ("c",)
    before = registered.connectors.get("c")

    with pytest.raises(ConnectorNotFoundError):
        call(*args, tenant_id="other")

    assert_identical(registered.connectors.get("c"), before)
    call(*args, tenant_id="t")


def test_counters_survive_a_status_change(registered: Store) -> None:
    registered.connectors.record_connection("c")
    registered.connectors.record_error("c", "e")
    registered.connectors.disconnect("c")
    final = registered.connectors.record_connection("c")

    assert (final.connection_count, final.error_count) == (2, 1)
    assert final.last_error == "e"
    assert final.status is ConnectorStatus.CONNECTED


def test_state_changes_do_not_touch_other_connectors(registered: Store) -> None:
    registered.connectors.register(Connector(connector_id="other", tenant_id="t", name="o"))

    registered.connectors.record_connection("c")

    other = registered.connectors.get("other")
    assert other is not None and other.connection_count == 0
    assert other.status is ConnectorStatus.REGISTERED

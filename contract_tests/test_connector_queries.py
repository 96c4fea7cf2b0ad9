"""Looking connectors up: tenant scoping, ordering, filters, paging, statistics, removal."""

from __future__ import annotations

import pytest

from integration_store import (
    Connector,
    ConnectorStats,
    ConnectorStatus,
    ConnectorType,
    ValidationError,
)
from integration_store.store import Store
from integration_store.testing import assert_identical


def _add(store: Store, connector_id: str, tenant: str, name: str, **fields: object) -> None:
    store.connectors.register(
        Connector(connector_id=connector_id, tenant_id=tenant, name=name, **fields)  # type: ignore[arg-type]
    )


@pytest.fixture
def populated(store: Store) -> Store:
    _add(store, "b2", "t1", "beta", connector_type=ConnectorType.HTTP, status=ConnectorStatus.READY)
    _add(store, "a1", "t1", "alpha", connector_type=ConnectorType.SQL, status=ConnectorStatus.READY)
    _add(store, "z9", "t2", "alpha", connector_type=ConnectorType.SQL, status=ConnectorStatus.ERROR)
    _add(
        store,
        "c3",
        "t1",
        "Gamma",
        connector_type=ConnectorType.SQL,
        connection_count=5,
        error_count=2,
    )
    _add(
        store,
        "d4",
        "t2",
        "alpha2",
        connector_type=ConnectorType.MCP,
        status=ConnectorStatus.CONNECTED,
    )
    _add(store, "a0", "t3", "alpha", connector_type=ConnectorType.HTTP, connection_count=1)
    return store


def _ids(connectors: list[Connector]) -> list[str]:
    return [connector.connector_id for connector in connectors]


def test_list_is_ordered_by_name_then_connector_id_in_code_point_order(populated: Store) -> None:
    assert _ids(populated.connectors.list()) == ["c3", "a0", "a1", "z9", "d4", "b2"]


def test_list_filters_by_tenant(populated: Store) -> None:
    assert _ids(populated.connectors.list(tenant_id="t2")) == ["z9", "d4"]
    assert populated.connectors.list(tenant_id="nobody") == []


def test_list_filters_by_type_and_status_together(populated: Store) -> None:
    assert _ids(populated.connectors.list(connector_type=ConnectorType.SQL)) == ["c3", "a1", "z9"]
    assert _ids(populated.connectors.list(status=ConnectorStatus.READY)) == ["a1", "b2"]
    assert _ids(
        populated.connectors.list(
            tenant_id="t1", connector_type=ConnectorType.SQL, status=ConnectorStatus.READY
        )
    ) == ["a1"]


def test_list_accepts_enum_values_as_strings(populated: Store) -> None:
    assert _ids(populated.connectors.list(connector_type="sql", status="ready")) == ["a1"]  # type: ignore[arg-type]


def test_list_pages_concatenate_to_the_full_list(populated: Store) -> None:
    full = populated.connectors.list()

    pages = [populated.connectors.list(limit=4, offset=offset) for offset in (0, 4, 8)]

    assert [len(page) for page in pages] == [4, 2, 0]
    assert_identical(pages[0] + pages[1], full)


def test_list_default_limit_is_100(store: Store) -> None:
    for index in range(101):
        _add(store, f"c{index:03d}", "t", f"n{index:03d}")

    assert len(store.connectors.list()) == 100
    assert _ids(store.connectors.list(offset=100)) == ["c100"]


@pytest.mark.parametrize(
    ("limit", "offset", "field"),
    [
        (0, 0, "limit"),
        (10_001, 0, "limit"),
        (-1, 0, "limit"),
        (10, -1, "offset"),
        (1.5, 0, "limit"),
        (True, 0, "limit"),
    ],
)
def test_list_rejects_limits_outside_1_to_10000_and_negative_offsets(
    store: Store, limit: object, offset: object, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        store.connectors.list(limit=limit, offset=offset)  # type: ignore[arg-type]

    assert raised.value.field == field


def test_list_accepts_the_limit_bounds(populated: Store) -> None:
    assert len(populated.connectors.list(limit=1)) == 1
    assert len(populated.connectors.list(limit=10_000)) == 6


def test_get_with_tenant_returns_none_for_another_tenants_connector(populated: Store) -> None:
    assert populated.connectors.get("z9", tenant_id="t1") is None
    found = populated.connectors.get("z9", tenant_id="t2")
    assert found is not None and found.name == "alpha"


def test_get_by_name_is_scoped_to_the_tenant(populated: Store) -> None:
    found = populated.connectors.get_by_name("t3", "alpha")
    assert found is not None and found.connector_id == "a0"
    assert populated.connectors.get_by_name("t3", "beta") is None
    assert populated.connectors.get_by_name("t1", "ALPHA") is None


def test_get_of_unknown_id_is_none(store: Store) -> None:
    assert store.connectors.get("missing") is None


def test_statistics_over_all_tenants(populated: Store) -> None:
    assert_identical(
        populated.connectors.get_statistics(),
        ConnectorStats(
            total_connectors=6,
            ready_connectors=2,
            connected_connectors=1,
            error_connectors=1,
            connectors_by_type={"http": 2, "sql": 3, "mcp": 1},
            total_connections=6,
            total_errors=2,
        ),
    )


def test_statistics_of_one_tenant_list_only_types_present(populated: Store) -> None:
    stats = populated.connectors.get_statistics(tenant_id="t1")

    assert_identical(
        stats,
        ConnectorStats(
            total_connectors=3,
            ready_connectors=2,
            connected_connectors=0,
            error_connectors=0,
            connectors_by_type={"http": 1, "sql": 2},
            total_connections=5,
            total_errors=2,
        ),
    )
    assert stats.to_dict()["connectors_by_type"] == {"http": 1, "sql": 2}


def test_statistics_of_an_empty_tenant_are_zero(populated: Store) -> None:
    assert_identical(populated.connectors.get_statistics(tenant_id="none"), ConnectorStats())


def test_delete_removes_and_reports_whether_it_did(populated: Store) -> None:
    assert populated.connectors.delete("a1") is True
    assert populated.connectors.delete("a1") is False
    assert populated.connectors.get("a1") is None
    assert populated.connectors.get_by_name("t1", "alpha") is None


def test_delete_with_another_tenant_leaves_the_connector(populated: Store) -> None:
    assert populated.connectors.delete("a1", tenant_id="t2") is False
    assert populated.connectors.get("a1") is not None
    assert populated.connectors.delete("a1", tenant_id="t1") is True


def test_a_deleted_name_can_be_registered_again(populated: Store) -> None:
    populated.connectors.delete("a1")

    _add(populated, "new", "t1", "alpha")

    found = populated.connectors.get_by_name("t1", "alpha")
    assert found is not None and found.connector_id == "new"


def test_clear_tenant_removes_only_that_tenants_connectors(populated: Store) -> None:
    assert populated.connectors.clear_tenant("t1") == 3
    assert populated.connectors.clear_tenant("t1") == 0

    assert _ids(populated.connectors.list()) == ["a0", "z9", "d4"]
    assert populated.connectors.get_statistics(tenant_id="t1").total_connectors == 0


def test_statistics_equal_counts_computed_from_list(populated: Store) -> None:
    listed = populated.connectors.list(limit=10_000)
    stats = populated.connectors.get_statistics()

    assert stats.total_connectors == len(listed)
    assert stats.total_connections == sum(c.connection_count for c in listed)
    assert stats.total_errors == sum(c.error_count for c in listed)
    assert stats.ready_connectors == sum(c.status is ConnectorStatus.READY for c in listed)

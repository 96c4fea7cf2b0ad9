"""Upstream's worker dict shapes: each declared once, with upstream's keys in upstream's order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from integration_store import Store, open_store

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def store() -> Iterator[Store]:
    with open_store("memory://", clock=lambda: NOW) as store:
        store.workers.register_worker(
            "w", "Writer", description="d", moats=("m",), default_config={"tone": "dry"}
        )
        yield store


def test_summary_keys_are_upstreams_in_order(store: Store) -> None:
    summary = store.workers.get_worker_summary("w")

    assert list(summary) == [
        "id",
        "name",
        "description",
        "version",
        "status",
        "moats",
        "tokens_per_run_estimate",
        "cost_per_run_cents",
    ]
    assert summary["moats"] == ["m"]
    assert store.workers.list_worker_summaries() == [summary]


def test_details_keys_are_upstreams_in_order_with_iso_timestamps(store: Store) -> None:
    details = store.workers.get_worker_details("w")

    assert list(details) == [
        "id",
        "name",
        "description",
        "version",
        "status",
        "is_public",
        "moats",
        "default_config",
        "input_schema",
        "output_schema",
        "tokens_per_run_estimate",
        "cost_per_run_cents",
        "created_at",
        "updated_at",
    ]
    assert details["created_at"] == details["updated_at"] == NOW.isoformat()


def test_tenant_rows_carry_upstreams_keys_in_order(store: Store) -> None:
    store.workers.set_tenant_worker_config("t", "w", brand={"logo": "x"})

    [row] = store.workers.get_workers_for_tenant("t")

    assert list(row) == [
        "id",
        "name",
        "description",
        "version",
        "status",
        "moats",
        "enabled",
        "has_custom_config",
        "has_custom_brand",
        "tokens_per_run_estimate",
        "cost_per_run_cents",
    ]
    assert (row["enabled"], row["has_custom_config"], row["has_custom_brand"]) == (
        True,
        True,
        True,
    )


def test_a_disabled_worker_is_listed_only_on_request(store: Store) -> None:
    store.workers.set_tenant_worker_config("t", "w", enabled=False)

    assert store.workers.get_workers_for_tenant("t") == []
    assert [row["id"] for row in store.workers.get_workers_for_tenant("t", True)] == ["w"]
    assert store.workers.is_worker_enabled_for_tenant("t", "w") is False
    assert store.workers.get_effective_worker_config("t", "w")["enabled"] is False

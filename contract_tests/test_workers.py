"""Workers: registry, status, listings, tenant configuration, effective config."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs
import pytest

from integration_store import (
    ValidationError,
    Worker,
    WorkerAlreadyExistsError,
    WorkerConfig,
    WorkerNotFoundError,
    WorkerRegistryError,
    WorkerStatus,
)
from integration_store.store import Store
from integration_store.testing import DEFAULT_START, FixedClock, assert_identical


@pytest.fixture
def registry(store: Store) -> Store:
    workers = store.workers
    workers.register_worker(
        "summarise",
        "Summariser",
        description="Summarises",
        moats=["speed", "quality"],
        default_config={"model": "small", "temperature": 0.5},
        tokens_per_run_estimate=1200,
        cost_per_run_cents=3,
    )
    workers.register_worker("classify", "Classifier", default_config={})
    workers.register_worker("beta", "Beta", status="unavailable")
    workers.register_worker("hidden", "Hidden", is_public=False)
    workers.register_worker("alpha-2", "Classifier")
    return store


def _created_config(**changes: Any) -> WorkerConfig:
    """What ``set_tenant_worker_config("t", "summarise")`` creates, with ``changes`` over it."""
    created = WorkerConfig(
        tenant_id="t",
        worker_id="summarise",
        enabled=True,
        config={},
        brand={},
        max_runs_per_day=None,
        max_tokens_per_run=None,
        created_at=DEFAULT_START,
        updated_at=DEFAULT_START,
        revision=1,
    )
    return attrs.evolve(created, **changes)


def test_registered_worker_has_upstream_defaults_and_clock_stamps(store: Store) -> None:
    worker = store.workers.register_worker("w", "W")

    assert_identical(
        worker,
        Worker(
            id="w",
            name="W",
            description=None,
            version="1.0.0",
            status="available",
            is_public=True,
            moats=(),
            default_config={},
            input_schema={},
            output_schema={},
            tokens_per_run_estimate=None,
            cost_per_run_cents=None,
            created_at=DEFAULT_START,
            updated_at=DEFAULT_START,
            revision=1,
        ),
    )
    assert_identical(store.workers.get_worker("w"), worker)


def test_registering_a_taken_worker_id_raises_already_exists(registry: Store) -> None:
    with pytest.raises(WorkerAlreadyExistsError):
        registry.workers.register_worker("beta", "Other")

    worker = registry.workers.get_worker("beta")
    assert worker is not None and worker.name == "Beta"


def test_worker_errors_are_upstream_registry_errors() -> None:
    assert issubclass(WorkerAlreadyExistsError, WorkerRegistryError)
    assert issubclass(WorkerNotFoundError, WorkerRegistryError)


def test_list_workers_is_public_available_by_name_then_id(registry: Store) -> None:
    listed = registry.workers.list_workers()

    assert [w.id for w in listed] == ["beta", "alpha-2", "classify", "summarise"]


def test_list_workers_filters_status_and_can_include_private(registry: Store) -> None:
    assert [w.id for w in registry.workers.list_workers(status="unavailable")] == ["beta"]
    assert [w.id for w in registry.workers.list_workers(public_only=False)] == [
        "beta",
        "alpha-2",
        "classify",
        "hidden",
        "summarise",
    ]
    assert [w.id for w in registry.workers.list_available_workers()] == [
        "alpha-2",
        "classify",
        "summarise",
    ]


def test_availability_follows_status(registry: Store) -> None:
    assert registry.workers.is_worker_available("summarise") is True
    assert registry.workers.is_worker_available("beta") is False
    assert registry.workers.is_worker_available("missing") is False


def test_update_status_and_deprecate(registry: Store, clock: FixedClock) -> None:
    later = clock.advance(timedelta(hours=1))

    updated = registry.workers.update_worker_status("beta", "available")
    deprecated = registry.workers.deprecate_worker("summarise")

    assert updated.status == "available" and updated.updated_at == later
    assert updated.created_at == DEFAULT_START
    assert deprecated.status == "deprecated"
    assert registry.workers.is_worker_available("summarise") is False
    with pytest.raises(WorkerNotFoundError):
        registry.workers.update_worker_status("missing", "available")


def test_get_worker_or_raise(registry: Store) -> None:
    assert registry.workers.get_worker_or_raise("beta").name == "Beta"
    with pytest.raises(WorkerNotFoundError):
        registry.workers.get_worker_or_raise("missing")
    assert registry.workers.get_worker("missing") is None


def test_worker_details_and_summary_have_upstream_shapes(registry: Store) -> None:
    details = registry.workers.get_worker_details("summarise")
    summary = registry.workers.get_worker_summary("summarise")

    assert details == {
        "id": "summarise",
        "name": "Summariser",
        "description": "Summarises",
        "version": "1.0.0",
        "status": "available",
        "is_public": True,
        "moats": ["speed", "quality"],
        "default_config": {"model": "small", "temperature": 0.5},
        "input_schema": {},
        "output_schema": {},
        "tokens_per_run_estimate": 1200,
        "cost_per_run_cents": 3,
        "created_at": DEFAULT_START.isoformat(),
        "updated_at": DEFAULT_START.isoformat(),
    }
    assert summary == {
        "id": "summarise",
        "name": "Summariser",
        "description": "Summarises",
        "version": "1.0.0",
        "status": "available",
        "moats": ["speed", "quality"],
        "tokens_per_run_estimate": 1200,
        "cost_per_run_cents": 3,
    }
    with pytest.raises(WorkerNotFoundError):
        registry.workers.get_worker_details("missing")


def test_list_worker_summaries_follow_list_order(registry: Store) -> None:
    summaries = registry.workers.list_worker_summaries(public_only=False)

    assert [s["id"] for s in summaries] == ["beta", "alpha-2", "classify", "hidden", "summarise"]
    assert summaries[-1] == registry.workers.get_worker_summary("summarise")


def test_tenant_config_is_created_with_defaults(registry: Store) -> None:
    created = registry.workers.set_tenant_worker_config("t", "summarise")

    assert_identical(created, _created_config())
    assert_identical(registry.workers.get_tenant_worker_config("t", "summarise"), created)


def test_tenant_config_update_leaves_fields_given_as_none(
    registry: Store, clock: FixedClock
) -> None:
    registry.workers.set_tenant_worker_config(
        "t",
        "summarise",
        config={"model": "large"},
        brand={"color": "red"},
        max_runs_per_day=10,
        max_tokens_per_run=500,
    )
    later = clock.advance()

    updated = registry.workers.set_tenant_worker_config("t", "summarise", enabled=False)

    assert_identical(
        updated,
        _created_config(
            enabled=False,
            config={"model": "large"},
            brand={"color": "red"},
            max_runs_per_day=10,
            max_tokens_per_run=500,
            updated_at=later,
            revision=2,
        ),
    )


def test_tenant_config_update_replaces_given_fields(registry: Store) -> None:
    registry.workers.set_tenant_worker_config("t", "summarise", config={"a": 1}, max_runs_per_day=1)

    updated = registry.workers.set_tenant_worker_config(
        "t", "summarise", config={"b": 2}, brand={}, max_runs_per_day=2
    )

    assert (updated.config, updated.brand, updated.max_runs_per_day) == ({"b": 2}, {}, 2)
    assert updated.enabled is True


def test_tenant_config_for_unknown_worker_raises_and_writes_nothing(registry: Store) -> None:
    with pytest.raises(WorkerNotFoundError):
        registry.workers.set_tenant_worker_config("t", "missing", config={"a": 1})

    assert registry.workers.get_tenant_worker_config("t", "missing") is None
    assert registry.workers.list_tenant_worker_configs("t") == []


def test_tenant_configs_are_listed_by_worker_id_and_scoped_to_the_tenant(registry: Store) -> None:
    for worker_id in ("summarise", "beta", "classify"):
        registry.workers.set_tenant_worker_config("t", worker_id)
    registry.workers.set_tenant_worker_config("other", "alpha-2")

    assert [c.worker_id for c in registry.workers.list_tenant_worker_configs("t")] == [
        "beta",
        "classify",
        "summarise",
    ]
    assert [c.worker_id for c in registry.workers.list_tenant_worker_configs("other")] == [
        "alpha-2"
    ]
    assert registry.workers.get_tenant_worker_config("other", "beta") is None


def test_effective_config_merges_tenant_over_worker_defaults(registry: Store) -> None:
    registry.workers.set_tenant_worker_config(
        "t",
        "summarise",
        config={"temperature": 0.9, "extra": [1]},
        brand={"logo": "x"},
        max_tokens_per_run=99,
    )

    effective = registry.workers.get_effective_worker_config("t", "summarise")

    assert effective == {
        "worker_id": "summarise",
        "enabled": True,
        "config": {"model": "small", "temperature": 0.9, "extra": [1]},
        "brand": {"logo": "x"},
        "max_runs_per_day": None,
        "max_tokens_per_run": 99,
    }
    assert registry.workers.get_effective_worker_config("u", "summarise") == {
        "worker_id": "summarise",
        "enabled": True,
        "config": {"model": "small", "temperature": 0.5},
        "brand": {},
        "max_runs_per_day": None,
        "max_tokens_per_run": None,
    }
    with pytest.raises(WorkerNotFoundError):
        registry.workers.get_effective_worker_config("t", "missing")


def test_enabled_for_tenant_defaults_to_true(registry: Store) -> None:
    registry.workers.set_tenant_worker_config("t", "classify", enabled=False)

    assert registry.workers.is_worker_enabled_for_tenant("t", "classify") is False
    assert registry.workers.is_worker_enabled_for_tenant("t", "summarise") is True
    assert registry.workers.is_worker_enabled_for_tenant("u", "classify") is True


def test_workers_for_tenant_rows_have_upstream_keys_and_skip_disabled(registry: Store) -> None:
    registry.workers.set_tenant_worker_config("t", "classify", enabled=False)
    registry.workers.set_tenant_worker_config("t", "alpha-2", brand={"b": 1})

    rows = registry.workers.get_workers_for_tenant("t")
    all_rows = registry.workers.get_workers_for_tenant("t", include_disabled=True)

    assert [row["id"] for row in rows] == ["alpha-2", "summarise"]
    assert [row["id"] for row in all_rows] == ["alpha-2", "classify", "summarise"]
    assert rows[1] == {
        "id": "summarise",
        "name": "Summariser",
        "description": "Summarises",
        "version": "1.0.0",
        "status": "available",
        "moats": ["speed", "quality"],
        "enabled": True,
        "has_custom_config": True,
        "has_custom_brand": False,
        "tokens_per_run_estimate": 1200,
        "cost_per_run_cents": 3,
    }
    assert (rows[0]["has_custom_config"], rows[0]["has_custom_brand"]) == (False, True)
    assert all_rows[1]["enabled"] is False


def test_worker_fields_are_validated_before_anything_is_written(
    store: Store, clock: FixedClock
) -> None:
    with pytest.raises(ValidationError) as raised:
        store.workers.register_worker("w", "W", moats=["ok", ""])

    assert raised.value.field == "moats[1]"
    assert store.workers.get_worker("w") is None
    assert clock.readings == 0


@pytest.mark.parametrize("status", ["bogus", "Available", "available ", "", 3])
def test_a_worker_status_outside_the_known_ones_is_refused_and_nothing_changes(
    store: Store, status: object
) -> None:
    with pytest.raises(ValidationError, match="status"):
        store.workers.register_worker("w", "W", status=status)  # type: ignore[arg-type]
    assert store.workers.get_worker("w") is None

    store.workers.register_worker("w", "W")
    with pytest.raises(ValidationError, match="status"):
        store.workers.update_worker_status("w", status)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="status"):
        store.workers.update_worker("w", status=status)  # type: ignore[arg-type]
    worker = store.workers.get_worker("w")
    assert worker is not None and (worker.status, worker.revision) == ("available", 1)


def test_known_worker_statuses_are_taken_as_members_or_their_text(store: Store) -> None:
    store.workers.register_worker("w", "W", status=WorkerStatus.MAINTENANCE)
    worker = store.workers.get_worker("w")
    assert worker is not None and type(worker.status) is str and worker.status == "maintenance"

    updated = store.workers.update_worker_status("w", "unavailable")

    assert updated.status == "unavailable" and not store.workers.is_worker_available("w")

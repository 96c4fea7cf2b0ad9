"""``update_worker``: a worker's mutable fields changed in one write, by revision if asked."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from integration_store import StaleObjectError, ValidationError, WorkerNotFoundError
from integration_store.store import Store
from integration_store.testing import FixedClock, assert_identical


def test_update_worker_changes_the_given_fields_and_keeps_the_others(
    store: Store, clock: FixedClock
) -> None:
    registered = store.workers.register_worker(
        "w", "W", description="d", moats=["speed"], default_config={"model": "small"},
        tokens_per_run_estimate=100,
    )  # fmt: skip
    later = clock.advance()

    updated = store.workers.update_worker(
        "w", version="2.0.0", moats=("speed", "quality"), default_config={"model": "large"},
        cost_per_run_cents=3, is_public=False,
    )  # fmt: skip

    expected = attrs.evolve(
        registered, version="2.0.0", moats=("speed", "quality"),
        default_config={"model": "large"}, cost_per_run_cents=3, is_public=False,
        updated_at=later, revision=2,
    )  # fmt: skip
    assert_identical(updated, expected)
    assert_identical(store.workers.get_worker("w"), expected)


def test_update_worker_at_the_expected_revision_is_applied(store: Store) -> None:
    store.workers.register_worker("w", "W")

    updated = store.workers.update_worker("w", name="Renamed", expected_revision=1)

    assert (updated.name, updated.revision) == ("Renamed", 2)


def test_update_worker_at_another_revision_is_stale_and_writes_nothing(store: Store) -> None:
    store.workers.register_worker("w", "W")
    before = store.workers.update_worker("w", description="first")

    with pytest.raises(StaleObjectError) as raised:
        store.workers.update_worker("w", description="second", expected_revision=1)

    assert (raised.value.expected_revision, raised.value.revision) == (1, 2)
    assert_identical(store.workers.get_worker("w"), before)


def test_update_worker_of_a_missing_worker_is_not_found(store: Store) -> None:
    with pytest.raises(WorkerNotFoundError):
        store.workers.update_worker("missing", name="N", expected_revision=1)


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("name", ""),
        ("is_public", "yes"),
        ("moats", "speed"),
        ("default_config", {"x": float("nan")}),
        ("tokens_per_run_estimate", 1.5),
        ("expected_revision", -1),
    ],
)
def test_update_worker_refuses_a_bad_field_naming_it(
    store: Store, clock: FixedClock, field: str, bad: Any
) -> None:
    store.workers.register_worker("w", "W")
    readings = clock.readings

    with pytest.raises(ValidationError) as raised:
        store.workers.update_worker("w", **{field: bad})

    assert raised.value.field.split("[")[0].split(".")[0] == field
    assert clock.readings == readings
    worker = store.workers.get_worker("w")
    assert worker is not None and worker.revision == 1


def test_update_worker_copies_what_it_is_given(store: Store) -> None:
    store.workers.register_worker("w", "W")
    schema: dict[str, Any] = {"type": ["object"]}

    returned = store.workers.update_worker("w", input_schema=schema)
    schema["type"].append("null")
    returned.input_schema["type"].append("array")

    worker = store.workers.get_worker("w")
    assert worker is not None and worker.input_schema == {"type": ["object"]}

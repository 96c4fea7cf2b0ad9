"""The invocation storage protocol (``Storages.invocations``): a serverless connector's
invocation records, found by request id from any process, and status changes that only one
writer can make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from integration_store.errors import ConflictError
from integration_store.protocols import INVOCATIONS, TRANSACTIONS, InvocationStorage
from integration_store.records import Record
from integration_store.store import Store
from integration_store.testing import assert_identical

from .samples import TRICKY_JSON

pytestmark = pytest.mark.requires(INVOCATIONS)

ASKED_AT = datetime(2026, 11, 26, 0, 30, 0, 123000, tzinfo=UTC)
REQUEST = UUID(int=0x0123456789ABCDEF0123456789ABCDEF)


def invocation(request_id: UUID = REQUEST, **fields: Any) -> Record:
    """An INVOCATION record, as the function client writes it when asked to invoke."""
    record: Record = {
        "request_id": request_id,
        "connector_id": "fn",
        "function": "resize-image",
        "status": "invoked",
        "payload": {"width": 640},
        "result": None,
        "error": None,
        "created_at": ASKED_AT,
        "started_at": None,
        "finished_at": None,
    }
    record.update(fields)
    return record


@pytest.fixture
def invocations(store: Store) -> InvocationStorage:
    storage = store.backend.storages.invocations
    assert storage is not None, "a backend declaring 'invocations' has an invocation storage"
    return storage


def test_an_inserted_invocation_is_found_by_its_request_id(
    invocations: InvocationStorage,
) -> None:
    invocations.insert(invocation())
    invocations.insert(invocation(UUID(int=2), function="other"))

    assert_identical(invocations.get(REQUEST), invocation())
    assert invocations.get(UUID(int=3)) is None


def test_every_field_comes_back_exactly(invocations: InvocationStorage) -> None:
    finished = invocation(
        status="failed",
        payload=TRICKY_JSON,
        result={"partial": [1, 1.0, -0.0]},
        error="Traceback …\n\tand ünïcode 𝄞 ",
        started_at=ASKED_AT + timedelta(milliseconds=1),
        finished_at=ASKED_AT + timedelta(days=1),
    )
    invocations.insert(finished)

    assert_identical(invocations.get(REQUEST), finished)


def test_a_taken_request_id_is_a_conflict_and_keeps_the_first(
    invocations: InvocationStorage,
) -> None:
    invocations.insert(invocation())

    with pytest.raises(ConflictError):
        invocations.insert(invocation(function="second"))

    assert_identical(invocations.get(REQUEST), invocation())


def test_an_update_sets_the_changes_and_returns_the_record_after_them(
    invocations: InvocationStorage,
) -> None:
    invocations.insert(invocation())
    changes = {"status": "completed", "result": {"ok": True}, "finished_at": ASKED_AT}

    updated = invocations.update(REQUEST, changes)

    expected = {**invocation(), **changes}
    assert_identical(updated, expected)
    assert_identical(invocations.get(REQUEST), expected)


def test_an_update_expecting_the_stored_status_applies(invocations: InvocationStorage) -> None:
    invocations.insert(invocation())

    updated = invocations.update(REQUEST, {"status": "running"}, expected_status="invoked")

    assert updated is not None and updated["status"] == "running"


def test_an_update_expecting_another_status_changes_nothing(
    invocations: InvocationStorage,
) -> None:
    invocations.insert(invocation(status="completed"))

    assert invocations.update(REQUEST, {"status": "failed"}, expected_status="running") is None
    assert invocations.update(REQUEST, {}, expected_status="running") is None

    assert_identical(invocations.get(REQUEST), invocation(status="completed"))


def test_only_the_first_of_two_status_changes_from_one_status_wins(
    invocations: InvocationStorage,
) -> None:
    invocations.insert(invocation(status="running"))

    first = invocations.update(REQUEST, {"status": "completed"}, expected_status="running")
    second = invocations.update(REQUEST, {"status": "failed"}, expected_status="running")

    assert first is not None and second is None
    assert invocations.get(REQUEST) == {**invocation(), "status": "completed"}


def test_an_update_of_a_missing_invocation_returns_none(invocations: InvocationStorage) -> None:
    assert invocations.update(REQUEST, {"status": "running"}) is None
    assert invocations.update(REQUEST, {}) is None
    assert invocations.get(REQUEST) is None


def test_an_update_without_changes_returns_the_stored_record(
    invocations: InvocationStorage,
) -> None:
    invocations.insert(invocation())

    assert_identical(invocations.update(REQUEST, {}, expected_status="invoked"), invocation())


@pytest.mark.requires(TRANSACTIONS)
def test_a_rolled_back_insert_and_update_leave_nothing(store: Store) -> None:
    invocations = _routed_invocations(store)
    invocations.insert(invocation())

    with pytest.raises(RuntimeError, match="roll back"), store.transaction():
        invocations.insert(invocation(UUID(int=2)))
        invocations.update(REQUEST, {"status": "running"}, expected_status="invoked")
        raise RuntimeError("roll back")

    assert invocations.get(UUID(int=2)) is None
    assert_identical(invocations.get(REQUEST), invocation())


@pytest.mark.requires(TRANSACTIONS)
def test_a_conflict_inside_a_unit_of_work_leaves_it_usable(store: Store) -> None:
    invocations = _routed_invocations(store)
    invocations.insert(invocation())

    with store.transaction():
        with pytest.raises(ConflictError):
            invocations.insert(invocation(function="second"))
        invocations.insert(invocation(UUID(int=2)))

    assert invocations.get(UUID(int=2)) is not None


def _routed_invocations(store: Store) -> InvocationStorage:
    """The invocation storage as the store's live clients use it: its calls join the calling
    thread's ``store.transaction()`` (the backend's own ``storages`` never do)."""
    return store._live.invocations

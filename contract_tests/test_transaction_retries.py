"""``store.run_in_transaction(work, retries=N)``: a unit of work the database aborted for a
concurrent one (``TransactionConflictError``) runs again; nothing of an aborted attempt stays.

The conflict is raised by the work itself here, as the backend raises it mid-way; the SQL tests
(``tests/test_sql_errors.py``) make PostgreSQL and MariaDB abort real deadlocked units."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from integration_store import (
    TRANSACTIONS,
    Connector,
    TransactionConflictError,
    UnsupportedOperationError,
    ValidationError,
)
from integration_store.store import Store, UnitOfWork

Work = Callable[[UnitOfWork], str]


def _aborted_first(times: int) -> tuple[list[int], Work]:
    """A unit of work counting a connection on "c", aborted like a lost race ``times`` times."""
    attempts = [0]

    def work(tx: UnitOfWork) -> str:
        attempts[0] += 1
        tx.connectors.record_connection("c")
        if attempts[0] <= times:
            raise TransactionConflictError("the database aborted the unit of work (simulated)")
        return "done"

    return attempts, work


def _registered(store: Store) -> Store:
    store.connectors.register(Connector(connector_id="c", tenant_id="t", name="n"))
    return store


def _count(store: Store) -> int:
    connector = store.connectors.get("c")
    assert connector is not None
    return connector.connection_count


@pytest.mark.requires(TRANSACTIONS)
def test_an_aborted_unit_of_work_runs_again_and_only_the_last_attempt_stays(
    store: Store,
) -> None:
    attempts, work = _aborted_first(2)

    result = _registered(store).run_in_transaction(work, retries=3)

    assert (result, attempts[0], _count(store)) == ("done", 3, 1)


@pytest.mark.requires(TRANSACTIONS)
def test_the_last_conflict_is_raised_when_retries_run_out(store: Store) -> None:
    attempts, work = _aborted_first(5)

    with pytest.raises(TransactionConflictError):
        _registered(store).run_in_transaction(work, retries=2)

    assert (attempts[0], _count(store)) == (3, 0)


@pytest.mark.requires(TRANSACTIONS)
def test_inside_an_open_unit_of_work_the_work_joins_it_and_is_not_retried(
    store: Store,
) -> None:
    attempts, work = _aborted_first(1)

    with pytest.raises(TransactionConflictError), _registered(store).transaction():
        store.run_in_transaction(work, retries=3)

    assert (attempts[0], _count(store)) == (1, 0)


@pytest.mark.requires(TRANSACTIONS)
def test_other_errors_are_not_retried(store: Store) -> None:
    attempts = [0]

    def work(tx: UnitOfWork) -> None:
        attempts[0] += 1
        tx.connectors.record_connection("c")
        raise KeyError("not a conflict")

    with pytest.raises(KeyError):
        _registered(store).run_in_transaction(work, retries=3)

    assert (attempts[0], _count(store)) == (1, 0)


@pytest.mark.parametrize("retries", [-1, 101, "3", True, 2.0])
def test_a_bad_retry_count_is_a_validation_error_and_nothing_runs(
    store: Store, retries: object
) -> None:
    ran: list[object] = []

    with pytest.raises(ValidationError, match="retries"):
        store.run_in_transaction(ran.append, retries=retries)  # type: ignore[arg-type]

    assert ran == []


def test_it_runs_where_transactions_exist_and_is_refused_where_they_do_not(store: Store) -> None:
    if TRANSACTIONS in store.capabilities:
        assert store.run_in_transaction(lambda tx: tx.connectors.list()) == []
        return
    with pytest.raises(UnsupportedOperationError):
        store.run_in_transaction(lambda tx: None)

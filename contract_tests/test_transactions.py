"""The unit of work: one transaction over all three drivers, committed or rolled back whole."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from integration_store import (
    TRANSACTIONS,
    Connector,
    DuplicateConnectorNameError,
    IntegrationStoreError,
    StoreClosedError,
    UnsupportedOperationError,
)
from integration_store.store import Store


class Abort(Exception):
    """Raised inside a unit of work to make it roll back."""


@pytest.mark.requires(TRANSACTIONS)
def test_a_committed_unit_of_work_is_visible_afterwards(store: Store) -> None:
    with store.transaction() as tx:
        tx.connectors.create_vector_connector("t", "v", connector_id="c")
        tx.workers.register_worker("w", "W")
        recorded = tx.external_responses.record_raw_response("s", {"a": 1}, "o")

    assert store.connectors.get("c") is not None
    assert store.workers.get_worker("w") is not None
    assert store.external_responses.get_raw_for_interpretation(recorded.id, "o") is not None


@pytest.mark.requires(TRANSACTIONS)
def test_writes_inside_a_unit_of_work_are_visible_inside_it(store: Store) -> None:
    with store.transaction() as tx:
        tx.connectors.create_vector_connector("t", "v", connector_id="c")
        tx.connectors.record_connection("c")
        inside = tx.connectors.get("c")

    assert inside is not None and inside.connection_count == 1


@pytest.mark.requires(TRANSACTIONS)
def test_an_aborted_unit_of_work_leaves_nothing_behind(store: Store) -> None:
    store.connectors.register(Connector(connector_id="keep", tenant_id="t", name="keep"))
    store.workers.register_worker("w", "W")
    recorded = store.external_responses.record_raw_response("s", {}, "o")

    with pytest.raises(Abort), store.transaction() as tx:
        tx.connectors.create_vector_connector("t", "new", connector_id="new")
        tx.connectors.record_connection("keep")
        tx.connectors.record_error("keep", "e")
        tx.workers.update_worker_status("w", "deprecated")
        tx.workers.set_tenant_worker_config("t", "w", enabled=False)
        tx.external_responses.interpret(recorded.id, {"v": 1}, "l4")
        tx.external_responses.record_raw_response("s", {}, "o")
        raise Abort

    keep = store.connectors.get("keep")
    assert keep is not None and (keep.connection_count, keep.error_count) == (0, 0)
    assert store.connectors.get("new") is None
    assert store.connectors.get_by_name("t", "new") is None
    worker = store.workers.get_worker("w")
    assert worker is not None and worker.status == "available"
    assert store.workers.get_tenant_worker_config("t", "w") is None
    assert store.external_responses.get_interpreted(recorded.id) is None
    assert [r.id for r in store.external_responses.get_pending_interpretations("o")] == [
        recorded.id
    ]


@pytest.mark.requires(TRANSACTIONS)
def test_an_aborted_delete_and_clear_tenant_are_undone(store: Store) -> None:
    store.connectors.register(Connector(connector_id="a", tenant_id="t", name="a"))
    store.connectors.register(Connector(connector_id="b", tenant_id="t", name="b"))
    before = store.connectors.list()

    with pytest.raises(Abort), store.transaction() as tx:
        tx.connectors.delete("a")
        tx.connectors.clear_tenant("t")
        raise Abort

    assert store.connectors.list() == before
    assert store.connectors.get_by_name("t", "a") is not None


@pytest.mark.requires(TRANSACTIONS)
def test_a_conflict_inside_a_unit_of_work_can_be_handled_and_committed(store: Store) -> None:
    store.connectors.register(Connector(connector_id="a", tenant_id="t", name="taken"))

    with store.transaction() as tx:
        with pytest.raises(DuplicateConnectorNameError):
            tx.connectors.register(Connector(connector_id="b", tenant_id="t", name="taken"))
        tx.connectors.register(Connector(connector_id="c", tenant_id="t", name="free"))

    assert [c.connector_id for c in store.connectors.list()] == ["c", "a"]


def test_transaction_is_refused_where_the_backend_lacks_it(store: Store) -> None:
    if TRANSACTIONS in store.capabilities:
        with store.transaction() as tx:
            assert tx.connectors.list() == []
        return
    with pytest.raises(UnsupportedOperationError), store.transaction():
        pass


@pytest.mark.requires(TRANSACTIONS)
def test_store_calls_on_the_thread_of_an_open_unit_of_work_join_it(store: Store) -> None:
    with pytest.raises(Abort), store.transaction() as tx:
        tx.connectors.register(Connector(connector_id="a", tenant_id="t", name="a"))
        store.connectors.register(Connector(connector_id="b", tenant_id="t", name="b"))
        assert store.connectors.get("a") is not None
        raise Abort

    assert store.connectors.list() == []


@pytest.mark.requires(TRANSACTIONS)
def test_a_nested_unit_of_work_joins_the_outer_one(store: Store) -> None:
    with pytest.raises(Abort), store.transaction() as outer:
        outer.workers.register_worker("w1", "One")
        with store.transaction() as inner:
            inner.workers.register_worker("w2", "Two")
        raise Abort

    assert store.workers.list_workers() == []


@pytest.mark.requires(TRANSACTIONS)
def test_a_unit_of_work_used_after_its_block_is_refused_alike(store: Store) -> None:
    with store.transaction() as tx:
        tx.connectors.create_vector_connector("t", "v", connector_id="c")

    with pytest.raises(StoreClosedError):
        tx.connectors.create_file_connector("t", "late", connector_id="late")
    assert store.connectors.get("late") is None


@pytest.mark.requires(TRANSACTIONS)
def test_a_unit_of_work_is_refused_on_another_thread(store: Store) -> None:
    raised: list[BaseException] = []
    with store.transaction() as tx:
        worker = threading.Thread(target=_capture(raised, lambda: tx.connectors.get("c")))
        worker.start()
        worker.join()

    assert [type(error) for error in raised] == [IntegrationStoreError]


@pytest.mark.requires(TRANSACTIONS)
def test_closing_the_store_inside_its_own_unit_of_work_is_refused(store: Store) -> None:
    with store.transaction() as tx:
        tx.connectors.create_vector_connector("t", "v", connector_id="c")
        with pytest.raises(IntegrationStoreError, match="inside a transaction"):
            store.close()

    assert store.connectors.get("c") is not None


def _capture(raised: list[BaseException], call: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            call()
        except BaseException as error:
            raised.append(error)

    return run

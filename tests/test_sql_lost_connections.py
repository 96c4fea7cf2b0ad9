"""SQL calls whose connection is lost (a killed session, as a server restart does): what runs
again, what fails, and a write that may have been applied says so (``OutcomeUnknownError``),
never applied twice."""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import cast

import pytest

pytest.importorskip("sqlalchemy")

from integration_store import VectorConnector, open_store
from integration_store.backends.sql import SqlBackend
from integration_store.backends.sql.errors import loaded_driver
from integration_store.backends.sql.execution import AutocommitRunner
from integration_store.backends.sql.tables import connectors
from integration_store.errors import BackendUnavailableError, OutcomeUnknownError
from integration_store.store import Store


def _backend(store: Store) -> SqlBackend:
    return cast(SqlBackend, store.backend)


def _from_the_driver(error: BaseException | None) -> bool:
    """Whether ``error`` is the DB-API driver's own exception (storage calls run on its
    cursor), chained under the library's."""
    return error is not None and loaded_driver(error) is not None


def test_a_killed_connection_fails_the_transaction_and_the_next_call_works(
    server_url: str, kill_sessions: Callable[[str], int]
) -> None:
    with open_store(server_url) as store:
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        # Pooled connections killed while idle: the read runs again on a new one.
        kill_sessions(server_url)
        assert store.connectors.get("c") is not None
        # Killed in the middle of a unit of work: the work is lost, the error says why.
        with pytest.raises(BackendUnavailableError) as raised, store.transaction() as tx:
            tx.connectors.record_connection("c")
            kill_sessions(server_url)
            tx.connectors.record_connection("c")
        assert _from_the_driver(raised.value.__cause__)
        connector = store.connectors.get("c")
        assert connector is not None and connector.connection_count == 0


def _kill_before(store: Store, url: str, kill: Callable[..., int], statement: str) -> None:
    """Kill the store's sessions just before it sends its next statement starting with
    ``statement`` (once): the statement then goes to a dead connection."""
    armed = [True]

    def listener(sql: str, many: bool) -> None:
        if armed[0] and sql.lstrip().upper().startswith(statement):
            armed[0] = False
            kill(url)

    _backend(store).add_statement_listener(listener)


def test_a_write_sent_on_a_lost_connection_has_an_unknown_outcome(
    server_url: str, kill_sessions: Callable[..., int]
) -> None:
    with open_store(server_url) as store:
        _kill_before(store, server_url, kill_sessions, "INSERT")
        with pytest.raises(OutcomeUnknownError) as raised:
            store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))

        assert isinstance(raised.value, BackendUnavailableError)
        assert _from_the_driver(raised.value.__cause__)
        # The same store goes on: the write did not happen here (the connection died first),
        # so it can be made again.
        assert store.connectors.get("c") is None
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))


def test_a_read_on_a_lost_connection_is_retried_and_never_unknown(
    server_url: str, kill_sessions: Callable[..., int]
) -> None:
    with open_store(server_url) as store:
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        _kill_before(store, server_url, kill_sessions, "SELECT")

        assert store.connectors.get("c") is not None


def test_a_commit_sent_on_a_lost_connection_has_an_unknown_outcome(
    server_url: str, kill_sessions: Callable[..., int]
) -> None:
    with open_store(server_url) as store:
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        _kill_before(store, server_url, kill_sessions, "COMMIT")
        with pytest.raises(OutcomeUnknownError), store.transaction() as tx:
            tx.connectors.record_connection("c")
            tx.connectors.record_error("c", "boom")

        connector = store.connectors.get("c")
        assert connector is not None
        # All or nothing, whatever the outcome.
        assert (connector.connection_count, connector.error_count) in ((0, 0), (1, 1))


def test_a_unit_of_work_lost_before_its_commit_wrote_nothing_and_says_so(
    server_url: str, kill_sessions: Callable[..., int]
) -> None:
    with open_store(server_url) as store:
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        with pytest.raises(BackendUnavailableError) as raised, store.transaction() as tx:
            tx.connectors.record_connection("c")
            kill_sessions(server_url)
            tx.connectors.record_connection("c")

        assert not isinstance(raised.value, OutcomeUnknownError)
        connector = store.connectors.get("c")
        assert connector is not None and connector.connection_count == 0


@contextlib.contextmanager
def _random_session_kills(url: str, kill_sessions: Callable[..., int]) -> Iterator[None]:
    """Kill the database's sessions every 5-30 ms while the block runs."""
    done = threading.Event()

    def killer() -> None:
        rng = random.Random(7)
        while not done.wait(rng.uniform(0.005, 0.03)):
            kill_sessions(url, wait=False)

    kills = threading.Thread(target=killer)
    kills.start()
    try:
        yield
    finally:
        done.set()
        kills.join()


def test_writes_under_random_session_kills_say_truly_whether_they_may_have_been_applied(
    server_url: str, kill_sessions: Callable[..., int]
) -> None:
    """Threads register connectors while another thread kills the store's sessions at random.
    A plain ``BackendUnavailableError`` must mean the connector was not stored; only
    ``OutcomeUnknownError`` may hide a stored one; nothing else may be raised."""
    threads, per_thread = 4, 60
    outcomes: dict[str, str] = {}

    with open_store(server_url) as store:

        def register(worker: int) -> None:
            for step in range(per_thread):
                connector_id = f"w{worker}-{step}"
                try:
                    store.connectors.register(
                        VectorConnector(connector_id=connector_id, tenant_id="t", name=connector_id)
                    )
                    outcomes[connector_id] = "stored"
                except OutcomeUnknownError:
                    outcomes[connector_id] = "unknown"
                except BackendUnavailableError:
                    outcomes[connector_id] = "not stored"

        with _random_session_kills(server_url, kill_sessions), ThreadPoolExecutor(threads) as pool:
            list(pool.map(register, range(threads)))

        stored = {connector.connector_id for connector in store.connectors.list(limit=1000)}

    assert len(outcomes) == threads * per_thread
    failed = [cid for cid, outcome in outcomes.items() if outcome != "stored"]
    assert failed, "no write met a killed session; the test proved nothing"
    assert all(cid in stored for cid, outcome in outcomes.items() if outcome == "stored")
    wrongly_denied = [cid for cid, outcome in outcomes.items() if outcome == "not stored"]
    assert not [cid for cid in wrongly_denied if cid in stored]


def test_counters_under_random_session_kills_are_never_added_twice(
    server_url: str, kill_sessions: Callable[..., int]
) -> None:
    """Threads count connections of one connector while sessions are killed at random: the
    count is at least the calls that succeeded and at most those plus the unknown ones — a
    write the store ran again after a lost connection would count twice."""
    threads, per_thread = 4, 60
    counted: list[str] = []

    with open_store(server_url) as store:
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))

        def count(_worker: int) -> None:
            for _ in range(per_thread):
                try:
                    store.connectors.record_connection("c")
                    counted.append("applied")
                except OutcomeUnknownError:
                    counted.append("unknown")
                except BackendUnavailableError:
                    counted.append("not applied")

        with _random_session_kills(server_url, kill_sessions), ThreadPoolExecutor(threads) as pool:
            list(pool.map(count, range(threads)))

        connector = store.connectors.get("c")

    assert len(counted) == threads * per_thread and connector is not None
    applied, unknown = counted.count("applied"), counted.count("unknown")
    assert applied <= connector.connection_count <= applied + unknown
    assert applied < len(counted), "no write met a killed session; the test proved nothing"


def test_a_write_of_several_statements_lost_before_its_commit_runs_again_once(
    server_url: str, kill_sessions: Callable[..., int]
) -> None:
    """Its connection dropped while idle (and missed: killed after the pool looked), the
    write's BEGIN fails. Nothing of it reached the database, so it runs again on a new
    connection instead of failing — and is applied once."""
    with open_store(server_url) as store:
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        backend = _backend(store)
        runner = AutocommitRunner(backend._pool, backend.engine.dialect)
        table = connectors.name
        _kill_before(store, server_url, kill_sessions, "BEGIN")

        runner.run(
            lambda connection: connection.command(
                f"UPDATE {table} SET error_count = error_count + 1 WHERE connector_id = 'c'"
            ),
            write=True,
        )

        connector = store.connectors.get("c")
        assert connector is not None and connector.error_count == 1

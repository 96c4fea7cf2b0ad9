"""The SQL backend's own connection pool (``backends/sql/pool.py``): what it hands out next."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")

from integration_store import Connector, VectorConnector, open_store
from integration_store.backends.sql import SqlBackend
from integration_store.backends.sql.pool import PING_AFTER_IDLE_SECONDS, ConnectionPool
from integration_store.errors import StoreClosedError
from integration_store.store import Store
from integration_store.test_support import clear_store


def _sql_backend(store: Store) -> SqlBackend:
    backend = store.backend
    assert isinstance(backend, SqlBackend)
    return backend


def _pool(store: Store) -> ConnectionPool:
    return _sql_backend(store)._pool


def test_a_connection_given_back_inside_a_transaction_is_rolled_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/pool.db"
    with open_store(url) as store, open_store(url) as other:
        store.create_schema()
        pool = _pool(store)
        connection, _ = pool.acquire(for_write=True)
        connection.command("BEGIN IMMEDIATE")  # as a COMMIT the database refused would leave it
        connection.dbapi.execute(
            "INSERT INTO integration_external_responses (id, source, raw_response, "
            "interpretation_owner, received_at) VALUES ('00', 's', '{}', 'o', 0)"
        )
        pool.release(connection)

        assert not connection.dbapi.in_transaction
        # The write lock is free and the half-done row is gone.
        other.connectors.register(Connector(connector_id="c", tenant_id="t", name="n"))
        again, _ = pool.acquire(for_write=False)
        try:
            rows = again.dbapi.execute("SELECT count(*) FROM integration_external_responses")
            assert rows.fetchone() == (0,)
        finally:
            pool.release(again)


def test_a_stale_connection_that_fails_its_ping_is_replaced_without_hanging(
    tmp_path: Path,
) -> None:
    with open_store(f"sqlite:///{tmp_path}/pool.db") as store:
        pool = _pool(store)
        pool._ping = True  # as on a server
        connection, _ = pool.acquire(for_write=True)
        pool.release(connection)
        connection.dbapi.close()  # dropped while idle …
        connection.idle_since -= 2 * PING_AFTER_IDLE_SECONDS  # … long enough to be pinged
        got: list[object] = []
        worker = threading.Thread(
            target=lambda: got.append(pool._new_or_returned(for_write=True)), daemon=True
        )
        worker.start()
        worker.join(10)

        assert not worker.is_alive(), "acquiring hung on the failed ping"
        ((fresh, reused),) = got  # type: ignore[misc]
        assert fresh is not connection and not reused
        pool.release(fresh)


def test_a_connection_given_back_after_close_is_closed_not_kept(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/pool.db")
    pool = _pool(store)
    connection, _ = pool.acquire(for_write=False)
    store.close()
    pool.release(connection)

    assert not pool._idle
    with pytest.raises(StoreClosedError):
        pool.acquire(for_write=False)


def test_psycopg_noticing_its_socket_closed_before_libpq_does_marks_the_connection_lost(
    private_server: Callable[[str], AbstractContextManager[str]],
) -> None:
    psycopg = pytest.importorskip("psycopg")
    with private_server("postgresql") as url, open_store(url) as store:
        pool = _pool(store)
        connection, _ = pool.acquire(for_write=True)
        try:
            # psycopg's wait loop raises this while the connection still looks healthy, so a
            # COMMIT failing this way must count as lost (its outcome unknown), not refused.
            connection.notice(psycopg.OperationalError("canceling statement due to timeout"))
            assert not connection.broken
            connection.notice(psycopg.OperationalError("connection socket closed"))
            assert connection.broken
        finally:
            pool.release(connection)


def test_a_write_right_after_the_server_dropped_the_idle_connection_goes_to_a_new_one(
    server_url: str, kill_sessions: Callable[..., int]
) -> None:
    """As after a server restart: the dropped connection is noticed by its socket before the
    write is sent (not by its age: it idled far less than ``PING_AFTER_IDLE_SECONDS``), so the
    write is applied once and says so, instead of failing with an unknown outcome."""
    with open_store(server_url) as store:
        store.connectors.register(VectorConnector(connector_id="a", tenant_id="t", name="a"))
        assert kill_sessions(server_url) >= 1

        store.connectors.register(VectorConnector(connector_id="b", tenant_id="t", name="b"))
        assert store.connectors.record_connection("a").connection_count == 1
        assert [c.connector_id for c in store.connectors.list("t")] == ["a", "b"]


def test_each_one_statement_call_is_one_round_trip_even_after_its_connection_idled(
    any_url: str,
) -> None:
    """Nothing but the call's own statement goes to the database: no ping (also not for a
    connection idle long enough to have been dropped), no BEGIN or COMMIT. On MariaDB a write
    and its read-back go as one batch: one round trip, heard once."""
    with open_store(any_url) as store:
        clear_store(store)
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        response = store.external_responses.record_raw_response("s", {"a": 1}, "o")
        calls: dict[str, Callable[[], object]] = {
            "get": lambda: store.connectors.get("c"),
            "get_by_name": lambda: store.connectors.get_by_name("t", "n"),
            "list": lambda: store.connectors.list("t"),
            "register": lambda: store.connectors.register(
                VectorConnector(connector_id="d", tenant_id="t", name="d")
            ),
            "record_connection": lambda: store.connectors.record_connection("c"),
            "record_raw_response": lambda: store.external_responses.record_raw_response(
                "s", {"b": 2}, "o"
            ),
            "pending": lambda: store.external_responses.get_pending_interpretations("o"),
            "interpret": lambda: store.external_responses.interpret(response.id, {"ok": 1}, "me"),
        }
        sent: list[str] = []
        _sql_backend(store).add_statement_listener(lambda sql, _many: sent.append(sql))
        for name, call in calls.items():
            for connection in _pool(store)._idle:
                connection.idle_since -= 2 * PING_AFTER_IDLE_SECONDS
            sent.clear()
            call()
            assert len(sent) == 1, (name, sent)

"""The SQL backend beyond the contract suite: URL handling, SQLite in-memory privacy and file
concurrency (threads and processes), statement shapes (atomic counters, one-statement upsert,
bounded round trips), how the unit of work treats calls made inside it, and server columns.
Errors: ``test_sql_errors.py``; lost connections and outcomes:
``test_sql_lost_connections.py``; the servers' fixtures: ``conftest.py``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")

import sqlalchemy as sa

from integration_store import VectorConnector, open_store
from integration_store.backends.sql import SqlBackend, provider
from integration_store.backends.sql.engine import engine_url
from integration_store.backends.sql.tables import external_responses
from integration_store.errors import (
    ConflictError,
    IntegrationStoreError,
    UnsupportedOperationError,
)
from integration_store.store import Store
from integration_store.test_support import clear_store
from integration_store.testing import FixedClock, SequentialIds


def _backend(store: Store) -> SqlBackend:
    assert isinstance(store.backend, SqlBackend)
    return store.backend


# ---- URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "drivername"),
    [
        ("sqlite://", "sqlite"),
        ("sqlite:///app.db", "sqlite"),
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg"),
        ("mysql://root@h/db", "mysql+pymysql"),
        ("mariadb://root@h/db", "mariadb+pymysql"),
        ("mysql+pymysql://root@h/db", "mysql+pymysql"),
    ],
)
def test_bare_server_schemes_get_this_librarys_drivers(url: str, drivername: str) -> None:
    assert engine_url(url).drivername == drivername


@pytest.mark.parametrize("url", ["oracle://scott@h/db", "not a url", "sqlite"])
def test_urls_the_sql_backend_cannot_serve_are_refused(url: str) -> None:
    with pytest.raises(IntegrationStoreError):
        provider.open(url)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_each_in_memory_open_is_a_private_migrated_database(url: str) -> None:
    with open_store(url) as first, open_store(url) as second:
        first.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        assert second.connectors.get("c") is None
        assert first.connectors.get("c") is not None


def test_isolated_url_yields_in_memory_sqlite_unchanged() -> None:
    with provider.isolated_url("sqlite://") as private:
        assert private == "sqlite://"


def test_isolated_url_never_touches_the_named_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/app.db"
    with open_store(url) as users:
        users.create_schema()
        users.connectors.register(VectorConnector(connector_id="kept", tenant_id="t", name="n"))

    with provider.isolated_url(url) as private, open_store(private) as test_run:
        assert private != url
        test_run.create_schema()
        clear_store(test_run)
        assert test_run.connectors.get("kept") is None

    with open_store(url) as users:
        assert users.connectors.get("kept") is not None
    assert sorted(path.name for path in tmp_path.iterdir()) == ["app.db"]


def test_isolated_url_refuses_a_sqlite_uri_filename(tmp_path: Path) -> None:
    with (
        pytest.raises(UnsupportedOperationError, match="URI filename"),
        provider.isolated_url(f"sqlite:///file:{tmp_path}/app.db?uri=true"),
    ):
        pass


def test_isolated_server_databases_are_private_and_dropped(
    private_server: Callable[[str], AbstractContextManager[str]],
) -> None:
    for dialect in ("postgresql", "mysql"):
        with private_server(dialect) as first, private_server(dialect) as second:
            assert first != second
            with open_store(first) as one, open_store(second) as two:
                one.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
                assert two.connectors.get("c") is None
        # Dropped on exit: the URL no longer reaches a database.
        with open_store(first) as gone, pytest.raises(IntegrationStoreError):
            gone.connectors.get("c")


# ---- SQLite files ------------------------------------------------------------------------


def test_sqlite_file_uses_wal_and_a_busy_timeout(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/wal.db") as store:
        store.create_schema()
        with _backend(store).engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_sqlite_file_stores_share_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/shared.db"
    with open_store(url) as writer, open_store(url) as reader:
        writer.create_schema()
        writer.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        assert reader.connectors.get("c") is not None


def test_sqlite_file_threads_with_their_own_stores_lose_no_increment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/threads.db"
    with open_store(url) as setup:
        setup.create_schema()
        setup.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
    threads, calls = 8, 25

    def hammer(index: int) -> None:
        with open_store(url) as store:  # its own engine and connections
            for step in range(calls):
                store.connectors.record_connection("c")
                store.connectors.get("c")
                if step % 5 == 0:
                    store.workers.register_worker(f"w-{index}-{step}", "W")

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(hammer, range(threads)))
    with open_store(url) as check:
        connector = check.connectors.get("c")
        assert connector is not None
        assert connector.connection_count == threads * calls
        assert len(check.workers.list_workers()) == threads * calls // 5


def test_sqlite_file_processes_lose_no_increment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/processes.db"
    with open_store(url) as setup:
        setup.create_schema()
        setup.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
    script = textwrap.dedent(
        f"""
        from integration_store import open_store
        with open_store({url!r}) as store:
            for _ in range(40):
                store.connectors.record_connection("c")
                store.connectors.record_error("c", "boom")
        """
    )
    workers = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(4)]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0, 0, 0]
    with open_store(url) as check:
        connector = check.connectors.get("c")
        assert connector is not None
        assert (connector.connection_count, connector.error_count) == (160, 160)


def test_sqlite_memory_store_shared_by_threads_serialises_calls() -> None:
    with open_store("sqlite://") as store:
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))

        def work(index: int) -> None:
            for step in range(20):
                store.connectors.record_connection("c")
                with store.transaction() as tx:
                    tx.connectors.record_error("c", f"{index}-{step}")

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(work, range(8)))
        connector = store.connectors.get("c")
        assert connector is not None
        assert (connector.connection_count, connector.error_count) == (160, 160)


# ---- what is stored, and how many statements it takes -----------------------------------


def _statements(store: Store) -> tuple[list[str], Any]:
    seen: list[str] = []

    def listener(sql: str, _many: bool) -> None:
        # A batch (MariaDB's write and read-back in one round trip) counts statement by statement.
        seen.extend(" ".join(part.split()).upper() for part in sql.split(";") if part.strip())

    return seen, _backend(store).add_statement_listener(listener)


def _data_statements(seen: list[str]) -> list[str]:
    return [s for s in seen if s.split(" ", 1)[0] in ("SELECT", "INSERT", "UPDATE", "DELETE")]


def test_counters_are_one_update_adding_in_the_database(any_url: str) -> None:
    with open_store(any_url) as store:
        clear_store(store)
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        seen, stop = _statements(store)
        store.connectors.record_connection("c")
        stop()
        data = _data_statements(seen)
        assert data[0].startswith("UPDATE")
        assert "CONNECTION_COUNT=(INTEGRATION_CONNECTORS.CONNECTION_COUNT+" in data[0].replace(
            " ", ""
        )
        # Nothing was read before the update; at most the row is read back after it.
        assert all(s.startswith("SELECT") for s in data[1:]) and len(data) <= 2


def test_tenant_config_upsert_is_one_statement(any_url: str) -> None:
    with open_store(any_url) as store:
        clear_store(store)
        store.workers.register_worker("w", "W")
        for _ in range(2):  # insert, then update
            seen, stop = _statements(store)
            store.workers.set_tenant_worker_config("t", "w", enabled=False, brand={"a": 1})
            stop()
            writes = [s for s in _data_statements(seen) if not s.startswith("SELECT")]
            assert len(writes) == 1
            assert "ON CONFLICT" in writes[0] or "ON DUPLICATE KEY UPDATE" in writes[0]


def test_workers_for_tenant_take_a_bounded_number_of_statements(any_url: str) -> None:
    def count(workers: int) -> int:
        with open_store(any_url) as store:
            clear_store(store)
            for index in range(workers):
                store.workers.register_worker(f"w{index:03}", f"W{index}")
                store.workers.set_tenant_worker_config("t", f"w{index:03}", config={"k": index})
            seen, stop = _statements(store)
            rows = store.workers.get_workers_for_tenant("t")
            stop()
            assert len(rows) == workers
            return len(_data_statements(seen))

    assert count(1) == count(25)


def test_sqlite_stores_milliseconds_and_hex_ids(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/raw.db", id_factory=SequentialIds(2**127)) as store:
        store.create_schema()
        response = store.external_responses.record_raw_response("s", {"a": 1.0}, "o")
        with _backend(store).engine.connect() as connection:
            row = connection.execute(
                sa.text(f"SELECT id, received_at, raw_response FROM {external_responses.name}")
            ).one()
    assert row[0] == response.id.hex and len(row[0]) == 32
    assert row[1] == int(response.received_at.timestamp() * 1000)
    assert row[2] == '{"a":1.0}'


def test_pending_queue_orders_ids_as_uuid_int(any_url: str) -> None:
    import uuid

    ids = iter([uuid.UUID(int=2**128 - 1), uuid.UUID(int=1), uuid.UUID(int=2**64)])
    with open_store(any_url, clock=FixedClock(), id_factory=lambda: next(ids)) as store:
        clear_store(store)
        for _ in range(3):
            store.external_responses.record_raw_response("s", {}, "o")
        pending = store.external_responses.get_pending_interpretations("o")
    assert [r.id.int for r in pending] == [1, 2**64, 2**128 - 1]


# ---- the unit of work --------------------------------------------------------------------


def test_calls_inside_a_transaction_on_its_thread_join_it(any_url: str) -> None:
    with open_store(any_url) as store:
        clear_store(store)
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.connectors.register(VectorConnector(connector_id="a", tenant_id="t", name="a"))
            # The store's own services see and join the open unit of work (no self-deadlock).
            assert store.connectors.get("a") is not None
            store.connectors.record_connection("a")
            with store.transaction() as inner:  # a nested block joins the outer one
                inner.connectors.register(
                    VectorConnector(connector_id="b", tenant_id="t", name="b")
                )
            raise RuntimeError("abort")
        assert store.connectors.list() == []


def test_a_conflict_keeps_the_transaction_usable(any_url: str) -> None:
    with open_store(any_url) as store:
        clear_store(store)
        store.connectors.register(VectorConnector(connector_id="a", tenant_id="t", name="a"))
        with store.transaction() as tx:
            record = dict(tx.connectors._storage.get("a") or {})
            with pytest.raises(ConflictError):
                # the raw storage raises the bare class
                tx.connectors._storage.insert(record)
            tx.connectors.register(VectorConnector(connector_id="b", tenant_id="t", name="b"))
        assert [c.connector_id for c in store.connectors.list()] == ["a", "b"]


# ---- servers ----------------------------------------------------------------------------


def test_threads_sharing_a_server_store_lose_no_increment(server_url: str) -> None:
    with open_store(server_url) as store:
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        barrier = threading.Barrier(8)

        def work(_: int) -> None:
            barrier.wait()
            for _step in range(20):
                store.connectors.record_connection("c")

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(work, range(8)))
        connector = store.connectors.get("c")
        assert connector is not None and connector.connection_count == 160


def test_server_columns_are_stored_as_documented(server_url: str) -> None:
    """Identifiers and free text collate by code point; timestamps and ids keep exact forms."""
    with open_store(server_url) as store, _backend(store).engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT column_name, data_type, collation_name FROM information_schema.columns "
                "WHERE table_name = :table AND table_schema = "
                + ("current_schema()" if connection.dialect.name == "postgresql" else "DATABASE()")
            ),
            {"table": external_responses.name},
        )
        columns = {name: (kind.lower(), collation) for name, kind, collation in rows}
        if connection.dialect.name == "postgresql":
            received_at = connection.execute(
                sa.text(
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                    "WHERE attrelid = CAST(:table AS regclass) AND attname = 'received_at'"
                ),
                {"table": external_responses.name},
            ).scalar()
            assert received_at == "timestamp(3) with time zone"
    if connection.dialect.name == "postgresql":
        assert columns["interpretation_owner"] == ("character varying", "C")
        assert columns["id"][0] == "uuid"
        assert columns["received_at"][0] == "timestamp with time zone"
        assert columns["raw_response"] == ("text", None)
    else:
        assert columns["interpretation_owner"] == ("varchar", "utf8mb4_nopad_bin")
        assert columns["id"] == ("char", "ascii_bin")
        assert columns["received_at"] == ("bigint", None)
        assert columns["raw_response"] == ("longtext", "utf8mb4_bin")

"""The SQL backend beyond the contract suite: URL handling, SQLite in-memory privacy and file
concurrency (threads and processes), statement shapes (atomic counters, one-statement upsert,
bounded round trips), error mapping (closed port, killed connection, schema errors) and how the
unit of work treats calls made inside it."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")

import sqlalchemy as sa

from integration_store import VectorConnector, open_store
from integration_store.backends.sql import SqlBackend, provider
from integration_store.backends.sql.engine import engine_url
from integration_store.backends.sql.errors import loaded_driver, translated_errors
from integration_store.backends.sql.tables import connectors, external_responses
from integration_store.errors import (
    BackendUnavailableError,
    ConflictError,
    IntegrationStoreError,
    UnsupportedOperationError,
)
from integration_store.store import Store
from integration_store.test_support import clear_store
from integration_store.testing import FixedClock, SequentialIds

SERVER_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/test",
}
"""The development machine's servers, used when ``INTEGRATION_STORE_TEST_URLS`` names none."""


def _server_url(dialect: str) -> tuple[str, bool]:
    """(URL, whether the environment demanded it: then it must not be skipped)."""
    named = [u.strip() for u in os.environ.get("INTEGRATION_STORE_TEST_URLS", "").split(",")]
    for url in named:
        scheme = url.split("://", 1)[0].split("+", 1)[0]
        if scheme == dialect or (dialect == "mysql" and scheme == "mariadb"):
            return url, True
    return SERVER_URLS[dialect], False


def _backend(store: Store) -> SqlBackend:
    assert isinstance(store.backend, SqlBackend)
    return store.backend


@pytest.fixture(params=["sqlite-memory", "sqlite-file", "postgresql", "mysql"])
def any_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty, migrated database of each SQL dialect."""
    if request.param == "sqlite-memory":
        yield "sqlite://"
        return
    if request.param == "sqlite-file":
        url = f"sqlite:///{tmp_path}/store.db"
        with open_store(url) as store:
            store.create_schema()
        yield url
        return
    with _private_server_url(request.param) as url:
        yield url


@pytest.fixture(params=["postgresql", "mysql"])
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL to a fresh, migrated database on each server."""
    with _private_server_url(request.param) as url:
        yield url


@contextmanager
def _private_server_url(dialect: str) -> Iterator[str]:
    """``provider.isolated_url`` with the schema created; skips when a server the environment
    did not name is down."""
    url, demanded = _server_url(dialect)
    with ExitStack() as stack:
        try:
            private = stack.enter_context(provider.isolated_url(url))
        except BackendUnavailableError:
            if demanded:
                raise
            pytest.skip(f"no server at {url}")
        with open_store(private) as store:
            store.create_schema()
        yield private


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


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


def test_isolated_server_databases_are_private_and_dropped() -> None:
    for dialect in SERVER_URLS:
        with _private_server_url(dialect) as first, _private_server_url(dialect) as second:
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


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "postgresql+psycopg://postgres@127.0.0.1:{port}/test",
        "mysql+pymysql://root@127.0.0.1:{port}/test",
    ],
)
def test_a_closed_port_raises_backend_unavailable_with_the_driver_error_chained(
    template: str,
) -> None:
    url = template.format(port=_closed_port())
    with open_store(url) as store:
        for call in (store.create_schema, lambda: store.connectors.get("c")):
            with pytest.raises(BackendUnavailableError) as raised:
                call()
            cause = raised.value.__cause__
            assert _driver_error(cause, "OperationalError")
    with pytest.raises(BackendUnavailableError), provider.isolated_url(url):
        pass


def test_a_sqlite_file_in_missing_directories_is_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///tmp/deeper/x.db") as store:  # relative: ./tmp/deeper/x.db
        store.create_schema()
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
    assert (tmp_path / "tmp" / "deeper" / "x.db").is_file()


def test_an_unopenable_sqlite_file_raises_backend_unavailable(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    with open_store(f"sqlite:///{tmp_path}/a-file/store.db") as store:
        with pytest.raises(BackendUnavailableError) as raised:
            store.connectors.get("c")
        assert _driver_error(raised.value.__cause__, "OperationalError")


def test_a_missing_schema_is_a_store_error_not_an_outage(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/empty.db") as store:
        with pytest.raises(IntegrationStoreError) as raised:
            store.connectors.get("c")
        assert not isinstance(raised.value, BackendUnavailableError)
        assert "create_schema" in str(raised.value)


def _driver_error(error: BaseException | None, class_name: str) -> bool:
    """Whether ``error`` is the DB-API driver's own exception of that class, as raised by the
    driver (storage calls run on its cursor) or wrapped by SQLAlchemy (schema work)."""
    if isinstance(error, sa.exc.DBAPIError):
        error = error.orig
    driver = None if error is None else loaded_driver(error)
    return driver is not None and isinstance(error, getattr(driver, class_name))


def _kill_sessions(url: str) -> None:
    """Kill every other session on the store's database, from a separate connection."""
    engine = sa.create_engine(engine_url(url), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            else:
                ids = connection.exec_driver_sql(
                    "SELECT id FROM information_schema.processlist "
                    "WHERE db = DATABASE() AND id <> CONNECTION_ID()"
                ).scalars()
                for session in list(ids):
                    connection.exec_driver_sql(f"KILL CONNECTION {int(session)}")
            connection.commit()
    finally:
        engine.dispose()


def test_a_killed_connection_fails_the_transaction_and_the_next_call_works(
    server_url: str,
) -> None:
    with open_store(server_url) as store:
        store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        # Pooled connections killed while idle: pre-ping replaces them.
        _kill_sessions(server_url)
        assert store.connectors.get("c") is not None
        # Killed in the middle of a unit of work: the work is lost, the error says why.
        with pytest.raises(BackendUnavailableError) as raised, store.transaction() as tx:
            tx.connectors.record_connection("c")
            _kill_sessions(server_url)
            tx.connectors.record_connection("c")
        assert _driver_error(raised.value.__cause__, "Error")
        connector = store.connectors.get("c")
        assert connector is not None and connector.connection_count == 0


def test_other_database_errors_are_store_errors(server_url: str) -> None:
    with open_store(server_url) as store:
        with _backend(store).engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE {connectors.name}"))
        with pytest.raises(IntegrationStoreError) as raised:
            store.connectors.get("c")
        assert not isinstance(raised.value, BackendUnavailableError)
        assert _driver_error(raised.value.__cause__, "Error")


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


@pytest.mark.parametrize(
    ("errno", "unavailable"),
    [(2003, True), (2013, True), (1927, True), (1213, True), (1690, False), (1366, False)],
)
def test_mariadb_errors_are_told_apart_by_number(errno: int, unavailable: bool) -> None:
    """PyMySQL raises OperationalError for any server error it has no class for; only the
    connection-related ones are outages."""
    pymysql = pytest.importorskip("pymysql")
    driver_error = pymysql.err.OperationalError(errno, "message")
    with pytest.raises(IntegrationStoreError) as raised, translated_errors():
        raise sa.exc.OperationalError("SELECT 1", {}, driver_error)
    assert isinstance(raised.value, BackendUnavailableError) is unavailable
    assert isinstance(raised.value.__cause__, sa.exc.OperationalError)


def test_a_bigint_overflow_is_a_store_error_not_an_outage(server_url: str) -> None:
    with open_store(server_url) as store:
        engine = _backend(store).engine
        bigint = "BIGINT" if engine.dialect.name == "postgresql" else "SIGNED"
        with (
            pytest.raises(IntegrationStoreError) as raised,
            translated_errors(),
            engine.connect() as connection,
        ):
            connection.execute(sa.text(f"SELECT CAST(9223372036854775807 AS {bigint}) + 1")).all()
    assert not isinstance(raised.value, BackendUnavailableError)
    assert "range" in str(raised.value)
    assert "create_schema" not in str(raised.value)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("UniqueViolation", ConflictError),
        ("AdminShutdown", BackendUnavailableError),
        ("ConnectionFailure", BackendUnavailableError),
        ("NumericValueOutOfRange", IntegrationStoreError),
        ("UndefinedTable", IntegrationStoreError),
    ],
)
def test_postgresql_errors_are_told_apart_by_class_and_sqlstate(
    name: str, expected: type[IntegrationStoreError]
) -> None:
    psycopg = pytest.importorskip("psycopg")
    driver_error = getattr(psycopg.errors, name)("message")
    with pytest.raises(IntegrationStoreError) as raised, translated_errors():
        raise sa.exc.DBAPIError.instance("SELECT 1", {}, driver_error, psycopg.Error)
    assert type(raised.value) is expected
    assert raised.value.__cause__ is not None


def test_a_driver_error_raised_outside_sqlalchemy_is_translated_by_its_code() -> None:
    """Connect hooks raise the driver's own exceptions, which SQLAlchemy does not wrap."""
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = sqlite3.SQLITE_BUSY
    with pytest.raises(BackendUnavailableError) as raised, translated_errors():
        raise busy
    assert raised.value.__cause__ is busy
    with pytest.raises(IntegrationStoreError) as statement_error, translated_errors():
        raise sqlite3.OperationalError("integer overflow")
    assert not isinstance(statement_error.value, BackendUnavailableError)
    assert "create_schema" not in str(statement_error.value)


def test_a_missing_table_on_a_server_hints_at_create_schema() -> None:
    psycopg = pytest.importorskip("psycopg")
    with pytest.raises(IntegrationStoreError) as raised, translated_errors():
        raise sa.exc.DBAPIError.instance(
            "SELECT 1", {}, psycopg.errors.UndefinedTable("no table"), psycopg.Error
        )
    assert "create_schema" in str(raised.value)


def test_exceptions_not_from_the_database_pass_through() -> None:
    with pytest.raises(KeyError), translated_errors():
        raise KeyError("not a database error")

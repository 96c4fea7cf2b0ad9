"""How the SQL backend reports failures: driver errors become the library's (closed port,
unopenable file, missing schema, codes of each driver, refused logins, deadlocks). Lost
connections are ``test_sql_lost_connections.py``'s."""

from __future__ import annotations

import socket
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import cast

import pytest

pytest.importorskip("sqlalchemy")

import sqlalchemy as sa

from integration_store import VectorConnector, open_store
from integration_store.backends.sql import SqlBackend, provider
from integration_store.backends.sql.errors import loaded_driver, translated_errors
from integration_store.backends.sql.tables import connectors
from integration_store.errors import (
    BackendAccessError,
    BackendUnavailableError,
    ConflictError,
    IntegrationStoreError,
    TransactionConflictError,
)
from integration_store.store import Store, UnitOfWork


def _backend(store: Store) -> SqlBackend:
    return cast(SqlBackend, store.backend)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


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


def test_other_database_errors_are_store_errors(server_url: str) -> None:
    with open_store(server_url) as store:
        with _backend(store).engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE {connectors.name}"))
        with pytest.raises(IntegrationStoreError) as raised:
            store.connectors.get("c")
        assert not isinstance(raised.value, BackendUnavailableError)
        assert _driver_error(raised.value.__cause__, "Error")


@pytest.mark.parametrize(
    ("errno", "expected"),
    [
        (2003, BackendUnavailableError),
        (2013, BackendUnavailableError),
        (1927, BackendUnavailableError),
        (1205, BackendUnavailableError),
        (1213, TransactionConflictError),
        (1020, TransactionConflictError),
        (1045, BackendAccessError),
        (1049, BackendAccessError),
        (1142, BackendAccessError),
        (1690, IntegrationStoreError),
        (1366, IntegrationStoreError),
    ],
)
def test_mariadb_errors_are_told_apart_by_number(
    errno: int, expected: type[IntegrationStoreError]
) -> None:
    """PyMySQL raises OperationalError for any server error it has no class for; only the
    connection-related ones are outages, a deadlock is worth running again, a refused login is
    neither."""
    pymysql = pytest.importorskip("pymysql")
    driver_error = pymysql.err.OperationalError(errno, "message")
    with pytest.raises(IntegrationStoreError) as raised, translated_errors():
        raise sa.exc.OperationalError("SELECT 1", {}, driver_error)
    assert type(raised.value) is expected
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
        ("SerializationFailure", TransactionConflictError),
        ("DeadlockDetected", TransactionConflictError),
        ("InvalidPassword", BackendAccessError),
        ("InvalidCatalogName", BackendAccessError),
        ("InsufficientPrivilege", BackendAccessError),
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


# ---- refused logins and transaction conflicts -------------------------------------------


@pytest.mark.parametrize("change", [{"username": "no_such_role"}, {"database": "no_such_db"}])
def test_a_refused_login_or_missing_database_is_an_access_error_not_an_outage(
    server_url: str, change: dict[str, str]
) -> None:
    url = sa.make_url(server_url).set(**change).render_as_string(hide_password=False)
    with open_store(url) as store, pytest.raises(BackendAccessError) as raised:
        store.connectors.get("c")

    assert not isinstance(raised.value, BackendUnavailableError)
    assert _driver_error(raised.value.__cause__, "OperationalError")


def _two_connectors(store: Store) -> None:
    for connector_id in ("a", "b"):
        store.connectors.register(
            VectorConnector(connector_id=connector_id, tenant_id="t", name=connector_id)
        )


def _counts(store: Store) -> list[int]:
    found = [store.connectors.get(connector_id) for connector_id in ("a", "b")]
    return [connector.connection_count for connector in found if connector is not None]


def _increment_both(tx: UnitOfWork, order: int, barrier: threading.Barrier | None) -> None:
    """Count a connection on "a" and "b" in the order ``order`` names, first waiting (with a
    barrier) until the other thread holds its first row: then the database must abort one."""
    first, second = ("a", "b") if order == 0 else ("b", "a")
    tx.connectors.record_connection(first)
    if barrier is not None:
        barrier.wait()
    tx.connectors.record_connection(second)


def test_a_deadlock_is_a_transaction_conflict_and_applies_nothing_of_the_loser(
    server_url: str,
) -> None:
    with open_store(server_url) as store:
        _two_connectors(store)
        barrier = threading.Barrier(2, timeout=10)
        errors: list[BaseException] = []

        def run(order: int) -> None:
            try:
                with store.transaction() as tx:
                    _increment_both(tx, order, barrier)
            except IntegrationStoreError as error:
                errors.append(error)

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(run, (0, 1)))

        assert [type(error) for error in errors] == [TransactionConflictError]
        assert _counts(store) == [1, 1]  # the winner's two increments; none of the loser's


def test_run_in_transaction_runs_a_deadlocked_unit_of_work_again(server_url: str) -> None:
    with open_store(server_url) as store:
        _two_connectors(store)
        barrier = threading.Barrier(2, timeout=10)
        attempts = [0, 0]

        def run(order: int) -> None:
            def work(tx: UnitOfWork) -> None:
                attempts[order] += 1
                _increment_both(tx, order, barrier if attempts[order] == 1 else None)

            store.run_in_transaction(work, retries=3)

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(run, (0, 1)))

        assert sorted(attempts) == [1, 2]
        assert _counts(store) == [2, 2]

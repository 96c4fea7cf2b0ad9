"""Connection settings a SQL store takes from its URL or checks when it connects: SQLite's busy
timeout (``?timeout=`` seconds) and MariaDB's ``max_allowed_packet``."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from integration_store import (
    BackendUnavailableError,
    Connector,
    IntegrationStoreError,
    ValidationError,
    open_store,
)
from integration_store.backends.sql import engine
from integration_store.backends.sql.backend import SqlBackend
from integration_store.store import Store


def _busy_timeout_ms(store: Store) -> int:
    backend = store.backend
    assert isinstance(backend, SqlBackend)
    connection = backend.engine.raw_connection()  # made as the store makes its own
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout")
        (value,) = cursor.fetchone()
        return int(value)
    finally:
        connection.close()


def test_the_busy_timeout_comes_from_the_url_in_seconds(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/a.db?timeout=2.5") as store:
        assert _busy_timeout_ms(store) == 2_500
    with open_store(f"sqlite:///{tmp_path}/b.db") as store:
        assert _busy_timeout_ms(store) == engine.SQLITE_BUSY_TIMEOUT_MS


def test_a_write_to_a_file_locked_elsewhere_gives_up_after_the_urls_timeout(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/locked.db?timeout=0.05"
    with open_store(url) as store:
        store.create_schema()
        other = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
            with pytest.raises(BackendUnavailableError):
                store.connectors.register(Connector(connector_id="c", tenant_id="t", name="n"))
            other.execute("ROLLBACK")
        finally:
            other.close()

        assert _busy_timeout_ms(store) == 50
        assert store.connectors.list() == []


@pytest.mark.parametrize("bad", ["soon", "-1", "nan", "inf", "86401", "1e400"])
def test_a_bad_timeout_is_refused_naming_it(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValidationError) as raised:
        open_store(f"sqlite:///{tmp_path}/a.db?timeout={bad}")

    assert raised.value.field == "timeout"


def test_a_repeated_timeout_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="timeout"):
        open_store(f"sqlite:///{tmp_path}/a.db?timeout=1&timeout=2")


def test_an_in_memory_store_takes_a_timeout_too() -> None:
    with open_store("sqlite://?timeout=1") as store:
        assert store.connectors.list() == []


def _mysql_url() -> str:
    named = [u.strip() for u in os.environ.get("INTEGRATION_STORE_TEST_URLS", "").split(",")]
    for url in named:
        if url.split("://", 1)[0].split("+", 1)[0] in ("mysql", "mariadb"):
            return url
    return "mysql+pymysql://root@127.0.0.1:3306/test"


def test_a_server_whose_packets_cannot_hold_the_cap_is_refused_clearly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with open_store(_mysql_url()) as store:
        try:
            store.connectors.get("x")
        except BackendUnavailableError:
            pytest.skip("no MariaDB server")
        except IntegrationStoreError:
            pass  # the server answered; its shared database may hold another branch's layout
    monkeypatch.setattr(engine, "MYSQL_MIN_MAX_ALLOWED_PACKET", 2**40)

    with open_store(_mysql_url()) as store, pytest.raises(IntegrationStoreError) as raised:
        store.connectors.get("x")

    assert type(raised.value) is IntegrationStoreError
    assert "max_allowed_packet" in str(raised.value)

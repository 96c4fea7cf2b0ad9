"""A bulk write is one INSERT round trip on SQL, whatever the batch size (the contract suite
proves what it stores; this proves how)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")

from integration_store import FileConnector, open_store
from integration_store.backends.sql import SqlBackend
from integration_store.store import Store


@pytest.fixture(params=["sqlite://", "sqlite-file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path}/bulk.db" if request.param == "sqlite-file" else request.param
    with open_store(url) as opened:
        opened.create_schema()
        yield opened


def _inserts_during(store: Store, action: Any) -> list[bool]:
    """``executemany`` of each INSERT the store sent while ``action`` ran."""
    assert isinstance(store.backend, SqlBackend)
    sent: list[bool] = []

    def seen(statement: str, many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            sent.append(many)

    stop = store.backend.add_statement_listener(seen)
    try:
        action()
    finally:
        stop()
    return sent


def test_register_many_sends_one_executemany_insert(store: Store) -> None:
    batch = [FileConnector(connector_id=f"c{i}", tenant_id="t", name=f"n{i}") for i in range(50)]

    assert _inserts_during(store, lambda: store.connectors.register_many(batch)) == [True]
    assert len(store.connectors.list()) == 50


def test_record_raw_responses_sends_one_executemany_insert(store: Store) -> None:
    items = [
        {"source": "s", "raw_response": {"i": i}, "interpretation_owner": "o"} for i in range(50)
    ]

    sent = _inserts_during(store, lambda: store.external_responses.record_raw_responses(items))

    assert sent == [True]


def test_a_mariadb_batch_of_two_megabytes_is_one_insert_statement(
    private_server: Callable[[str], AbstractContextManager[str]],
) -> None:
    """PyMySQL alone splits an ``executemany`` into INSERTs of at most 1,024,000 bytes; the
    store lets it fill the server's ``max_allowed_packet`` instead. Counted by the server, in
    the session that ran the batch."""
    items = [
        {
            "source": "s",
            "raw_response": {"text": f"{i:04} " + "x" * 2000},
            "interpretation_owner": "o",
        }
        for i in range(1000)
    ]
    with private_server("mysql") as url, open_store(url) as store:
        assert isinstance(store.backend, SqlBackend)
        pool = store.backend._pool
        store.external_responses.record_raw_response("s", {}, "o")  # the session's connection

        def session_inserts() -> int:
            connection, _ = pool.acquire(for_write=False)
            try:
                cursor = connection.dbapi.cursor()
                cursor.execute("SHOW SESSION STATUS LIKE 'Com_insert'")
                return int(cursor.fetchone()[1])
            finally:
                pool.release(connection)

        before = session_inserts()
        store.external_responses.record_raw_responses(items)

        assert session_inserts() - before == 1
        assert pool._opened == 1  # the batch ran in the session counted
        assert len(store.external_responses.get_pending_interpretations("o", 2000)) == 1001

"""A bulk write is one INSERT round trip on SQL, whatever the batch size (the contract suite
proves what it stores; this proves how)."""

from __future__ import annotations

from collections.abc import Iterator
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

"""Query plans of the SQL backend's hot statements, asserted (never timed).

On a SQLite file and on PostgreSQL, with 100k connectors and 100k responses, the statements the
storages build (``find_statement``, ``get_by_name_statement``, ``pending_statement`` and
``claimable_statement``, the responses a claim picks; compiled here for the dialect) are
planned on an index: no full scan of the table and no sort step for the ORDER BY; a keyset page
starts its index range at the cursor's key.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytest.importorskip("sqlalchemy")

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from integration_store import open_store
from integration_store.backends.sql import SqlBackend, provider
from integration_store.backends.sql.connectors import (
    find_statement,
    find_values,
    get_by_name_statement,
)
from integration_store.backends.sql.external_responses import (
    claimable_statement,
    pending_statement,
    pending_values,
)
from integration_store.backends.sql.tables import connectors, external_responses
from integration_store.errors import BackendUnavailableError
from integration_store.protocols import ConnectorQuery

ROWS = 100_000
START = datetime(2026, 1, 1, tzinfo=UTC)
POSTGRESQL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
"""The development machine's server, used when ``INTEGRATION_STORE_TEST_URLS`` names none."""


def _postgresql_url() -> tuple[str, bool]:
    """(URL, whether the environment demanded it: then it must not be skipped)."""
    named = [u.strip() for u in os.environ.get("INTEGRATION_STORE_TEST_URLS", "").split(",")]
    for url in named:
        if url.split("://", 1)[0].split("+", 1)[0] == "postgresql":
            return url, True
    return POSTGRESQL_URL, False


@contextmanager
def _private_postgresql_url() -> Iterator[str]:
    """``provider.isolated_url`` on the PostgreSQL server; skips when a server the environment
    did not name is down."""
    url, demanded = _postgresql_url()
    with ExitStack() as stack:
        try:
            private = stack.enter_context(provider.isolated_url(url))
        except BackendUnavailableError:
            if demanded:
                raise
            pytest.skip(f"no server at {url}")
        yield private


def _connector_rows() -> list[dict[str, Any]]:
    base = {
        "kind": "connector",
        "connector_type": "http",
        "status": "registered",
        "config": {},
        "capabilities": [],
        "last_connected": None,
        "last_error": None,
        "connection_count": 0,
        "error_count": 0,
        "metadata": {},
        "extra": {},
        "created_at": START,
        "updated_at": START,
    }
    return [
        dict(base, connector_id=f"c{i}", tenant_id=f"t{i % 100}", name=f"n{i % 997}-{i}")
        for i in range(ROWS)
    ]


def _response_rows() -> list[dict[str, Any]]:
    rows = []
    for i in range(ROWS):
        interpreted = i % 4 == 0
        rows.append(
            {
                "id": uuid.UUID(int=i * 7919),
                "source": "s",
                "raw_response": {},
                "interpretation_owner": f"o{i % 50}",
                "interpretation_contract": None,
                "request_id": None,
                "run_id": None,
                "received_at": START + timedelta(milliseconds=i // 3),  # ties on received_at
                "interpreted_value": {} if interpreted else None,
                "interpreted_at": START if interpreted else None,
                "interpreted_by": "x" if interpreted else None,
            }
        )
    return rows


def _loaded(url: str) -> Iterator[Engine]:
    """The migrated database at ``url`` with ``ROWS`` rows in each table, statistics gathered."""
    with open_store(url) as store:
        store.create_schema()
        assert isinstance(store.backend, SqlBackend)
        engine = store.backend.engine
        with engine.begin() as connection:
            connection.execute(connectors.insert(), _connector_rows())
            connection.execute(external_responses.insert(), _response_rows())
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        yield engine


@pytest.fixture(scope="module", params=["sqlite-file", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite-file":
        yield from _loaded(f"sqlite:///{tmp_path_factory.mktemp('plans')}/plans.db")
        return
    with _private_postgresql_url() as url:
        yield from _loaded(url)


KEYSET_AFTER = ("n500-", "c0")
PENDING_AFTER = (START + timedelta(seconds=10), uuid.UUID(int=5))


def _listing(query: ConnectorQuery) -> sa.Select[Any]:
    """The storage's listing statement for ``query`` with the values it binds for it."""
    return find_statement(query).params(find_values(query))


def _pending(after: tuple[datetime, uuid.UUID] | None) -> sa.Select[Any]:
    return pending_statement(after is not None).params(pending_values("o7", 100, after))


STATEMENTS: dict[str, tuple[sa.Select[Any], str | None]] = {
    # name: (statement with its values, the column a keyset page must start its range on)
    "get_by_name": (get_by_name_statement().params(tenant_id="t5", name="n5-5"), None),
    "tenant page": (_listing(ConnectorQuery(tenant_id="t5", limit=100)), None),
    "tenant keyset page": (
        _listing(ConnectorQuery(tenant_id="t5", limit=100, after=KEYSET_AFTER)),
        "name",
    ),
    "all connectors page": (_listing(ConnectorQuery(limit=100)), None),
    "all connectors keyset page": (_listing(ConnectorQuery(limit=100, after=KEYSET_AFTER)), "name"),
    "pending queue": (_pending(None), None),
    "pending keyset page": (_pending(PENDING_AFTER), "received_at"),
    "claimable responses": (
        claimable_statement(skip_locked=True).params(owner="o7", now=START, limit=100),
        None,
    ),
}


def _sql(engine: Engine, statement: sa.Select[Any]) -> str:
    """The storage's statement as the dialect's SQL (values inline, so EXPLAIN needs none)."""
    return str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


def _sqlite_plan(engine: Engine, sql: str) -> list[str]:
    with engine.connect() as connection:
        return [str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]


def _postgresql_nodes(engine: Engine, sql: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        (document,) = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}").one()
    plan = json.loads(document) if isinstance(document, str) else document
    nodes, pending = [], [plan[0]["Plan"]]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.get("Plans", []))
    return nodes


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_the_statement_is_served_by_an_index_without_a_sort(engine: Engine, name: str) -> None:
    statement, range_column = STATEMENTS[name]
    sql = _sql(engine, statement)

    if engine.dialect.name == "sqlite":
        plan = _sqlite_plan(engine, sql)
        table_steps = [step for step in plan if "integration_" in step]
        assert table_steps, plan
        assert all("USING INDEX" in s or "USING COVERING INDEX" in s for s in table_steps), plan
        assert not any("TEMP B-TREE" in step for step in plan), plan
        if range_column is not None:
            assert any(s.startswith("SEARCH") and f"{range_column}>" in s for s in table_steps), (
                plan
            )
    else:
        nodes = _postgresql_nodes(engine, sql)
        kinds = [node["Node Type"] for node in nodes]
        assert "Seq Scan" not in kinds, kinds
        assert not {"Sort", "Incremental Sort"} & set(kinds), kinds
        scans = [node for node in nodes if "Index Name" in node]
        assert scans, kinds
        if range_column is not None:
            assert any(range_column in node.get("Index Cond", "") for node in scans), scans

"""Query plans of the SQL backend's hot statements, asserted (never timed).

On a SQLite file and on PostgreSQL, with 100k connectors and 100k responses, the statements the
storages build (``find_statement``, ``get_by_name_statement``, ``pending_statement`` and
``claimable_statement``, the responses a claim picks; compiled here for the dialect) are
planned on an index: no full scan of the table and no sort step for the ORDER BY; a keyset page
starts its index range at the cursor's key.

On PostgreSQL the generic plan is held to the same: psycopg prepares a statement on the server
once it has run it five times, and PostgreSQL may then plan it once for any values ($1, $2, …),
blind to the values a plan of the literal statement is made for. get_by_name must read the
unique (tenant_id, name) index in both.
"""

from __future__ import annotations

import json
import os
import re
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
    claim_statement,
    claimable_statement,
    pending_statement,
    pending_values,
)
from integration_store.backends.sql.prepared import Prepared
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
    """100 tenants of 1,000 connectors, each tenant with the same 1,000 names (as every app's
    tenants have their "Slack"), so a name alone does not find a connector."""
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
        dict(base, connector_id=f"c{i}", tenant_id=f"t{i % 100}", name=f"n{i // 100:04}")
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


@pytest.fixture(scope="module")
def postgresql_engine() -> Iterator[Engine]:
    with _private_postgresql_url() as url:
        yield from _loaded(url)


@pytest.fixture(scope="module", params=["sqlite-file", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite-file":
        yield from _loaded(f"sqlite:///{tmp_path_factory.mktemp('plans')}/plans.db")
        return
    yield request.getfixturevalue("postgresql_engine")  # loaded once for both tests


KEYSET_AFTER = ("n0500", "c0")
PENDING_AFTER = (START + timedelta(seconds=10), uuid.UUID(int=5))


Case = tuple[sa.Select[Any], dict[str, Any], str | None]
"""(statement, the values it binds, the column a keyset page must start its range on)."""


def _listing(query: ConnectorQuery, range_column: str | None = None) -> Case:
    """The storage's listing statement for ``query`` with the values it binds for it."""
    return find_statement(query), find_values(query), range_column


def _pending(after: tuple[datetime, uuid.UUID] | None, range_column: str | None = None) -> Case:
    return pending_statement(after is not None), pending_values("o7", 100, after), range_column


CLAIM_VALUES = {"owner": "o7", "now": START, "limit": 100}

STATEMENTS: dict[str, Case] = {
    "get_by_name": (get_by_name_statement(), {"tenant_id": "t5", "name": "n0005"}, None),
    "tenant page": _listing(ConnectorQuery(tenant_id="t5", limit=100)),
    "tenant keyset page": _listing(
        ConnectorQuery(tenant_id="t5", limit=100, after=KEYSET_AFTER), "name"
    ),
    "all connectors page": _listing(ConnectorQuery(limit=100)),
    "all connectors keyset page": _listing(ConnectorQuery(limit=100, after=KEYSET_AFTER), "name"),
    "pending queue": _pending(None),
    "pending keyset page": _pending(PENDING_AFTER, "received_at"),
    "claimable responses": (claimable_statement(skip_locked=True), CLAIM_VALUES, None),
}

SENT_TO_POSTGRESQL: dict[str, tuple[sa.ClauseElement, dict[str, Any], str | None]] = {
    **STATEMENTS,
    # What a claim sends PostgreSQL: the UPDATE whose subquery is "claimable responses".
    "claim": (
        claim_statement(skip_locked=True),
        {**CLAIM_VALUES, "claimant": "w", "expires": START + timedelta(minutes=1)},
        None,
    ),
}


def _sql(engine: Engine, statement: sa.Select[Any], values: dict[str, Any]) -> str:
    """The storage's statement as the dialect's SQL (values inline, so EXPLAIN needs none)."""
    return str(
        statement.params(values).compile(
            dialect=engine.dialect, compile_kwargs={"literal_binds": True}
        )
    )


def _sqlite_plan(engine: Engine, sql: str) -> list[str]:
    with engine.connect() as connection:
        return [str(row[-1]) for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")]


def _plan_nodes(document: Any) -> list[dict[str, Any]]:
    """Every node of a PostgreSQL ``EXPLAIN (FORMAT JSON)`` plan."""
    plan = json.loads(document) if isinstance(document, str) else document
    nodes, pending = [], [plan[0]["Plan"]]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.get("Plans", []))
    return nodes


def _postgresql_nodes(engine: Engine, sql: str) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        (document,) = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}").one()
    return _plan_nodes(document)


def _numbered(sql: str) -> tuple[str, list[str]]:
    """``sql`` as psycopg sends it to the server (``%(name)s`` → ``$n``, one number per name,
    ``%%`` → ``%``), and the names in the order of their numbers."""
    names: list[str] = []

    def placeholder(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    return re.sub(r"%%|%\((\w+)\)s", placeholder, sql), names


def _generic_plan_nodes(
    engine: Engine, statement: sa.ClauseElement, values: dict[str, Any]
) -> list[dict[str, Any]]:
    """The generic plan of the statement as the store sends it: the text ``Prepared`` compiles,
    with the parameters it binds, prepared on the server as psycopg prepares a statement it has
    run five times (``prepare=True``: at once), then explained with the plan cache forced to
    its generic plan."""
    pg_sql = pytest.importorskip("psycopg.sql")
    prepared = Prepared(statement, engine.dialect)
    parameters = prepared.parameters(values)
    assert isinstance(parameters, dict)
    sent, names = _numbered(prepared.sql)
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        try:
            with driver.cursor() as cursor:
                cursor.execute("SET plan_cache_mode = force_generic_plan")
                cursor.execute(prepared.sql, parameters, prepare=True)
                cursor.execute(
                    "SELECT name, custom_plans FROM pg_prepared_statements WHERE statement = %s",
                    (sent,),
                )
                rows = cursor.fetchall()
                assert len(rows) == 1, f"the server holds {len(rows)} prepared {sent!r}"
                [(server_name, custom_plans)] = rows
                assert custom_plans == 0, "it ran on a plan made for its values"
                arguments = pg_sql.SQL(", ").join(pg_sql.Literal(parameters[n]) for n in names)
                explain = pg_sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE {}({})")
                cursor.execute(explain.format(pg_sql.Identifier(server_name), arguments))
                (document,) = cursor.fetchone()
        finally:
            connection.invalidate()  # closed, not pooled: rolls back the claim's UPDATE
    return _plan_nodes(document)


def _assert_postgresql_plan_uses_an_index(
    nodes: list[dict[str, Any]], range_column: str | None
) -> None:
    kinds = [node["Node Type"] for node in nodes]
    assert "Seq Scan" not in kinds, kinds
    assert not {"Sort", "Incremental Sort"} & set(kinds), kinds
    scans = [node for node in nodes if "Index Name" in node]
    assert scans, kinds
    if range_column is not None:
        assert any(range_column in node.get("Index Cond", "") for node in scans), scans


@pytest.mark.parametrize("name", list(STATEMENTS))
def test_the_statement_is_served_by_an_index_without_a_sort(engine: Engine, name: str) -> None:
    statement, values, range_column = STATEMENTS[name]
    sql = _sql(engine, statement, values)

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
        _assert_postgresql_plan_uses_an_index(_postgresql_nodes(engine, sql), range_column)


@pytest.mark.parametrize("name", list(SENT_TO_POSTGRESQL))
def test_the_generic_plan_of_the_statement_as_sent_uses_an_index(
    postgresql_engine: Engine, name: str
) -> None:
    statement, values, range_column = SENT_TO_POSTGRESQL[name]

    nodes = _generic_plan_nodes(postgresql_engine, statement, values)

    _assert_postgresql_plan_uses_an_index(nodes, range_column)


def test_get_by_name_reads_the_unique_tenant_and_name_index(engine: Engine) -> None:
    """Names repeat across tenants (each of them has its "n0005", as each app's tenant has its
    "Slack"): an index on the name alone would read an entry per tenant, (tenant_id, name)
    reads one. For the literal statement and, on PostgreSQL, for its generic plan."""
    statement, values, _ = STATEMENTS["get_by_name"]
    sql = _sql(engine, statement, values)
    if engine.dialect.name == "sqlite":
        plan = _sqlite_plan(engine, sql)
        assert any("(tenant_id=? AND name=?)" in step for step in plan), plan
        return
    for nodes in (_postgresql_nodes(engine, sql), _generic_plan_nodes(engine, statement, values)):
        indexes = [node["Index Name"] for node in nodes if "Index Name" in node]
        assert indexes == ["uq_integration_connectors_tenant_name"], nodes

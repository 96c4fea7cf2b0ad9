"""PostgreSQL bulk inserts are one binary ``COPY``: the type sent for each column is the
column's own type on the server, and awkward values come back exactly as a single insert
stores them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("psycopg")

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from integration_store import Connector, ConnectorConfig, open_store
from integration_store.backends.sql import SqlBackend
from integration_store.backends.sql.column_types import column_type
from integration_store.backends.sql.copying import binary_copy_type, copy_plan
from integration_store.backends.sql.tables import metadata
from integration_store.model.schema import FieldKind
from integration_store.store import Store

_DIALECT = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]

_SAME_BYTES = {"varchar": "text"}
"""Server types whose binary form is another's: varchar is sent as text."""


@pytest.fixture
def store(private_server: Callable[[str], AbstractContextManager[str]]) -> Iterator[Store]:
    with private_server("postgresql") as url, open_store(url) as opened:
        yield opened


_KINDS_TABLE = sa.Table(
    "copy_kinds",
    sa.MetaData(),
    *(sa.Column(kind.name.lower(), column_type(kind)) for kind in FieldKind),
)
"""A column of every kind a record field can have, for the kinds no store table uses yet."""


def test_every_column_is_copied_as_the_servers_own_type(store: Store) -> None:
    assert isinstance(store.backend, SqlBackend)
    tables = [*metadata.sorted_tables, _KINDS_TABLE]
    server_types: dict[tuple[str, str], str] = {}
    with store.backend._engine.begin() as connection:
        _KINDS_TABLE.create(connection)
        for table, column, type_name in connection.exec_driver_sql(
            "SELECT c.relname, a.attname, t.typname FROM pg_attribute a "
            "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid "
            "WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"
        ):
            server_types[(table, column)] = _SAME_BYTES.get(type_name, type_name)

    for table in tables:
        for column in table.c:
            copied = binary_copy_type(column.type, _DIALECT)
            assert copied == server_types[(table.name, column.name)], column
        assert copy_plan(table, _DIALECT).sql.endswith("FROM STDIN (FORMAT BINARY)")


def test_a_table_with_a_column_of_another_type_is_copied_as_text() -> None:
    table = sa.Table("t", sa.MetaData(), sa.Column("k", sa.String(5)), sa.Column("n", sa.Numeric))

    plan = copy_plan(table, _DIALECT)

    assert plan.types is None
    assert plan.sql == "COPY t (k, n) FROM STDIN"


def _awkward(index: int) -> Connector:
    return Connector(
        connector_id=f"c{index}",
        tenant_id="t",
        name=f"tab\there, newline\n, backslash \\ and é—💡 {index}",
        config=ConnectorConfig(
            endpoint="https://example.com/\\N",
            credentials={"key": "\\N\t\r\n\x7f"},
            options={"big": 2**63 - 1, "small": -(2**63), "half": 0.5, "none": None},
        ),
        last_connected=datetime(1, 1, 1, tzinfo=UTC)
        if index
        else datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
        last_error="" if index else "\\.",
        connection_count=2**62,
        error_count=0,
        metadata={"nested": [{"a": "\\"}, [], {}], "text": "\\.\n"},
    )


def test_awkward_values_come_back_from_the_copy_as_single_inserts_store_them(store: Store) -> None:
    assert isinstance(store.backend, SqlBackend)
    sent: list[str] = []
    stop = store.backend.add_statement_listener(lambda sql, many: sent.append(sql))
    try:
        batch = store.connectors.register_many([_awkward(i) for i in range(3)])
    finally:
        stop()
    singles = [store.connectors.register(_single(connector)) for connector in batch]

    assert [s for s in sent if s.startswith("COPY")] == [
        copy_plan(metadata.tables["integration_connectors"], _DIALECT).sql
    ]
    for copied, single in zip(batch, singles, strict=True):
        read = store.connectors.get(copied.connector_id)
        assert read == copied
        assert _without_keys(read) == _without_keys(store.connectors.get(single.connector_id))


def _single(connector: Connector) -> Connector:
    return _replaced(connector, connector_id="s" + connector.connector_id, tenant_id="u")


def _replaced(connector: Connector, **changes: Any) -> Connector:
    return attrs.evolve(connector, **changes)


def _without_keys(connector: Connector | None) -> Connector:
    assert connector is not None
    return _replaced(connector, connector_id="", tenant_id="", created_at=None, updated_at=None)

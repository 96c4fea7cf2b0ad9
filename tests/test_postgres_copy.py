"""PostgreSQL bulk inserts are one binary ``COPY``: the type sent for each column is the
column's own type on the server, every kind's values come back as they went in, and a value
no column can hold is the library's error, with nothing stored."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("psycopg")

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from integration_store import Connector, ConnectorConfig, open_store
from integration_store.backends.sql import SqlBackend
from integration_store.backends.sql.copying import copy_plan
from integration_store.backends.sql.engine import engine_url
from integration_store.backends.sql.prepared import RowDecoder
from integration_store.backends.sql.tables import kind_column, metadata
from integration_store.errors import IntegrationStoreError
from integration_store.model.schema import FieldKind
from integration_store.records import connector_to_record
from integration_store.store import Store

_DIALECT = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]

_BINARY_FORM = {"varchar": "text"}
"""Server types whose binary form is another's: a varchar takes text's bytes."""

_KINDS = sa.Table(
    "copy_kinds",
    sa.MetaData(),
    *(kind_column(kind.name.lower(), kind) for kind in FieldKind),
)
"""A column of every kind a record field can have, kinds no store table uses yet included."""

_VALUES: dict[str, Any] = {
    "identifier": "id-é",
    "enum": "registered",
    "text": "tab\t newline\n backslash \\ \\N \\. é—💡",
    "json": {"a": [1, 2.5, None, True, "\\"], "big": 2**63 - 1, "small": -(2**63)},
    "timestamp": datetime(1, 1, 1, tzinfo=UTC),
    "uuid": uuid.UUID(int=2**128 - 1),
    "integer": -(2**63),
    "float": -0.1,
    "boolean": True,
    "bytes": b"\x00\\\n\xff",
}
"""One value of each kind, as a record holds it."""


@pytest.fixture
def url(private_server: Callable[[str], AbstractContextManager[str]]) -> Iterator[str]:
    with private_server("postgresql") as private:
        yield private


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    with open_store(url) as opened:
        yield opened


@pytest.fixture
def engine(url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(engine_url(url), poolclass=sa.pool.NullPool)
    _KINDS.create(engine)
    yield engine
    engine.dispose()


def _server_types(connection: sa.Connection, table: str) -> tuple[str, ...]:
    names = connection.exec_driver_sql(
        "SELECT t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %(table)s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        {"table": table},
    ).scalars()
    return tuple(_BINARY_FORM.get(name, name) for name in names)


def test_every_table_is_copied_in_its_columns_own_types(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        for table in [*metadata.sorted_tables, _KINDS]:
            plan = copy_plan(table, _DIALECT)

            assert plan.types == _server_types(connection, table.name), table.name
            assert plan.sql.endswith("FROM STDIN (FORMAT BINARY)")


def test_a_value_of_every_kind_and_none_come_back_from_the_copy(engine: sa.Engine) -> None:
    plan = copy_plan(_KINDS, _DIALECT)
    rows = [_VALUES, dict.fromkeys(_VALUES)]
    decode = RowDecoder(list(_KINDS.c), _DIALECT).record
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(plan.sql) as copy:
            copy.set_types(plan.types)
            for row in rows:
                copy.write_row(plan.values(row))
        read = connection.exec_driver_sql("SELECT * FROM copy_kinds").all()

    assert sorted((decode(row) for row in read), key=lambda r: r["text"] is None) == rows


def test_a_table_with_a_column_of_no_kind_is_copied_as_text() -> None:
    table = sa.Table(
        "t", sa.MetaData(), kind_column("k", FieldKind.TEXT), sa.Column("n", sa.Numeric)
    )

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
        last_connected=[
            datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
            datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))),
            None,
        ][index],
        last_error=["\\.", "", None][index],
        connection_count=2**62,
        metadata={"nested": [{"a": "\\"}, [], {}], "text": "\\.\n"},
    )


def test_awkward_connectors_come_back_from_the_copy_as_single_inserts_store_them(
    store: Store,
) -> None:
    batch = store.connectors.register_many([_awkward(i) for i in range(3)])
    singles = [
        store.connectors.register(attrs.evolve(connector, connector_id=f"s{i}", tenant_id="u"))
        for i, connector in enumerate(batch)
    ]

    for copied, single in zip(batch, singles, strict=True):
        read, read_single = (
            store.connectors.get(copied.connector_id),
            store.connectors.get(single.connector_id),
        )
        assert read == copied
        assert read_single is not None
        assert attrs.evolve(
            read, connector_id="", tenant_id="", created_at=None, updated_at=None
        ) == (
            attrs.evolve(
                read_single, connector_id="", tenant_id="", created_at=None, updated_at=None
            )
        )


def test_responses_come_back_from_the_copy(store: Store) -> None:
    items = [
        {"source": "s", "raw_response": {"i": i, "text": "\\N\t"}, "interpretation_owner": "o"}
        for i in range(3)
    ]

    recorded = store.external_responses.record_raw_responses(items)

    read = [store.external_responses.get_raw_for_interpretation(r.id, "o") for r in recorded]
    assert read == recorded
    assert [response.raw_response for response in recorded] == [i["raw_response"] for i in items]


def _bad_batch() -> list[dict[str, Any]]:
    good = connector_to_record(Connector(connector_id="a", tenant_id="t", name="a"))
    bad = connector_to_record(Connector(connector_id="b", tenant_id="t", name="b"))
    return [good, {**bad, "connection_count": "many"}]


def test_a_value_no_column_can_hold_is_the_librarys_error_and_nothing_is_stored(
    store: Store,
) -> None:
    assert isinstance(store.backend, SqlBackend)

    with pytest.raises(IntegrationStoreError, match="record 1 of the batch") as raised:
        store.backend.storages.connectors.insert_many(_bad_batch())

    assert type(raised.value) is IntegrationStoreError
    assert "many" not in str(raised.value)
    assert raised.value.__cause__ is None  # not its own cause: a walk of causes ends
    assert store.connectors.list() == []


def test_in_a_transaction_too_and_the_transaction_stays_usable(store: Store) -> None:
    with store.transaction():
        with pytest.raises(IntegrationStoreError, match="record 1 of the batch") as raised:
            store.connectors._storage.insert_many(_bad_batch())
        store.connectors.register(Connector(connector_id="c", tenant_id="t", name="c"))

    assert raised.value.__cause__ is None
    assert [connector.connector_id for connector in store.connectors.list()] == ["c"]

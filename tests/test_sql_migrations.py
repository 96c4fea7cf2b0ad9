"""The SQL backend's schema comes from its Alembic migrations and equals the table metadata on
every dialect: SQLite (memory and file), and PostgreSQL / MariaDB when reachable."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")
pytest.importorskip("alembic")

import attrs
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from integration_store import open_store
from integration_store.backends.sql import SqlBackend, provider
from integration_store.backends.sql.column_types import column_type
from integration_store.backends.sql.migrations import alembic_config
from integration_store.backends.sql.tables import (
    ALL_TABLES,
    NAMING_CONVENTION,
    TABLE_PREFIX,
    VERSION_TABLE,
    metadata,
    table_for,
)
from integration_store.errors import BackendUnavailableError
from integration_store.model.schema import ALL_SCHEMAS, WORKER, Field, FieldKind, RecordSchema
from integration_store.store import Store

SERVER_URLS = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/test",
}
"""The development machine's servers, used when ``INTEGRATION_STORE_TEST_URLS`` names none."""


def _server_urls() -> dict[str, tuple[str, bool]]:
    """dialect → (URL, whether the environment demanded it: then it must not be skipped)."""
    named = [u.strip() for u in os.environ.get("INTEGRATION_STORE_TEST_URLS", "").split(",")]
    found: dict[str, tuple[str, bool]] = {}
    for url in named:
        scheme = url.split("://", 1)[0].split("+", 1)[0]
        if scheme in ("postgresql", "mysql", "mariadb"):
            found["postgresql" if scheme == "postgresql" else "mysql"] = (url, True)
    for dialect, url in SERVER_URLS.items():
        found.setdefault(dialect, (url, False))
    return found


@pytest.fixture(params=["sqlite-memory", "sqlite-file", "postgresql", "mysql"])
def target_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of each dialect (a private one on the servers)."""
    if request.param == "sqlite-memory":
        yield "sqlite://"
        return
    if request.param == "sqlite-file":
        yield f"sqlite:///{tmp_path}/schema.db"
        return
    url, demanded = _server_urls()[request.param]
    try:
        with provider.isolated_url(url) as private:
            yield private
    except BackendUnavailableError:
        if demanded:
            raise
        pytest.skip(f"no {request.param} server at {url}")


def _backend(store: Store) -> SqlBackend:
    assert isinstance(store.backend, SqlBackend)
    return store.backend


def test_migrated_schema_equals_the_table_metadata(target_url: str) -> None:
    with open_store(target_url) as store:
        store.create_schema()
        with _backend(store).engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
            )
            assert compare_metadata(context, metadata) == []


@pytest.mark.parametrize("schema", ALL_SCHEMAS, ids=lambda schema: schema.name)
def test_each_table_holds_exactly_its_records_fields(schema: RecordSchema) -> None:
    table = metadata.tables[TABLE_PREFIX + schema.name]
    columns = list(table.columns)
    assert [column.name for column in columns] == list(schema.names)
    assert [column.nullable for column in columns] == [field.nullable for field in schema.fields]
    assert [type(column.type) for column in columns] == [
        type(column_type(field.kind)) for field in schema.fields
    ]
    assert tuple(column.name for column in table.primary_key.columns) == schema.key
    uniques = {
        tuple(column.name for column in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, sa.UniqueConstraint)
    }
    assert uniques == set(schema.unique)


def test_every_table_is_a_record_kind() -> None:
    assert [table.name for table in ALL_TABLES] == [
        TABLE_PREFIX + schema.name for schema in ALL_SCHEMAS
    ]


def test_a_field_declared_without_a_migration_step_is_caught() -> None:
    """What the migration-vs-metadata test reports when the schema grows a field."""
    rating = Field("rating", FieldKind.INTEGER, nullable=True, default=None)
    grown = attrs.evolve(WORKER, fields=(*WORKER.fields, rating))
    target = sa.MetaData(naming_convention=NAMING_CONVENTION)
    for schema in ALL_SCHEMAS:
        table_for(grown if schema is WORKER else schema, target)
    with open_store("sqlite://") as store, _backend(store).engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        added = [
            diff[3].name for diff in compare_metadata(context, target) if diff[0] == "add_column"
        ]
    assert added == ["rating"]


def test_create_schema_is_idempotent_and_records_the_head_revision(target_url: str) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    with open_store(target_url) as store:
        store.create_schema()
        store.create_schema()
        with _backend(store).engine.connect() as connection:
            version = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))
            assert [row[0] for row in version] == [head]
            names = set(sa.inspect(connection).get_table_names())
        assert {table.name for table in ALL_TABLES} <= names


def test_migrations_downgrade_to_nothing_and_upgrade_again(target_url: str) -> None:
    with open_store(target_url) as store:
        store.create_schema()
        engine = _backend(store).engine
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "base")
        with engine.connect() as connection:
            left = set(sa.inspect(connection).get_table_names()) - {VERSION_TABLE}
        assert left == set()
        store.create_schema()
        store.connectors.list()


# Each sqlite:// store is its own database, so only shared databases can race.
@pytest.mark.parametrize("target_url", ["sqlite-file", "postgresql", "mysql"], indirect=True)
def test_concurrent_create_schema_calls_take_turns(target_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def create() -> None:
        try:
            with open_store(target_url) as store:
                barrier.wait()
                store.create_schema()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

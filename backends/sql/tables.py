"""The tables of the SQL backend, derived from the record schema.

Each record kind of ``integration_store.model.schema`` is one table: its fields in order as
columns (column name = field name, so a row's mapping is a record; the type from the field's
kind, ``column_types.column_type``; nullability from the field), its key as the primary key and
its unique field groups as unique constraints. Only what is SQL's own is declared here: the
table prefix, constraint names older than the naming convention, and indexes.

Migrations create exactly this schema: a test compares them with Alembic's autogenerate on
every dialect, so a field added to the schema without a migration step fails it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import sqlalchemy as sa

from integration_store.model.schema import (
    CONNECTOR,
    EXTERNAL_RESPONSE,
    INVOCATION,
    VECTOR,
    VECTOR_SET,
    WORKER,
    WORKER_CONFIG,
    FieldKind,
    RecordSchema,
)

from .column_types import MYSQL_TABLE_OPTIONS, column_type

VERSION_TABLE: Final = "integration_store_alembic_version"
"""Alembic's version table, named so it never clashes with an application's own migrations."""

TABLE_PREFIX: Final = "integration_"
"""Prefix of every table name, so the tables sit beside an application's own."""

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}

metadata: Final = sa.MetaData(naming_convention=NAMING_CONVENTION)


def table_for(
    schema: RecordSchema,
    target: sa.MetaData,
    unique_names: Mapping[tuple[str, ...], str] | None = None,
) -> sa.Table:
    """The table of one record kind in ``target``; a unique group missing from
    ``unique_names`` is named by the naming convention."""
    names = unique_names or {}
    return sa.Table(
        TABLE_PREFIX + schema.name,
        target,
        *(kind_column(field.name, field.kind, nullable=field.nullable) for field in schema.fields),
        sa.PrimaryKeyConstraint(*schema.key),
        *(sa.UniqueConstraint(*group, name=names.get(group)) for group in schema.unique),
        **MYSQL_TABLE_OPTIONS,
    )


def kind_column(name: str, kind: FieldKind, *, nullable: bool = True) -> sa.Column[Any]:
    """The column of a record field of ``kind``; the kind is kept in ``info`` for the
    statements that need more than the column type (``copying``)."""
    return sa.Column(name, column_type(kind), nullable=nullable, info={KIND: kind})


KIND: Final = "integration_store_kind"
"""The key of a column's ``info`` holding its field's ``FieldKind``."""


connectors: Final = table_for(
    CONNECTOR,
    metadata,
    # Also serves tenant filters and the (name, connector_id) order within a tenant.
    unique_names={("tenant_id", "name"): "uq_integration_connectors_tenant_name"},
)

# The listing of every tenant by (name, connector_id), and its keyset pages (migration 0002).
sa.Index("ix_integration_connectors_listing", connectors.c.name, connectors.c.connector_id)

external_responses: Final = table_for(EXTERNAL_RESPONSE, metadata)

# The pending queue: one owner's uninterpreted responses by (received_at, id). Partial where
# the dialect has partial indexes, so interpreted rows leave it.
sa.Index(
    "ix_integration_external_responses_pending",
    external_responses.c.interpretation_owner,
    external_responses.c.received_at,
    external_responses.c.id,
    postgresql_where=external_responses.c.interpreted_at.is_(None),
    sqlite_where=external_responses.c.interpreted_at.is_(None),
)

workers: Final = table_for(WORKER, metadata)

# Listing by status and visibility, ordered by name. Status is uncapped text, so MariaDB
# indexes a prefix of it.
sa.Index(
    "ix_integration_workers_listing",
    workers.c.status,
    workers.c.is_public,
    workers.c.name,
    mysql_length={"status": 255},
)

worker_configs: Final = table_for(WORKER_CONFIG, metadata)

# A connector's vectors load in pages by vector_id: the primary key (connector_id, vector_id)
# is that order, so a page is one index range scan and needs no index of its own.
vectors: Final = table_for(VECTOR, metadata)

vector_sets: Final = table_for(VECTOR_SET, metadata)

invocations: Final = table_for(INVOCATION, metadata)

ALL_TABLES: Final = (
    connectors,
    external_responses,
    workers,
    worker_configs,
    vectors,
    vector_sets,
    invocations,
)
"""Every table of the store, in an order safe for deleting rows."""

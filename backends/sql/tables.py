"""The tables of the SQL backend as SQLAlchemy Core metadata.

Migrations create exactly this schema (a test compares them with Alembic's autogenerate); the
storages read and write through these ``Table`` objects. Column names equal the record field
names of ``integration_store.records``, so a row's mapping is a record.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa

from .column_types import (
    MYSQL_TABLE_OPTIONS,
    JsonText,
    UtcTimestamp,
    UuidKey,
    free_text_type,
    identifier_type,
)

VERSION_TABLE: Final = "integration_store_alembic_version"
"""Alembic's version table, named so it never clashes with an application's own migrations."""

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}

metadata: Final = sa.MetaData(naming_convention=NAMING_CONVENTION)

connectors: Final = sa.Table(
    "integration_connectors",
    metadata,
    sa.Column("connector_id", identifier_type(), primary_key=True),
    sa.Column("tenant_id", identifier_type(), nullable=False),
    sa.Column("name", identifier_type(), nullable=False),
    sa.Column("kind", identifier_type(), nullable=False),
    sa.Column("connector_type", identifier_type(), nullable=False),
    sa.Column("status", identifier_type(), nullable=False),
    sa.Column("config", JsonText(), nullable=False),
    sa.Column("capabilities", JsonText(), nullable=False),
    sa.Column("last_connected", UtcTimestamp(), nullable=True),
    sa.Column("last_error", free_text_type(), nullable=True),
    sa.Column("connection_count", sa.BigInteger(), nullable=False),
    sa.Column("error_count", sa.BigInteger(), nullable=False),
    sa.Column("metadata", JsonText(), nullable=False),
    sa.Column("extra", JsonText(), nullable=False),
    sa.Column("created_at", UtcTimestamp(), nullable=False),
    sa.Column("updated_at", UtcTimestamp(), nullable=False),
    # Also serves tenant filters and the (name, connector_id) order within a tenant.
    sa.UniqueConstraint("tenant_id", "name", name="uq_integration_connectors_tenant_name"),
    **MYSQL_TABLE_OPTIONS,
)

external_responses: Final = sa.Table(
    "integration_external_responses",
    metadata,
    sa.Column("id", UuidKey(), primary_key=True),
    sa.Column("source", identifier_type(), nullable=False),
    sa.Column("raw_response", JsonText(), nullable=False),
    sa.Column("interpretation_owner", identifier_type(), nullable=False),
    sa.Column("interpretation_contract", identifier_type(), nullable=True),
    sa.Column("request_id", identifier_type(), nullable=True),
    sa.Column("run_id", identifier_type(), nullable=True),
    sa.Column("received_at", UtcTimestamp(), nullable=False),
    sa.Column("interpreted_value", JsonText(), nullable=True),
    sa.Column("interpreted_at", UtcTimestamp(), nullable=True),
    sa.Column("interpreted_by", identifier_type(), nullable=True),
    **MYSQL_TABLE_OPTIONS,
)

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

workers: Final = sa.Table(
    "integration_workers",
    metadata,
    sa.Column("id", identifier_type(), primary_key=True),
    sa.Column("name", identifier_type(), nullable=False),
    sa.Column("description", free_text_type(), nullable=True),
    sa.Column("version", free_text_type(), nullable=False),
    sa.Column("status", free_text_type(), nullable=False),
    sa.Column("is_public", sa.Boolean(), nullable=False),
    sa.Column("moats", JsonText(), nullable=False),
    sa.Column("default_config", JsonText(), nullable=False),
    sa.Column("input_schema", JsonText(), nullable=False),
    sa.Column("output_schema", JsonText(), nullable=False),
    sa.Column("tokens_per_run_estimate", sa.BigInteger(), nullable=True),
    sa.Column("cost_per_run_cents", sa.BigInteger(), nullable=True),
    sa.Column("created_at", UtcTimestamp(), nullable=False),
    sa.Column("updated_at", UtcTimestamp(), nullable=False),
    **MYSQL_TABLE_OPTIONS,
)

# Listing by status and visibility, ordered by name. Status is uncapped text, so MariaDB
# indexes a prefix of it.
sa.Index(
    "ix_integration_workers_listing",
    workers.c.status,
    workers.c.is_public,
    workers.c.name,
    mysql_length={"status": 255},
)

worker_configs: Final = sa.Table(
    "integration_worker_configs",
    metadata,
    sa.Column("tenant_id", identifier_type(), primary_key=True),
    sa.Column("worker_id", identifier_type(), primary_key=True),
    sa.Column("enabled", sa.Boolean(), nullable=False),
    sa.Column("config", JsonText(), nullable=False),
    sa.Column("brand", JsonText(), nullable=False),
    sa.Column("max_runs_per_day", sa.BigInteger(), nullable=True),
    sa.Column("max_tokens_per_run", sa.BigInteger(), nullable=True),
    sa.Column("created_at", UtcTimestamp(), nullable=False),
    sa.Column("updated_at", UtcTimestamp(), nullable=False),
    **MYSQL_TABLE_OPTIONS,
)

ALL_TABLES: Final = (connectors, external_responses, workers, worker_configs)
"""Every table of the store, in an order safe for deleting rows."""

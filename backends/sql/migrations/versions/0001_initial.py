"""Initial schema: connectors, external responses, workers, tenant worker configs.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# mypy sees backends/sql as the top-level package "sql" (the editable install maps it through
# an import hook mypy cannot follow), so this absolute import is unresolved only for mypy.
from integration_store.backends.sql.column_types import (  # type: ignore[import-not-found, unused-ignore]
    MYSQL_TABLE_OPTIONS,
    JsonText,
    UtcTimestamp,
    UuidKey,
    free_text_type,
    identifier_type,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the four tables with their keys, unique constraint and indexes."""
    op.create_table(
        "integration_connectors",
        sa.Column("connector_id", identifier_type(), nullable=False),
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
        sa.PrimaryKeyConstraint("connector_id", name="pk_integration_connectors"),
        sa.UniqueConstraint("tenant_id", "name", name="uq_integration_connectors_tenant_name"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "integration_external_responses",
        sa.Column("id", UuidKey(), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_integration_external_responses"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_index(
        "ix_integration_external_responses_pending",
        "integration_external_responses",
        ["interpretation_owner", "received_at", "id"],
        postgresql_where=sa.text("interpreted_at IS NULL"),
        sqlite_where=sa.text("interpreted_at IS NULL"),
    )
    op.create_table(
        "integration_workers",
        sa.Column("id", identifier_type(), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_integration_workers"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_index(
        "ix_integration_workers_listing",
        "integration_workers",
        ["status", "is_public", "name"],
        mysql_length={"status": 255},
    )
    op.create_table(
        "integration_worker_configs",
        sa.Column("tenant_id", identifier_type(), nullable=False),
        sa.Column("worker_id", identifier_type(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("config", JsonText(), nullable=False),
        sa.Column("brand", JsonText(), nullable=False),
        sa.Column("max_runs_per_day", sa.BigInteger(), nullable=True),
        sa.Column("max_tokens_per_run", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UtcTimestamp(), nullable=False),
        sa.Column("updated_at", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "worker_id", name="pk_integration_worker_configs"),
        **MYSQL_TABLE_OPTIONS,
    )


def downgrade() -> None:
    """Drop everything ``upgrade`` created."""
    op.drop_table("integration_worker_configs")
    op.drop_index("ix_integration_workers_listing", table_name="integration_workers")
    op.drop_table("integration_workers")
    op.drop_index(
        "ix_integration_external_responses_pending", table_name="integration_external_responses"
    )
    op.drop_table("integration_external_responses")
    op.drop_table("integration_connectors")

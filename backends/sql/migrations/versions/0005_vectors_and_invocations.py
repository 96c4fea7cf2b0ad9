"""Vectors of builtin vector connectors (with one generation counter per connector) and
invocation records of serverless connectors: three new tables, nothing else changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
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
    binary_type,
    free_text_type,
    identifier_type,
)

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the vectors, vector sets and invocations tables with their primary keys."""
    op.create_table(
        "integration_vectors",
        sa.Column("connector_id", identifier_type(), nullable=False),
        sa.Column("vector_id", identifier_type(), nullable=False),
        sa.Column("dimension", sa.BigInteger(), nullable=False),
        sa.Column("vector_values", binary_type(), nullable=False),
        sa.Column("metadata", JsonText(), nullable=False),
        sa.Column("updated_at", UtcTimestamp(), nullable=False),
        sa.PrimaryKeyConstraint("connector_id", "vector_id", name="pk_integration_vectors"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "integration_vector_sets",
        sa.Column("connector_id", identifier_type(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("connector_id", name="pk_integration_vector_sets"),
        **MYSQL_TABLE_OPTIONS,
    )
    op.create_table(
        "integration_invocations",
        sa.Column("request_id", UuidKey(), nullable=False),
        sa.Column("connector_id", identifier_type(), nullable=False),
        sa.Column("function", identifier_type(), nullable=False),
        sa.Column("status", identifier_type(), nullable=False),
        sa.Column("payload", JsonText(), nullable=False),
        sa.Column("result", JsonText(), nullable=True),
        sa.Column("error", free_text_type(), nullable=True),
        sa.Column("created_at", UtcTimestamp(), nullable=False),
        sa.Column("started_at", UtcTimestamp(), nullable=True),
        sa.Column("finished_at", UtcTimestamp(), nullable=True),
        sa.PrimaryKeyConstraint("request_id", name="pk_integration_invocations"),
        **MYSQL_TABLE_OPTIONS,
    )


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_table("integration_invocations")
    op.drop_table("integration_vector_sets")
    op.drop_table("integration_vectors")

"""Leases on external responses: who holds a pending response (``claimed_by``) and until when
(``lease_expires_at``), for ``claim_pending``. Both nullable: existing rows are unleased.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# mypy sees backends/sql as the top-level package "sql" (the editable install maps it through
# an import hook mypy cannot follow), so this absolute import is unresolved only for mypy.
from integration_store.backends.sql.column_types import (  # type: ignore[import-not-found, unused-ignore]
    UtcTimestamp,
    identifier_type,
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLE = "integration_external_responses"


def upgrade() -> None:
    """Add the two lease columns."""
    op.add_column(TABLE, sa.Column("claimed_by", identifier_type(), nullable=True))
    op.add_column(TABLE, sa.Column("lease_expires_at", UtcTimestamp(), nullable=True))


def downgrade() -> None:
    """Drop the two lease columns."""
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("lease_expires_at")
        batch.drop_column("claimed_by")

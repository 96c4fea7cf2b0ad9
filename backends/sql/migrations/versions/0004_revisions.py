"""Optimistic revisions: ``revision`` on connectors, workers and worker configs, counting each
object's writes. Rows stored before it read 1 (their creation): the column's server default
fills them, and stays as the default of a row inserted without one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("integration_connectors", "integration_workers", "integration_worker_configs")


def upgrade() -> None:
    """Add ``revision`` to the three tables, 1 on every existing row."""
    for table in TABLES:
        op.add_column(
            table,
            sa.Column("revision", sa.BigInteger(), nullable=False, server_default=sa.text("1")),
        )


def downgrade() -> None:
    """Drop the three ``revision`` columns."""
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("revision")

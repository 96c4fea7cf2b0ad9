"""Index the listing of all connectors by (name, connector_id), for list() without a tenant and
its keyset pages (a tenant's listing is served by the (tenant_id, name) unique index).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the (name, connector_id) index."""
    op.create_index(
        "ix_integration_connectors_listing",
        "integration_connectors",
        ["name", "connector_id"],
    )


def downgrade() -> None:
    """Drop the (name, connector_id) index."""
    op.drop_index("ix_integration_connectors_listing", table_name="integration_connectors")

"""Alembic revisions of the SQL backend, oldest first by their ``down_revision`` chain."""

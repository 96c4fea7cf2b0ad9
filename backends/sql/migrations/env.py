"""Alembic environment: runs on the connection the backend passes in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

# mypy sees backends/sql as the top-level package "sql" (the editable install maps it through
# an import hook mypy cannot follow), so this absolute import is unresolved only for mypy.
from integration_store.backends.sql.tables import (  # type: ignore[import-not-found, unused-ignore]
    VERSION_TABLE,
    metadata,
)


def run_migrations_online() -> None:
    """Migrate on the caller's connection, inside the caller's transaction."""
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError("run these migrations through integration_store (create_schema())")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) mode is not supported; use create_schema()")
run_migrations_online()

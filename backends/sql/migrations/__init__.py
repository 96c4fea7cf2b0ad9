"""The SQL backend's Alembic migrations, configured in code (no alembic.ini to ship or find).

``upgrade(connection)`` brings a database to the newest schema; ``create_schema()`` calls it, so
calling it again does nothing. Revisions live in ``versions/``; ``env.py`` takes the connection
from the config's attributes.

To add a revision after changing ``tables.py``, from a checkout, against a database at head::

    with engine.begin() as connection:
        alembic.command.revision(alembic_config(connection), "why", autogenerate=True)

then review the generated file (dialect-specific types come from ``column_types.py``), and keep
``tests/test_sql_migrations.py`` green: it proves migrations and metadata agree on every dialect.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from ..tables import VERSION_TABLE

SCRIPT_LOCATION = "integration_store.backends.sql:migrations"
"""Where Alembic finds ``env.py`` and ``versions/``, as a package resource (works from a wheel)."""

__all__ = ["SCRIPT_LOCATION", "VERSION_TABLE", "alembic_config", "upgrade"]


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config that runs the packaged migrations on ``connection`` (None: only to
    inspect the revisions)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Upgrade the connection's database to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(connection), revision)

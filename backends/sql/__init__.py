"""The SQL backend (SQLAlchemy 2 Core): SQLite, PostgreSQL (psycopg 3), MariaDB/MySQL (PyMySQL).

Registered under the URL schemes ``sqlite``, ``postgresql``, ``mysql`` and ``mariadb``.
"""

from __future__ import annotations

from .backend import SqlBackend, SqlProvider, provider

__all__ = ["SqlBackend", "SqlProvider", "provider"]

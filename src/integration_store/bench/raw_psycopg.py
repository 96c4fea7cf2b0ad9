"""Raw psycopg 3 baseline on the store's PostgreSQL database.

What it does, on the tables ``create_schema()`` made (statements: ``sql_rows.Statements("%s")``):

- one connection in autocommit mode, session time zone UTC (as our engine sets it); psycopg
  prepares a statement after it has run a few times, as it does under SQLAlchemy;
- every call is one statement, so one round trip and one implicit transaction: ``SELECT`` for
  reads, ``INSERT`` for creates, ``UPDATE … RETURNING`` for changes with the row back;
- bulk: ``executemany`` (pipelined by psycopg) inside one explicit transaction;
- statements in the form ours sends: a tenant's connectors by name alone, keyset pages as
  ``a >= x AND (a > x OR b > y)`` (``sql_rows.Statements``).

Stored as our backend stores on PostgreSQL: JSON as compact text in ``text`` columns,
``timestamptz(3)`` and ``uuid`` passed natively (``sql_rows.NATIVE``); timestamps come back as
aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
import sqlalchemy as sa

from integration_store.records import Record

from .baseline import batches
from .raw_sql import RawSql, Row
from .sql_rows import NATIVE, Statements


def _multi_row_insert(statement: str, rows: int) -> str:
    head, values = statement.split(" VALUES ")
    return f"{head} VALUES " + ", ".join([values] * rows)


class RawPsycopg(RawSql):
    """psycopg 3, autocommit, one statement per call."""

    sql = Statements("%s")
    codec = NATIVE
    seed_batch = 1000

    def __init__(self, url: str) -> None:
        parsed = sa.make_url(url)
        self._db = psycopg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            dbname=parsed.database,
            autocommit=True,
            options="-c TimeZone=UTC",
        )

    def _one(self, sql: str, params: Sequence[Any]) -> Row | None:
        return self._db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any]) -> Iterable[Row]:
        return self._db.execute(sql, params).fetchall()

    def _insert(self, sql: str, params: Sequence[Any]) -> None:
        self._db.execute(sql, params)

    def _changed(self, update: str, params: Sequence[Any], read: str, key: Any) -> Row | None:
        return self._one(update, params)  # RETURNING, one statement

    def _write_many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        with self._db.transaction(), self._db.cursor() as cursor:
            cursor.executemany(sql, params)

    def seed(self, connectors: Iterable[Record], responses: Iterable[Record]) -> None:
        """Multi-row ``INSERT``s of ``seed_batch`` rows, one transaction per batch."""
        for records, statement, params in (
            (connectors, self._insert_connector, self.codec.connector_params),
            (responses, self._insert_response, self.codec.response_params),
        ):
            for batch in batches(records, self.seed_batch):
                flat = [value for record in batch for value in params(record)]
                with self._db.transaction():
                    self._db.execute(_multi_row_insert(statement, len(batch)), flat)

    def close(self) -> None:
        self._db.close()

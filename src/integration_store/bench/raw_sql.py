"""What the three raw SQL baselines share: every call's statement, parameters and rows.

Each call sends one statement of ``sql_rows.Statements`` with its parameters in the driver's
stored form and decodes the rows it gets back (``sql_rows.RowCodec``), the way hand-written
code would. A driver's class says only how a statement runs there: a read (``_one``,
``_all``), a single insert (``_insert``), a batch (``_write_many``), and a change with its row
back (``_changed``: ``UPDATE … RETURNING`` where the database has it, else the update and a read
in one transaction).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar
from uuid import UUID

from integration_store.records import Record

from .baseline import (
    ConnectorKey,
    PendingKey,
    batches,
    dumps,
    new_connector_row,
    new_response_row,
    now_ms,
)
from .dataset import NewConnector, NewResponse
from .sql_rows import RETURNING_CONNECTOR, RETURNING_RESPONSE, RowCodec, Statements

Row = tuple[Any, ...]


class RawSql(ABC):
    """A raw driver baseline, given its statements, codec and the driver's ways of running them."""

    label = "raw"
    sql: ClassVar[Statements]
    codec: ClassVar[RowCodec]
    returning: ClassVar[bool] = True
    """Whether the database has ``UPDATE … RETURNING`` (MariaDB has not)."""
    seed_batch: ClassVar[int] = 2000
    """Rows per transaction when seeding."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Write out the driver's statements once, as hand-written code keeps them in constants
        (``Statements`` builds them on every access)."""
        super().__init_subclass__(**kwargs)
        sql = getattr(cls, "sql", None)
        if sql is None:
            return
        cls._insert_connector, cls._insert_response = sql.insert_connector, sql.insert_response
        cls._get, cls._get_by_name, cls._get_response = sql.get, sql.get_by_name, sql.get_response
        cls._list, cls._keyset = sql.list_page, sql.keyset_page
        cls._pending, cls._pending_keyset = sql.pending_page, sql.pending_keyset_page
        cls._record_connection = sql.record_connection
        cls._interpret = sql.interpret
        if cls.returning:
            cls._record_connection += RETURNING_CONNECTOR
            cls._interpret += RETURNING_RESPONSE

    _insert_connector: ClassVar[str]
    _insert_response: ClassVar[str]
    _get: ClassVar[str]
    _get_by_name: ClassVar[str]
    _get_response: ClassVar[str]
    _list: ClassVar[str]
    _keyset: ClassVar[str]
    _pending: ClassVar[str]
    _pending_keyset: ClassVar[str]
    _record_connection: ClassVar[str]
    _interpret: ClassVar[str]

    # ---- how the driver runs a statement ----------------------------------------------------

    @abstractmethod
    def _one(self, sql: str, params: Sequence[Any]) -> Row | None:
        """A read's first row (None: none)."""

    @abstractmethod
    def _all(self, sql: str, params: Sequence[Any]) -> Iterable[Row]:
        """A read's rows."""

    @abstractmethod
    def _insert(self, sql: str, params: Sequence[Any]) -> None:
        """One row inserted, committed."""

    @abstractmethod
    def _write_many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        """One statement run for each of ``params``, in one transaction."""

    @abstractmethod
    def _changed(self, update: str, params: Sequence[Any], read: str, key: Any) -> Row | None:
        """Run ``update`` and give its row back (``read`` of ``key``: for a database without
        ``RETURNING``)."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    # ---- the calls --------------------------------------------------------------------------

    def create_connector(self, new: NewConnector) -> Record:
        row = new_connector_row(new, now_ms())
        self._insert(self._insert_connector, self.codec.connector_params(row))
        return row

    def create_connectors(self, new: Sequence[NewConnector]) -> list[Record]:
        now = now_ms()
        rows = [new_connector_row(item, now) for item in new]
        params = self.codec.connector_params
        self._write_many(self._insert_connector, [params(row) for row in rows])
        return rows

    def get(self, connector_id: str) -> Record | None:
        row = self._one(self._get, (connector_id,))
        return None if row is None else self.codec.connector(row)

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        row = self._one(self._get_by_name, (tenant_id, name))
        return None if row is None else self.codec.connector(row)

    def list_page(self, tenant_id: str, limit: int) -> list[Record]:
        connector = self.codec.connector
        return [connector(row) for row in self._all(self._list, (tenant_id, limit))]

    def keyset_page(self, tenant_id: str, after: ConnectorKey | None, limit: int) -> list[Record]:
        if after is None:
            return self.list_page(tenant_id, limit)
        sql, connector = self.sql, self.codec.connector
        rows = self._all(self._keyset, (tenant_id, *sql.after(after), limit))
        return [connector(row) for row in rows]

    def record_connection(self, connector_id: str) -> Record | None:
        now = self.codec.time_in(now_ms())
        params = (now, now, connector_id)
        row = self._changed(self._record_connection, params, self._get, connector_id)
        return None if row is None else self.codec.connector(row)

    def record_raw_response(self, new: NewResponse) -> Record:
        row = new_response_row(new)
        self._insert(self._insert_response, self.codec.response_params(row))
        return row

    def record_raw_responses(self, new: Sequence[NewResponse]) -> list[Record]:
        rows = [new_response_row(item) for item in new]
        params = self.codec.response_params
        self._write_many(self._insert_response, [params(row) for row in rows])
        return rows

    def pending_page(self, owner: str, limit: int) -> list[Record]:
        response = self.codec.response
        return [response(row) for row in self._all(self._pending, (owner, limit))]

    def pending_keyset_page(self, owner: str, after: PendingKey | None, limit: int) -> list[Record]:
        if after is None:
            return self.pending_page(owner, limit)
        sql, codec = self.sql, self.codec
        key = (codec.time_in(after[0]), codec.uuid_in(after[1]))
        rows = self._all(self._pending_keyset, (owner, *sql.after(key), limit))
        return [codec.response(row) for row in rows]

    def interpret(self, response_id: UUID, value: dict[str, Any], by: str) -> Record | None:
        codec = self.codec
        key = codec.uuid_in(response_id)
        params = (dumps(value), codec.time_in(now_ms()), by, key)
        row = self._changed(self._interpret, params, self._get_response, key)
        return None if row is None else codec.response(row)

    def as_record(self, result: Any) -> Record:
        return dict(result)

    def seed(self, connectors: Iterable[Record], responses: Iterable[Record]) -> None:
        """``_write_many`` of ``seed_batch`` rows at a time."""
        for records, statement, params in (
            (connectors, self._insert_connector, self.codec.connector_params),
            (responses, self._insert_response, self.codec.response_params),
        ):
            for batch in batches(records, self.seed_batch):
                self._write_many(statement, [params(record) for record in batch])

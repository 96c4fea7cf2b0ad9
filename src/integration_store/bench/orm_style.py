"""Upstream ORM-style baseline: SQLAlchemy ORM models on our connectors and responses tables.

What it does, the way the upstream drivers' ORM code worked:

- two declarative models (``ConnectorRow``, ``ResponseRow``) mapped onto the tables
  ``create_schema()`` made, with the column types of ``sqlalchemy_core`` (so the stored formats
  are ours); its own engine, SQLAlchemy's defaults;
- one ``Session`` per call; reads: ``session.get`` by primary key, else
  ``session.scalars(select(...))``; results are the model instances;
- creates: ``session.add`` + ``commit`` + ``refresh`` per row — also for bulk, one commit per
  row in one session (the upstream way of saving many);
- changes (``record_connection``, ``interpret``): ``session.get``, set the attributes (the
  counter as ``+= 1`` in Python, as upstream did), ``commit``, ``refresh``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from integration_store.records import Record

from .baseline import (
    CONNECTORS_TABLE,
    RESPONSES_TABLE,
    ConnectorKey,
    PendingKey,
    new_connector_row,
    new_response_row,
    now_ms,
)
from .dataset import NewConnector, NewResponse
from .sqlalchemy_core import HexUuid, JsonText, Timestamp, create_engine


class Base(DeclarativeBase):
    """The models' registry (its own metadata; the tables already exist)."""


class ConnectorRow(Base):
    """A row of ``integration_connectors``."""

    __tablename__ = CONNECTORS_TABLE

    connector_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(255))
    kind: Mapped[str] = mapped_column(sa.String(255))
    connector_type: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[str] = mapped_column(sa.String(255))
    config: Mapped[dict[str, Any]] = mapped_column(JsonText)
    capabilities: Mapped[list[str]] = mapped_column(JsonText)
    last_connected: Mapped[datetime | None] = mapped_column(Timestamp)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    connection_count: Mapped[int] = mapped_column(sa.BigInteger)
    error_count: Mapped[int] = mapped_column(sa.BigInteger)
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JsonText)
    extra: Mapped[dict[str, Any]] = mapped_column(JsonText)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    revision: Mapped[int] = mapped_column(sa.BigInteger)


class ResponseRow(Base):
    """A row of ``integration_external_responses``."""

    __tablename__ = RESPONSES_TABLE

    id: Mapped[UUID] = mapped_column(HexUuid, primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(255))
    raw_response: Mapped[dict[str, Any]] = mapped_column(JsonText)
    interpretation_owner: Mapped[str] = mapped_column(sa.String(255))
    interpretation_contract: Mapped[str | None] = mapped_column(sa.String(255))
    request_id: Mapped[str | None] = mapped_column(sa.String(255))
    run_id: Mapped[str | None] = mapped_column(sa.String(255))
    received_at: Mapped[datetime] = mapped_column(Timestamp)
    interpreted_value: Mapped[dict[str, Any] | None] = mapped_column(JsonText)
    interpreted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    interpreted_by: Mapped[str | None] = mapped_column(sa.String(255))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(255))
    lease_expires_at: Mapped[datetime | None] = mapped_column(Timestamp)


def _connector_row(row: Record) -> ConnectorRow:
    fields = dict(row)
    fields["metadata_"] = fields.pop("metadata")
    return ConnectorRow(**fields)


class OrmStyle:
    """ORM models, one session per call, add/commit/refresh per written row."""

    label = "orm"

    def __init__(self, url: str) -> None:
        self._engine = create_engine(url)
        self._sessions = sessionmaker(self._engine)
        self._row_values = self._engine.dialect.name not in ("mysql", "mariadb")

    def _save(self, session: Session, instance: Base) -> None:
        session.add(instance)
        session.commit()
        session.refresh(instance)

    def create_connector(self, new: NewConnector) -> ConnectorRow:
        with self._sessions() as session:
            instance = _connector_row(new_connector_row(new, now_ms()))
            self._save(session, instance)
            return instance

    def create_connectors(self, new: Sequence[NewConnector]) -> list[ConnectorRow]:
        saved = []
        with self._sessions() as session:
            for item in new:
                instance = _connector_row(new_connector_row(item, now_ms()))
                self._save(session, instance)
                saved.append(instance)
        return saved

    def get(self, connector_id: str) -> ConnectorRow | None:
        with self._sessions() as session:
            return session.get(ConnectorRow, connector_id)

    def get_by_name(self, tenant_id: str, name: str) -> ConnectorRow | None:
        statement = sa.select(ConnectorRow).where(
            ConnectorRow.tenant_id == tenant_id, ConnectorRow.name == name
        )
        with self._sessions() as session:
            return session.scalars(statement).first()

    def _connectors(self, tenant_id: str) -> sa.Select[Any]:
        return sa.select(ConnectorRow).where(ConnectorRow.tenant_id == tenant_id)

    def list_page(self, tenant_id: str, limit: int) -> list[ConnectorRow]:
        statement = self._connectors(tenant_id).order_by(
            ConnectorRow.name, ConnectorRow.connector_id
        )
        with self._sessions() as session:
            return list(session.scalars(statement.limit(limit)))

    def keyset_page(
        self, tenant_id: str, after: ConnectorKey | None, limit: int
    ) -> list[ConnectorRow]:
        statement = self._connectors(tenant_id)
        if after is not None:
            name, connector_id = after
            if self._row_values:
                statement = statement.where(
                    sa.tuple_(ConnectorRow.name, ConnectorRow.connector_id)
                    > sa.tuple_(name, connector_id)
                )
            else:
                statement = statement.where(
                    ConnectorRow.name >= name,
                    sa.or_(ConnectorRow.name > name, ConnectorRow.connector_id > connector_id),
                )
        statement = statement.order_by(ConnectorRow.name, ConnectorRow.connector_id)
        with self._sessions() as session:
            return list(session.scalars(statement.limit(limit)))

    def record_connection(self, connector_id: str) -> ConnectorRow | None:
        with self._sessions() as session:
            instance = session.get(ConnectorRow, connector_id)
            if instance is None:
                return None
            now = now_ms()
            instance.status = "connected"
            instance.last_connected = now
            instance.updated_at = now
            instance.connection_count += 1
            instance.revision += 1
            session.commit()
            session.refresh(instance)
            return instance

    def record_raw_response(self, new: NewResponse) -> ResponseRow:
        with self._sessions() as session:
            instance = ResponseRow(**new_response_row(new))
            self._save(session, instance)
            return instance

    def record_raw_responses(self, new: Sequence[NewResponse]) -> list[ResponseRow]:
        saved = []
        with self._sessions() as session:
            for item in new:
                instance = ResponseRow(**new_response_row(item))
                self._save(session, instance)
                saved.append(instance)
        return saved

    def _pending(self, owner: str) -> sa.Select[Any]:
        return sa.select(ResponseRow).where(
            ResponseRow.interpretation_owner == owner, ResponseRow.interpreted_at.is_(None)
        )

    def pending_page(self, owner: str, limit: int) -> list[ResponseRow]:
        statement = self._pending(owner).order_by(ResponseRow.received_at, ResponseRow.id)
        with self._sessions() as session:
            return list(session.scalars(statement.limit(limit)))

    def pending_keyset_page(
        self, owner: str, after: PendingKey | None, limit: int
    ) -> list[ResponseRow]:
        statement = self._pending(owner)
        if after is not None:
            received, response_id = after
            if self._row_values:
                statement = statement.where(
                    sa.tuple_(ResponseRow.received_at, ResponseRow.id)
                    > sa.tuple_(
                        sa.literal(received, Timestamp), sa.literal(response_id, HexUuid)
                    )
                )
            else:
                statement = statement.where(
                    ResponseRow.received_at >= received,
                    sa.or_(ResponseRow.received_at > received, ResponseRow.id > response_id),
                )
        statement = statement.order_by(ResponseRow.received_at, ResponseRow.id)
        with self._sessions() as session:
            return list(session.scalars(statement.limit(limit)))

    def interpret(self, response_id: UUID, value: dict[str, Any], by: str) -> ResponseRow | None:
        with self._sessions() as session:
            instance = session.get(ResponseRow, response_id)
            if instance is None:
                return None
            instance.interpreted_value = value
            instance.interpreted_at = now_ms()
            instance.interpreted_by = by
            instance.claimed_by = None
            instance.lease_expires_at = None
            session.commit()
            session.refresh(instance)
            return instance

    def as_record(self, result: Any) -> Record:
        mapper = sa.inspect(result).mapper
        return {
            attribute.columns[0].name: getattr(result, attribute.key)
            for attribute in mapper.column_attrs
        }

    def close(self) -> None:
        self._engine.dispose()

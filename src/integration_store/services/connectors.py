"""``ConnectorRegistry``: registration, lookup, listing, statistics and state changes."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, TypeVar, cast

from integration_store import values
from integration_store.errors import (
    ConflictError,
    ConnectorAlreadyExistsError,
    ConnectorNotFoundError,
    DuplicateConnectorNameError,
    ValidationError,
)
from integration_store.model.connectors import (
    CONNECTOR_CLASSES,
    Connector,
    ConnectorCapability,
    ConnectorConfig,
    ConnectorStats,
    ConnectorStatus,
    ConnectorType,
    FileConnector,
    ServerlessConnector,
    VectorConnector,
)
from integration_store.model.fields import field_specs
from integration_store.protocols import ConnectorQuery, ConnectorStorage
from integration_store.records import connector_from_record, connector_to_record
from integration_store.services.context import ServiceContext

C = TypeVar("C", bound=Connector)


def _check_config(config: object, field: str) -> ConnectorConfig:
    if not isinstance(config, ConnectorConfig):
        raise ValidationError(field, f"must be a ConnectorConfig, not {type(config).__name__}")
    return ConnectorConfig(**check_fields(ConnectorConfig, _init_values(config), f"{field}."))


def _check_capabilities(capabilities: object, field: str) -> tuple[ConnectorCapability, ...]:
    if not isinstance(capabilities, list | tuple):
        raise ValidationError(field, "must be a list or tuple of ConnectorCapability")
    return tuple(
        values.enum_member(item, ConnectorCapability, f"{field}[{index}]")
        for index, item in enumerate(capabilities)
    )


_NARROWER_CHECKS: Final[dict[str, values.Checker]] = {
    "config": _check_config,
    "capabilities": _check_capabilities,
    "connection_count": values.counter,
    "error_count": values.counter,
}
"""Base connector fields whose rule is narrower than their declared kind."""

_CHECKS: dict[type, tuple[tuple[str, values.Checker], ...]] = {}


def _checks(cls: type) -> tuple[tuple[str, values.Checker], ...]:
    checks = _CHECKS.get(cls)
    if checks is None:
        narrower = _NARROWER_CHECKS if issubclass(cls, Connector) else {}
        checks = _CHECKS[cls] = tuple(
            (
                spec.name,
                narrower.get(spec.name) or values.checker_for(spec.kind, spec.nullable, spec.of),
            )
            for spec in field_specs(cls)
            if not spec.stamped
        )
    return checks


def _init_values(instance: object) -> dict[str, Any]:
    return {spec.name: getattr(instance, spec.name) for spec in field_specs(type(instance))}


def check_fields(cls: type, given: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Checked copies of the given fields of ``cls``, each by its declared kind, in field order.

    Store-stamped fields are left out: the store sets them, whatever was given.
    """
    return {
        name: check(given[name], prefix + name) for name, check in _checks(cls) if name in given
    }


def check_connector(connector: object) -> Connector:
    """A normalised copy of the connector, or ``ValidationError`` naming the first bad field."""
    cls, checked = checked_connector_fields(connector)
    return cls(**checked)


def checked_connector_fields(connector: object) -> tuple[type[Connector], dict[str, Any]]:
    """The connector's class and checked copies of its fields (store-stamped ones left out),
    or ``ValidationError`` naming the first bad field."""
    if not isinstance(connector, Connector):
        raise ValidationError("connector", f"must be a Connector, not {type(connector).__name__}")
    cls = type(connector)
    if CONNECTOR_CLASSES.get(cls.kind) is not cls:
        # Stored under another class's kind, it would come back as that class.
        raise TypeError(
            f"{cls.__qualname__} must declare its own `kind: ClassVar[str]` to be stored"
        )
    return cls, check_fields(cls, _init_values(connector))


class ConnectorRegistry:
    """Registry of connectors, tenant-isolated, on any backend.

    Lists are ordered by (name, connector_id). State changes are single atomic updates in the
    backend; counters never lose an increment.
    """

    def __init__(self, storage: ConnectorStorage, context: ServiceContext) -> None:
        self._storage = storage
        self._context = context

    # ---- registration -------------------------------------------------------------------

    def register(self, connector: C) -> C:
        """Store a new connector, stamping ``created_at``/``updated_at`` from the store's clock.

        Raises ``ConnectorAlreadyExistsError`` for a taken connector_id and
        ``DuplicateConnectorNameError`` for a name the tenant already uses.
        """
        cls, checked = checked_connector_fields(connector)
        return cast(C, self._insert(cls, checked))

    def create_vector_connector(
        self,
        tenant_id: str,
        name: str,
        config: ConnectorConfig | None = None,
        vector_dimension: int = 1536,
        distance_metric: str = "cosine",
        connector_id: str | None = None,
    ) -> VectorConnector:
        """Create and register a vector connector (id from the store's id factory when None)."""
        return self._create(
            VectorConnector,
            connector_id,
            tenant_id,
            name,
            config,
            vector_dimension=vector_dimension,
            distance_metric=distance_metric,
        )

    def create_file_connector(
        self,
        tenant_id: str,
        name: str,
        config: ConnectorConfig | None = None,
        storage_type: str = "local",
        base_path: str = "/",
        connector_id: str | None = None,
    ) -> FileConnector:
        """Create and register a file connector (id from the store's id factory when None)."""
        return self._create(
            FileConnector,
            connector_id,
            tenant_id,
            name,
            config,
            storage_type=storage_type,
            base_path=base_path,
        )

    def create_serverless_connector(
        self,
        tenant_id: str,
        name: str,
        config: ConnectorConfig | None = None,
        platform: str = "aws_lambda",
        region: str = "us-east-1",
        connector_id: str | None = None,
    ) -> ServerlessConnector:
        """Create and register a serverless connector (id from the store's id factory when None)."""
        return self._create(
            ServerlessConnector,
            connector_id,
            tenant_id,
            name,
            config,
            platform=platform,
            region=region,
        )

    def _create(
        self,
        cls: type[C],
        connector_id: str | None,
        tenant_id: str,
        name: str,
        config: ConnectorConfig | None,
        **own_fields: Any,
    ) -> C:
        # Everything given is checked before the id factory is drawn, so a rejected call draws
        # nothing; the class's own defaults fill every field not given.
        given: dict[str, Any] = {
            "tenant_id": tenant_id,
            "name": name,
            "config": ConnectorConfig() if config is None else config,
            **own_fields,
        }
        if connector_id is not None:
            given["connector_id"] = connector_id
        checked = check_fields(cls, given)
        if connector_id is None:
            checked["connector_id"] = str(self._context.new_id())
        return self._insert(cls, checked)

    def _insert(self, cls: type[C], checked: dict[str, Any]) -> C:
        """Stamp and store checked fields; the stored connector back. (Its JSON values are the
        checks' fresh copies, shared with nothing the caller holds, so it is returned as is.)"""
        now = self._context.now()
        stamped = cls(**checked, created_at=now, updated_at=now)
        try:
            self._storage.insert(connector_to_record(stamped))
        except ConflictError as conflict:
            raise self._conflict_error(stamped) from conflict
        return stamped

    def _conflict_error(self, connector: Connector) -> ConflictError:
        if self._storage.get(connector.connector_id) is not None:
            return ConnectorAlreadyExistsError(
                f"connector {connector.connector_id!r} already exists",
                connector_id=connector.connector_id,
                connector_type=connector.connector_type,
            )
        return DuplicateConnectorNameError(
            f"tenant {connector.tenant_id!r} already has a connector named {connector.name!r}",
            connector_id=connector.connector_id,
            connector_type=connector.connector_type,
        )

    # ---- reads --------------------------------------------------------------------------

    def get(self, connector_id: str, *, tenant_id: str | None = None) -> Connector | None:
        """The connector, or None; with ``tenant_id``, another tenant's connector is None too."""
        connector_id = values.identifier(connector_id, "connector_id")
        tenant_id = values.optional_identifier(tenant_id, "tenant_id")
        record = self._storage.get(connector_id)
        if record is None or (tenant_id is not None and record["tenant_id"] != tenant_id):
            return None
        return connector_from_record(record)

    def get_by_name(self, tenant_id: str, name: str) -> Connector | None:
        """The tenant's connector with exactly that name (code-point equality), or None."""
        record = self._storage.get_by_name(
            values.identifier(tenant_id, "tenant_id"), values.identifier(name, "name")
        )
        return None if record is None else connector_from_record(record)

    def list(
        self,
        tenant_id: str | None = None,
        connector_type: ConnectorType | None = None,
        status: ConnectorStatus | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[Connector]:
        """Connectors matching every given filter, ordered by (name, connector_id), paged."""
        checked_limit, checked_offset = values.page(limit, offset)
        query = ConnectorQuery(
            tenant_id=values.optional_identifier(tenant_id, "tenant_id"),
            connector_type=None
            if connector_type is None
            else values.enum_member(connector_type, ConnectorType, "connector_type").value,
            status=None
            if status is None
            else values.enum_member(status, ConnectorStatus, "status").value,
            limit=checked_limit,
            offset=checked_offset,
        )
        return [connector_from_record(record) for record in self._storage.find(query)]

    def get_statistics(self, tenant_id: str | None = None) -> ConnectorStats:
        """Counts over the tenant's connectors (all connectors when ``tenant_id`` is None)."""
        groups = self._storage.count_groups(values.optional_identifier(tenant_id, "tenant_id"))
        by_status: dict[str, int] = {}
        by_type: dict[str, int] = {}
        for group in groups:
            by_status[group.status] = by_status.get(group.status, 0) + group.connectors
            by_type[group.connector_type] = by_type.get(group.connector_type, 0) + group.connectors
        return ConnectorStats(
            total_connectors=sum(group.connectors for group in groups),
            ready_connectors=by_status.get(ConnectorStatus.READY.value, 0),
            connected_connectors=by_status.get(ConnectorStatus.CONNECTED.value, 0),
            error_connectors=by_status.get(ConnectorStatus.ERROR.value, 0),
            connectors_by_type={key: count for key, count in by_type.items() if count},
            total_connections=sum(group.connections for group in groups),
            total_errors=sum(group.errors for group in groups),
        )

    # ---- removal ------------------------------------------------------------------------

    def delete(self, connector_id: str, *, tenant_id: str | None = None) -> bool:
        """Remove the connector; False when it does not exist (or is another tenant's)."""
        return self._storage.delete(
            values.identifier(connector_id, "connector_id"),
            values.optional_identifier(tenant_id, "tenant_id"),
        )

    def clear_tenant(self, tenant_id: str) -> int:
        """Remove every connector of the tenant; returns how many were removed."""
        return self._storage.delete_tenant(values.identifier(tenant_id, "tenant_id"))

    # ---- state changes ------------------------------------------------------------------

    def record_connection(
        self, connector_id: str, now: datetime | None = None, *, tenant_id: str | None = None
    ) -> Connector:
        """Count a successful connection: status connected, ``last_connected`` = now."""
        connector_id = values.identifier(connector_id, "connector_id")
        tenant_id = values.optional_identifier(tenant_id, "tenant_id")
        when = self._when(now)
        return self._change(
            connector_id,
            tenant_id,
            {"status": ConnectorStatus.CONNECTED.value, "last_connected": when, "updated_at": when},
            {"connection_count": 1},
        )

    def record_error(
        self,
        connector_id: str,
        error: str,
        now: datetime | None = None,
        *,
        tenant_id: str | None = None,
    ) -> Connector:
        """Count a connection error: status error, ``last_error`` = error."""
        connector_id = values.identifier(connector_id, "connector_id")
        error = values.text(error, "error")
        tenant_id = values.optional_identifier(tenant_id, "tenant_id")
        when = self._when(now)
        return self._change(
            connector_id,
            tenant_id,
            {"status": ConnectorStatus.ERROR.value, "last_error": error, "updated_at": when},
            {"error_count": 1},
        )

    def disconnect(self, connector_id: str, *, tenant_id: str | None = None) -> Connector:
        """Mark the connector disconnected."""
        connector_id = values.identifier(connector_id, "connector_id")
        tenant_id = values.optional_identifier(tenant_id, "tenant_id")
        when = self._context.now()
        return self._change(
            connector_id,
            tenant_id,
            {"status": ConnectorStatus.DISCONNECTED.value, "updated_at": when},
            {},
        )

    def _when(self, now: datetime | None) -> datetime:
        return self._context.now() if now is None else values.timestamp(now, "now")

    def _change(
        self,
        connector_id: str,
        tenant_id: str | None,
        changes: Mapping[str, Any],
        increments: Mapping[str, int],
    ) -> Connector:
        record = self._storage.update(connector_id, tenant_id, changes, increments)
        if record is None:
            raise ConnectorNotFoundError(
                f"connector {connector_id!r} not found", connector_id=connector_id
            )
        return connector_from_record(record)

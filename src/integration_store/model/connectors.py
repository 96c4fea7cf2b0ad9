"""Connector objects, enums and statistics, with upstream's defaults and ``to_dict`` shapes."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, ClassVar

import attrs

from integration_store.model.fields import declare
from integration_store.model.schema import FieldKind


class ConnectorType(str, Enum):
    """Kinds of outside system a connector reaches."""

    HTTP = "http"
    SQL = "sql"
    MCP = "mcp"
    VECTOR = "vector"
    FILE = "file"
    SERVERLESS = "serverless"
    STREAM = "stream"
    CUSTOM = "custom"


class ConnectorStatus(str, Enum):
    """Lifecycle state of a connector."""

    REGISTERED = "registered"
    CONFIGURING = "configuring"
    READY = "ready"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    ERROR = "error"
    DEPRECATED = "deprecated"


class ConnectorCapability(str, Enum):
    """What a connector can do."""

    READ = "read"
    WRITE = "write"
    QUERY = "query"
    STREAM = "stream"
    BATCH = "batch"
    TRANSACTION = "transaction"
    SEARCH = "search"
    VECTOR_SEARCH = "vector_search"


SECRET_MASK = "***"

CONNECTOR_CLASSES: dict[str, type[Connector]] = {}
"""Every connector class by its ``kind``: the base class, the three upstream subclasses and any
subclass that declares its own ``kind``."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@attrs.frozen
class ConnectorConfig:
    """How to reach the outside system; ``credentials`` never shows in ``repr``."""

    endpoint: str | None = None
    timeout_seconds: int = 30
    max_retries: int = 3
    retry_delay_seconds: int = 1
    auth_type: str | None = None
    credentials: dict[str, Any] = attrs.field(factory=dict, repr=False)
    rate_limit_enabled: bool = False
    rate_limit_requests: int = 100
    rate_limit_window_seconds: int = 60
    options: dict[str, Any] = attrs.field(factory=dict)

    def to_dict(self, include_secrets: bool = False) -> dict[str, Any]:
        """Upstream's shape; every credential value is masked unless ``include_secrets``."""
        credentials = (
            dict(self.credentials)
            if include_secrets
            else {key: SECRET_MASK for key in self.credentials}
        )
        return {
            "endpoint": self.endpoint,
            "timeout_seconds": self.timeout_seconds,
            "max_retries": self.max_retries,
            "retry_delay_seconds": self.retry_delay_seconds,
            "auth_type": self.auth_type,
            "credentials": credentials,
            "rate_limit_enabled": self.rate_limit_enabled,
            "rate_limit_requests": self.rate_limit_requests,
            "rate_limit_window_seconds": self.rate_limit_window_seconds,
            "options": self.options,
        }


def _config_or_default(config: ConnectorConfig | None) -> ConnectorConfig:
    """Upstream's ``config=None``: the default config."""
    return ConnectorConfig() if config is None else config


@attrs.frozen
class Connector:
    """A configured access to an outside system, owned by one tenant.

    ``created_at``/``updated_at`` are None until the store stamps them at ``register()``;
    ``revision`` is 0 until then, 1 once stored, and one more after every write of it.
    Subclasses fix ``connector_type`` and add their own fields; ``kind`` names the class in
    storage.
    """

    kind: ClassVar[str] = "base"

    connector_id: str = attrs.field(metadata=declare(FieldKind.IDENTIFIER))
    tenant_id: str = attrs.field(metadata=declare(FieldKind.IDENTIFIER))
    name: str = attrs.field(metadata=declare(FieldKind.IDENTIFIER))
    connector_type: ConnectorType = ConnectorType.CUSTOM
    config: ConnectorConfig = attrs.field(
        factory=ConnectorConfig,
        converter=_config_or_default,
        metadata=declare(FieldKind.JSON),
    )
    # Upstream's constructors take (connector_id, tenant_id, name, config, <type fields>) by
    # position; every field below is keyword-only, so a 5th positional argument can never land
    # in ``status`` (it is a subclass's first own field: ``vector_dimension``, ``storage_type``).
    status: ConnectorStatus = attrs.field(default=ConnectorStatus.REGISTERED, kw_only=True)
    capabilities: tuple[ConnectorCapability, ...] = attrs.field(
        default=(), kw_only=True, metadata=declare(FieldKind.JSON)
    )
    last_connected: datetime | None = attrs.field(default=None, kw_only=True)
    last_error: str | None = attrs.field(default=None, kw_only=True)
    connection_count: int = attrs.field(default=0, kw_only=True)
    error_count: int = attrs.field(default=0, kw_only=True)
    metadata: dict[str, Any] = attrs.field(factory=dict, kw_only=True)
    created_at: datetime | None = attrs.field(
        default=None, kw_only=True, metadata=declare(FieldKind.TIMESTAMP, stamped=True)
    )
    updated_at: datetime | None = attrs.field(
        default=None, kw_only=True, metadata=declare(FieldKind.TIMESTAMP, stamped=True)
    )
    revision: int = attrs.field(
        default=0, kw_only=True, metadata=declare(FieldKind.INTEGER, stamped=True)
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # A subclass naming its own ``kind`` is found again when a stored record is read; attrs
        # builds the final (slotted) class last, so that is the one kept.
        super().__init_subclass__(**kwargs)
        if "kind" not in cls.__dict__:
            return
        taken = CONNECTOR_CLASSES.get(cls.kind)
        if taken is not None and taken.__qualname__ != cls.__qualname__:
            raise TypeError(f"connector kind {cls.kind!r} is taken by {taken.__qualname__}")
        CONNECTOR_CLASSES[cls.kind] = cls

    def extra_fields(self) -> dict[str, Any]:
        """The fields a subclass adds to the base connector (empty for the base class)."""
        return {
            field.name: getattr(self, field.name)
            for field in attrs.fields(type(self))
            if field.name not in _BASE_FIELD_NAMES
        }

    def to_dict(self, include_secrets: bool = False) -> dict[str, Any]:
        """Upstream's shape: ISO timestamps, enum values, masked config, then subclass fields."""
        result: dict[str, Any] = {
            "connector_id": self.connector_id,
            "tenant_id": self.tenant_id,
            "name": self.name,
            "connector_type": self.connector_type.value,
            "config": self.config.to_dict(include_secrets=include_secrets),
            "status": self.status.value,
            "capabilities": [capability.value for capability in self.capabilities],
            "last_connected": _iso(self.last_connected),
            "last_error": self.last_error,
            "connection_count": self.connection_count,
            "error_count": self.error_count,
            "metadata": self.metadata,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
        }
        result.update(self.extra_fields())
        return result


_BASE_FIELD_NAMES = frozenset(field.name for field in attrs.fields(Connector))
CONNECTOR_CLASSES[Connector.kind] = Connector

BaseConnector = Connector
"""Upstream's name for the base connector class."""


_R, _W = ConnectorCapability.READ, ConnectorCapability.WRITE


@attrs.frozen
class VectorConnector(Connector):
    """A vector database connector."""

    kind: ClassVar[str] = "vector"
    connector_type: ConnectorType = attrs.field(default=ConnectorType.VECTOR, init=False)
    vector_dimension: int = 1536
    distance_metric: str = "cosine"
    capabilities: tuple[ConnectorCapability, ...] = attrs.field(
        default=(_R, _W, ConnectorCapability.SEARCH, ConnectorCapability.VECTOR_SEARCH),
        kw_only=True,
    )


@attrs.frozen
class FileConnector(Connector):
    """A file storage connector (local, s3, gcs, azure)."""

    kind: ClassVar[str] = "file"
    connector_type: ConnectorType = attrs.field(default=ConnectorType.FILE, init=False)
    storage_type: str = "local"
    base_path: str = "/"
    capabilities: tuple[ConnectorCapability, ...] = attrs.field(
        default=(_R, _W, ConnectorCapability.QUERY), kw_only=True
    )


@attrs.frozen
class ServerlessConnector(Connector):
    """A serverless function platform connector."""

    kind: ClassVar[str] = "serverless"
    connector_type: ConnectorType = attrs.field(default=ConnectorType.SERVERLESS, init=False)
    platform: str = "aws_lambda"
    region: str = "us-east-1"
    capabilities: tuple[ConnectorCapability, ...] = attrs.field(default=(_R, _W), kw_only=True)


@attrs.frozen
class UnknownKindConnector(Connector):
    """A stored connector whose ``kind`` names no class this process knows (a subclass defined
    only in another program, say): its base fields as stored, flagged by ``stored_kind``, with
    its subclass fields as stored JSON in ``stored_fields`` (timestamps and UUIDs as text).

    Registered again (copied to another store), it is stored under ``stored_kind`` with those
    fields, so a process that knows the class reads it back as that class.
    """

    kind: ClassVar[str] = "integration_store.unknown"
    stored_kind: str = attrs.field(default="", kw_only=True, metadata=declare(FieldKind.IDENTIFIER))
    stored_fields: dict[str, Any] = attrs.field(factory=dict, kw_only=True)


@attrs.frozen
class ConnectorStats:
    """Counts over a tenant's (or all) connectors; ``connectors_by_type`` lists present types."""

    total_connectors: int = 0
    ready_connectors: int = 0
    connected_connectors: int = 0
    error_connectors: int = 0
    connectors_by_type: dict[str, int] = attrs.field(factory=dict)
    total_connections: int = 0
    total_errors: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Upstream's shape."""
        return {
            "total_connectors": self.total_connectors,
            "ready_connectors": self.ready_connectors,
            "connected_connectors": self.connected_connectors,
            "error_connectors": self.error_connectors,
            "connectors_by_type": dict(self.connectors_by_type),
            "total_connections": self.total_connections,
            "total_errors": self.total_errors,
        }

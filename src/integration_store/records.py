"""The one converter between domain objects and storage records.

A *record* is a flat ``dict`` of plain values — ``str``, ``int``, ``bool``, ``None``, aware UTC
``datetime``, ``uuid.UUID`` — plus JSON fields holding checked JSON values, shaped as declared in
``integration_store.model.schema``. Backends store and fetch records; they never build domain
objects themselves.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any, Final
from uuid import UUID

import cattrs

from integration_store.model.connectors import (
    CONNECTOR_CLASSES,
    Connector,
    ConnectorCapability,
    ConnectorStatus,
    ConnectorType,
)
from integration_store.model.responses import ExternalResponse
from integration_store.model.workers import Worker, WorkerConfig

Record = dict[str, Any]

def _enum_value(member: Enum) -> Any:
    return member.value


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    # Datetimes and UUIDs are record values as they are; backends keep their types.
    converter.register_unstructure_hook(datetime, lambda value: value)
    converter.register_structure_hook(datetime, lambda value, _: value)
    converter.register_unstructure_hook(UUID, lambda value: value)
    converter.register_structure_hook(
        UUID, lambda value, _: value if isinstance(value, UUID) else UUID(str(value))
    )
    converter.register_unstructure_hook(tuple, list)
    # str-valued enums would otherwise pass through as str subclasses.
    for enum_type in (ConnectorType, ConnectorStatus, ConnectorCapability):
        converter.register_unstructure_hook(enum_type, _enum_value)
    return converter


converter: Final = _make_converter()


def connector_to_record(connector: Connector) -> Record:
    """Flatten a connector (of any subclass) into a record; subclass fields go to ``extra``."""
    document: Record = converter.unstructure(connector)
    extra = {name: document.pop(name) for name in connector.extra_fields()}
    # Subclasses fix connector_type with init=False, which cattrs leaves out.
    document["connector_type"] = connector.connector_type.value
    document["kind"] = type(connector).kind
    document["extra"] = extra
    return document


def connector_from_record(record: Record) -> Connector:
    """Build the connector's own class back from a record."""
    cls = CONNECTOR_CLASSES[record["kind"]]
    document = {key: value for key, value in record.items() if key not in ("kind", "extra")}
    document.update(record["extra"])
    if cls is not Connector:
        del document["connector_type"]  # fixed by the subclass
    return converter.structure(document, cls)


def response_to_record(response: ExternalResponse) -> Record:
    """Flatten an external response into a record."""
    record: Record = converter.unstructure(response)
    return record


def response_from_record(record: Record) -> ExternalResponse:
    """Build an external response from a record."""
    return converter.structure(record, ExternalResponse)


def worker_to_record(worker: Worker) -> Record:
    """Flatten a worker into a record (``moats`` becomes a JSON list)."""
    record: Record = converter.unstructure(worker)
    return record


def worker_from_record(record: Record) -> Worker:
    """Build a worker from a record."""
    return converter.structure(record, Worker)


def worker_config_to_record(config: WorkerConfig) -> Record:
    """Flatten a tenant's worker configuration into a record."""
    record: Record = converter.unstructure(config)
    return record


def worker_config_from_record(record: Record) -> WorkerConfig:
    """Build a tenant's worker configuration from a record."""
    return converter.structure(record, WorkerConfig)

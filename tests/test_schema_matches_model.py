"""The record schema and the domain classes describe the same stored fields.

``model/schema.py`` is what records, SQL tables and Mongo documents are derived from; a field
added to a domain class but not declared there would be dropped from every write without a
word, so this test fails first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from integration_store import Connector, ExternalResponse, Worker, WorkerConfig
from integration_store.model import schema
from integration_store.model.fields import field_specs
from integration_store.model.schema import FieldKind, RecordSchema
from integration_store.records import new_response_record, to_record

STORED_ONLY = {"kind", "extra"}
"""Connector record fields that are no attrs field: the class tag and the subclass fields."""

STAMPED_BY_THE_STORE = {"created_at", "updated_at"}
"""None on a domain object until the store stamps it, so never None once stored."""

TEXT_LIKE = {FieldKind.IDENTIFIER, FieldKind.TEXT, FieldKind.ENUM}
"""Kinds stored as text; a domain field typed plain ``str`` may be any of them."""


def _comparable(kind: FieldKind) -> FieldKind:
    return FieldKind.TEXT if kind in TEXT_LIKE else kind


@pytest.mark.parametrize(
    ("domain_class", "record"),
    [
        (Connector, schema.CONNECTOR),
        (ExternalResponse, schema.EXTERNAL_RESPONSE),
        (Worker, schema.WORKER),
        (WorkerConfig, schema.WORKER_CONFIG),
    ],
)
def test_every_domain_field_is_declared_with_its_kind(
    domain_class: type, record: RecordSchema
) -> None:
    specs = {spec.name: spec for spec in field_specs(domain_class)}
    declared = [name for name in record.names if name not in STORED_ONLY]

    assert sorted(specs) == sorted(declared)
    for name in declared:
        field, spec = record.field(name), specs[name]
        assert _comparable(field.kind) == _comparable(spec.kind), name
        stamped = name in STAMPED_BY_THE_STORE and spec.nullable and not field.nullable
        assert stamped or field.nullable == spec.nullable, name


def test_a_new_response_record_is_the_record_of_its_response() -> None:
    arguments = {
        "source": "src",
        "raw_response": {"a": [1]},
        "interpretation_owner": "owner",
        "interpretation_contract": "v1",
        "request_id": "req",
        "run_id": None,
    }
    received_at = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)

    record = new_response_record(UUID(int=7), received_at, arguments)

    response = ExternalResponse(id=UUID(int=7), received_at=received_at, **arguments)
    assert list(record.items()) == list(to_record(response).items())
    assert list(record) == list(schema.EXTERNAL_RESPONSE.names)

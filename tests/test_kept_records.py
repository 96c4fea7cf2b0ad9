"""A record a backend keeps and returns as it is (``StoredRecord``): decoded once, then every
read gets a copy sharing no container with the kept object, the record or another read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import attrs

from integration_store.json_copies import StoredRecord, copy_record, kept_record_copier
from integration_store.model import schema
from integration_store.model.connectors import (
    ConnectorCapability,
    ConnectorConfig,
    VectorConnector,
)
from integration_store.model.responses import ExternalResponse
from integration_store.object_copies import copier_for, flat_paths, shaped_copier
from integration_store.records import (
    connector_from_record,
    connector_to_record,
    from_record,
    to_record,
)
from integration_store.secrets import generate_key
from integration_store.store import open_store

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _connector() -> VectorConnector:
    return VectorConnector(
        "c1", "t1", "vectors",
        ConnectorConfig(credentials={"api_key": "k"}, options={"nested": {"list": [1, 2]}}),
        vector_dimension=8, capabilities=(ConnectorCapability.READ,),
        metadata={"team": {"x": [1]}}, revision=2, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


def _containers(connector: VectorConnector) -> list[object]:
    return [
        connector.metadata, connector.metadata["team"], connector.metadata["team"]["x"],
        connector.config, connector.config.credentials, connector.config.options,
        connector.config.options["nested"], connector.config.options["nested"]["list"],
    ]  # fmt: skip


def test_a_kept_record_is_decoded_once_and_each_read_is_a_separate_copy() -> None:
    kept = kept_record_copier(schema.CONNECTOR)(connector_to_record(_connector()))
    first, second = connector_from_record(kept), connector_from_record(kept)
    assert first == second == _connector() and type(first) is VectorConnector
    remembered = kept.decoded
    assert isinstance(remembered, VectorConnector)
    connector_from_record(kept)
    assert kept.decoded is remembered  # not decoded again
    shared = {id(item) for item in _containers(remembered)} | {id(kept["metadata"])}
    for read in (first, second):
        assert not shared & {id(item) for item in _containers(read)}
    assert not {id(item) for item in _containers(first)} & {id(c) for c in _containers(second)}


def test_mutating_a_read_never_reaches_the_kept_record_or_the_next_read() -> None:
    kept = kept_record_copier(schema.CONNECTOR)(connector_to_record(_connector()))
    read = connector_from_record(kept)
    read.metadata["team"]["x"].append(99)
    read.config.options["nested"]["list"].clear()
    read.config.credentials["api_key"] = "changed"
    assert connector_from_record(kept) == _connector()
    assert kept["metadata"] == {"team": {"x": [1]}}


def test_a_kept_response_copies_its_payloads() -> None:
    response = ExternalResponse(
        uuid4(), "crm", {"body": {"items": [1]}}, "owner", received_at=NOW,
        interpreted_value={"label": ["a"]},
    )  # fmt: skip
    kept = StoredRecord(copy_record(to_record(response)))
    read = from_record(kept, ExternalResponse)
    assert read == response
    assert read.raw_response["body"] is not kept["raw_response"]["body"]
    assert read.interpreted_value is not None
    assert read.interpreted_value["label"] is not kept["interpreted_value"]["label"]
    assert from_record(kept, ExternalResponse).raw_response is not read.raw_response


def test_flat_json_values_are_copied_whole_and_nested_ones_all_the_way_down() -> None:
    stored = VectorConnector(
        "c2", "t1", "flat", ConnectorConfig(options={"region": "eu", "batch": 3}),
        vector_dimension=4, metadata={"tags": ["a", "b"]},
    )  # fmt: skip
    kept = kept_record_copier(schema.CONNECTOR)(connector_to_record(stored))
    first, second = connector_from_record(kept), connector_from_record(kept)
    assert flat_paths(kept.decoded) == {"config.credentials", "config.options"}
    assert first == second == stored
    for read, other in ((first, second), (second, first)):
        for container in ("credentials", "options"):
            assert getattr(read.config, container) is not getattr(kept.decoded.config, container)
            assert getattr(read.config, container) is not getattr(other.config, container)
        assert read.metadata["tags"] is not kept.decoded.metadata["tags"]
    first.config.options["region"] = "us"
    first.config.credentials["token"] = "t"
    first.metadata["tags"].append("c")
    assert connector_from_record(kept) == stored


def test_a_response_with_a_flat_list_payload_is_copied_too() -> None:
    response = ExternalResponse(uuid4(), "crm", [1, "two"], "owner", received_at=NOW)
    kept = StoredRecord(copy_record(to_record(response)))
    from_record(kept, ExternalResponse)
    read = from_record(kept, ExternalResponse)  # from the kept object
    assert flat_paths(kept.decoded) == {"raw_response"}
    assert read == response and read.raw_response is not kept.decoded.raw_response
    read.raw_response.append(3)
    assert from_record(kept, ExternalResponse) == response


def test_the_copier_shares_immutable_values() -> None:
    original = _connector()
    copy = copier_for(VectorConnector)(original)
    assert copy == original and copy is not original
    assert copy.capabilities is original.capabilities and copy.created_at is original.created_at


def test_sealed_credentials_opened_from_a_kept_record_share_nothing_with_it() -> None:
    with open_store("memory://", secret_key=generate_key()) as store:
        store.connectors.register(_connector())
        read = store.connectors.get("c1")
        assert read is not None and read.config.credentials == {"api_key": "k"}
        read.metadata["team"]["x"].append(2)
        read.config.options["nested"]["list"].append(3)
        assert store.connectors.get("c1") == store.connectors.get_by_name("t1", "vectors")
        again = store.connectors.get("c1")
        assert again is not None and again.metadata == {"team": {"x": [1]}}
        assert again.config.options == {"nested": {"list": [1, 2]}}


@attrs.frozen
class _Settings:
    data: dict[str, Any] = attrs.field(factory=dict)


@attrs.frozen
class _Holder:
    loose: Any = None  # typed with no class: copied by the value's own class
    typed: _Settings | None = None


def test_only_fields_typed_with_an_attrs_class_are_looked_into() -> None:
    holder = _Holder(loose=_Settings({"a": 1}), typed=_Settings({"b": 2}))
    assert flat_paths(holder) == {"typed.data"}
    for copy in (shaped_copier(holder)(holder), copier_for(_Holder)(holder)):
        assert copy == holder and copy.typed is not None and holder.typed is not None
        assert copy.typed.data is not holder.typed.data
        assert copy.loose.data is not holder.loose.data  # the object a converter made
    assert flat_paths(_Holder()) == frozenset()

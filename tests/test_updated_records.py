"""A record an update made of a kept one (``StoredRecord.previous``): read as a copy of the
kept object with the changed fields taken from the new record — exactly what decoding the new
record gives, sharing no container with anything, and never a wrong object when the change is
one the copy cannot take."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integration_store.json_copies import StoredRecord, kept_changed, kept_record_copier
from integration_store.model import schema
from integration_store.model.connectors import (
    Connector,
    ConnectorConfig,
    ConnectorStatus,
    VectorConnector,
)
from integration_store.records import connector_from_record, connector_to_record

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
CONNECTED = {"status": "connected", "last_connected": LATER, "updated_at": LATER}
ONE_MORE = {"connection_count": 1, "revision": 1}


def _kept() -> StoredRecord:
    """A stored connector read twice: its object is kept (``StoredRecord.decoded``)."""
    connector = VectorConnector(
        "c1", "t1", "vectors",
        ConnectorConfig(credentials={"api_key": "k"}, options={"nested": {"list": [1, 2]}}),
        vector_dimension=8, metadata={"team": {"x": [1]}}, revision=2,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    record = kept_record_copier(schema.CONNECTOR)(connector_to_record(connector))
    connector_from_record(record)
    connector_from_record(record)
    assert isinstance(record.decoded, VectorConnector)
    return record


def _containers(connector: Connector) -> set[int]:
    config = connector.config
    return {id(connector.metadata), id(connector.metadata["team"]), id(config),
            id(config.credentials), id(config.options), id(config.options["nested"])}  # fmt: skip


def _as_decoded(record: StoredRecord) -> Connector:
    """What decoding the whole record gives (a plain dict is never kept nor evolved)."""
    return connector_from_record(dict(record))


def test_an_update_reads_as_its_whole_record_decodes_without_decoding_it() -> None:
    kept = _kept()
    after = kept_changed(kept, CONNECTED, ONE_MORE)
    first, second = connector_from_record(after), connector_from_record(after)

    assert first == second == _as_decoded(after) and type(first) is VectorConnector
    assert first.status is ConnectorStatus.CONNECTED and first.connection_count == 1
    assert (first.last_connected, first.updated_at, first.revision) == (LATER, LATER, 3)
    assert after.decoded == first  # kept by the second read, as a decoded record is,
    assert after.decoded.config is kept.decoded.config  # but made from the kept object
    for read, other in ((first, second), (second, first)):
        owners = _containers(kept.decoded) | _containers(after.decoded) | _containers(other)
        assert not _containers(read) & owners
    first.metadata["team"]["x"].append(9)
    first.config.options["nested"]["list"].clear()
    assert connector_from_record(after) == _as_decoded(after) == second


def test_an_update_of_an_update_takes_every_field_changed_since_the_kept_object() -> None:
    kept = _kept()
    connected = kept_changed(kept, CONNECTED, ONE_MORE)
    failed = kept_changed(connected, {"status": "error", "last_error": "boom"}, ONE_MORE)

    read = connector_from_record(failed)
    assert read == _as_decoded(failed)
    assert (read.status, read.last_error, read.last_connected) == (
        ConnectorStatus.ERROR, "boom", LATER,
    )  # fmt: skip
    assert (read.connection_count, read.revision) == (2, 4)


def test_a_changed_container_is_decoded_from_the_record() -> None:
    kept = _kept()
    after = kept_changed(kept, {"metadata": {"new": [1]}, "updated_at": LATER}, ONE_MORE)
    read, again = connector_from_record(after), connector_from_record(after)

    assert read == again == _as_decoded(after) and read.metadata == {"new": [1]}
    assert after.decoded.config is not kept.decoded.config  # decoded from the record


def test_a_value_the_copy_cannot_take_fails_as_decoding_the_record_fails() -> None:
    kept = _kept()
    after = kept_changed(kept, {"status": "no such status"}, ONE_MORE)
    with pytest.raises(ValueError, match="no such status") as evolved:
        connector_from_record(after)  # the copy's KeyError is not what reaches the caller
    with pytest.raises(ValueError) as decoded:
        _as_decoded(after)
    assert str(evolved.value) == str(decoded.value)

"""A record an update of flat fields made of a kept one (``StoredRecord.previous``): read as a
copy of the kept object with the changed fields taken from the new record — exactly what
decoding the new record gives, sharing no container with anything — and never a wrong or
stale object when the change is one such a copy cannot take."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from integration_store import records
from integration_store.json_copies import (
    StoredRecord,
    copy_record,
    kept_changed,
    kept_record_copier,
)
from integration_store.model import schema
from integration_store.model.connectors import (
    CONNECTOR_CLASSES,
    Connector,
    ConnectorConfig,
    ConnectorStatus,
    UnknownKindConnector,
    VectorConnector,
)
from integration_store.model.responses import ExternalResponse
from integration_store.records import connector_from_record, connector_to_record, from_record
from integration_store.store import open_store

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
CONNECTED = {"status": "connected", "last_connected": LATER, "updated_at": LATER}
FAILED = {"status": "error", "last_error": "boom", "updated_at": LATER}
ONE_MORE = {"connection_count": 1, "revision": 1}


def _read_twice(record: StoredRecord) -> StoredRecord:
    """The record, its object kept by the core (as after a second read)."""
    connector_from_record(record)
    connector_from_record(record)
    assert isinstance(record.decoded, Connector)
    return record


def _kept(connector: Connector | None = None) -> StoredRecord:
    connector = connector or VectorConnector(
        "c1", "t1", "vectors",
        ConnectorConfig(credentials={"api_key": "k"}, options={"nested": {"list": [1, 2]}}),
        vector_dimension=8, metadata={"team": {"x": [1]}}, revision=2,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    return _read_twice(kept_record_copier(schema.CONNECTOR)(connector_to_record(connector)))


def _containers(connector: Connector) -> set[int]:
    config = connector.config
    return {id(connector.metadata), id(connector.metadata["team"]), id(config),
            id(config.credentials), id(config.options), id(config.options["nested"])}  # fmt: skip


def _as_decoded(record: StoredRecord) -> Connector:
    """What decoding the whole record gives (a plain dict is never kept nor evolved)."""
    return connector_from_record(dict(record))


def _refused(*arguments: Any, **keywords: Any) -> Any:
    raise AssertionError("the whole record was decoded")


@contextmanager
def _no_decoding() -> Iterator[None]:
    """Decoding a whole record fails the test: a read must come from the kept object."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(records, "_decoded_connector", _refused)
        patch.setattr(records, "decoder_for", _refused)
        yield


def test_an_update_reads_as_its_record_decodes() -> None:
    after = kept_changed(_kept(), CONNECTED, ONE_MORE)
    expected = _as_decoded(after)
    with _no_decoding():
        read = connector_from_record(after)
    assert read == expected and type(read) is VectorConnector
    assert read.status is ConnectorStatus.CONNECTED and read.connection_count == 1
    assert (read.last_connected, read.updated_at, read.revision) == (LATER, LATER, 3)


def test_the_first_read_of_an_update_shares_no_container_with_anything() -> None:
    kept = _kept()
    after = kept_changed(kept, CONNECTED, ONE_MORE)
    with _no_decoding():
        first, second = connector_from_record(after), connector_from_record(after)

    for read, other in ((first, second), (second, first)):
        owners = _containers(kept.decoded) | _containers(after.decoded) | _containers(other)
        assert not _containers(read) & owners
    first.metadata["team"]["x"].append(9)
    first.config.options["nested"]["list"].clear()
    assert connector_from_record(after) == second


def test_the_second_read_keeps_the_object_and_lets_the_earlier_one_go() -> None:
    kept = _kept()
    after = kept_changed(kept, CONNECTED, ONE_MORE)
    with _no_decoding():
        first, second = connector_from_record(after), connector_from_record(after)

    assert after.decoded == first == second and after.previous is None
    assert after.decoded.config is kept.decoded.config  # made from the kept object


def test_an_update_of_an_update_takes_every_field_changed_since_the_kept_object() -> None:
    kept = _kept()
    connected = kept_changed(kept, CONNECTED, ONE_MORE)
    with _no_decoding():
        connector_from_record(connected)  # read once: nothing new kept
        failed = kept_changed(connected, FAILED, ONE_MORE)
        read = connector_from_record(failed)

    assert read == _as_decoded(failed)
    assert (read.status, read.last_error, read.last_connected, read.updated_at) == (
        ConnectorStatus.ERROR, "boom", LATER, LATER,
    )  # fmt: skip
    assert (read.connection_count, read.revision) == (2, 4)


def test_a_changed_container_holds_no_earlier_object() -> None:
    kept = _kept()
    metadata = kept_changed(kept, {"metadata": {"new": [1]}}, ONE_MORE)
    config = {**kept["config"], "credentials": {"api_key": "new"}}
    credentials = kept_changed(kept, {"config": config}, ONE_MORE)
    after_both = kept_changed(credentials, CONNECTED, ONE_MORE)

    assert metadata.previous is credentials.previous is after_both.previous is None
    assert connector_from_record(metadata).metadata == {"new": [1]}
    assert connector_from_record(after_both) == _as_decoded(after_both)


def test_a_value_the_copy_cannot_take_fails_as_decoding_the_record_fails() -> None:
    after = kept_changed(_kept(), {"status": "no such status"}, ONE_MORE)
    with pytest.raises(ValueError, match="no such status") as evolved:
        connector_from_record(after)  # the copy's KeyError is not what reaches the caller
    with pytest.raises(ValueError) as decoded:
        _as_decoded(after)
    assert str(evolved.value) == str(decoded.value)


def test_a_kind_registered_since_the_object_was_kept_reads_as_its_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    unknown = connector_to_record(Connector("c2", "t1", "later", created_at=NOW, updated_at=NOW))
    unknown["kind"] = "registered-later"
    kept = _read_twice(kept_record_copier(schema.CONNECTOR)(unknown))
    assert type(kept.decoded) is UnknownKindConnector
    monkeypatch.setitem(CONNECTOR_CLASSES, "registered-later", Connector)

    read = connector_from_record(kept_changed(kept, CONNECTED, ONE_MORE))
    assert type(read) is Connector and read.status is ConnectorStatus.CONNECTED


def test_an_update_of_a_kept_response_reads_as_its_record_decodes() -> None:
    response = ExternalResponse(
        uuid4(), "crm", {"body": [1]}, "owner", received_at=NOW, interpreted_value={"a": [1]}
    )
    kept = StoredRecord(copy_record(records.to_record(response)))
    from_record(kept, ExternalResponse)
    from_record(kept, ExternalResponse)
    after = kept_changed(kept, {"claimed_by": "worker-1", "lease_expires_at": LATER})
    expected = from_record(dict(after), ExternalResponse)
    with _no_decoding():
        read = from_record(after, ExternalResponse)

    assert read == expected and (read.claimed_by, read.lease_expires_at) == ("worker-1", LATER)
    assert read.raw_response["body"] is not kept.decoded.raw_response["body"]


def test_a_store_returns_what_decoding_its_stored_records_gives() -> None:
    with open_store("memory://") as store:
        registry = store.connectors
        registry.register(Connector("c3", "t1", "store", config=ConnectorConfig(options={"a": 1})))
        stored = registry._storage.get  # the records the memory backend keeps
        for _ in range(2):
            record = stored("c3")
            assert record is not None and registry.get("c3") == connector_from_record(dict(record))
        calls: list[Callable[[str], Connector | None]] = [
            registry.record_connection, registry.get, registry.disconnect, registry.get,
            lambda connector_id: registry.record_error(connector_id, "boom"),
            registry.record_connection, registry.get, registry.get,
        ]  # fmt: skip
        for call in calls:
            returned, record = call("c3"), stored("c3")
            assert record is not None and returned == connector_from_record(dict(record))

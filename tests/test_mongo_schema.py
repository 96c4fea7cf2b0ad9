"""The document store's layout: derived from the one field schema, versioned, and readable when
documents predate a field."""

from __future__ import annotations

import pytest

pytest.importorskip("mongomock")

from pymongo.database import Database

from integration_store import IntegrationStoreError, VectorConnector, open_store
from integration_store.backends.mongo import migrations
from integration_store.backends.mongo.backend import MongoBackend
from integration_store.backends.mongo.documents import CONNECTOR, SHAPES, Document
from integration_store.model.schema import ALL_SCHEMAS
from integration_store.store import Store
from integration_store.testing import FixedClock, SequentialIds


@pytest.fixture
def store() -> Store:
    return open_store("mongomock://", clock=FixedClock(), id_factory=SequentialIds())


def _database(store: Store) -> Database[Document]:
    backend = store.backend
    assert isinstance(backend, MongoBackend)
    return backend._database


def _stored_connector(store: Store) -> None:
    store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="C"))


def test_every_record_schema_has_a_document_shape() -> None:
    assert [shape.schema for shape in SHAPES] == list(ALL_SCHEMAS)


def test_a_document_lacking_an_optional_field_reads_its_default(store: Store) -> None:
    _stored_connector(store)
    _database(store)["connectors"].update_one(
        {"_id": "c"}, {"$unset": {"metadata": "", "last_error": "", "error_count": ""}}
    )

    read = store.connectors.get("c")

    assert read is not None
    assert (read.metadata, read.last_error, read.error_count) == ({}, None, 0)


def test_a_document_lacking_a_required_field_is_a_store_error(store: Store) -> None:
    _stored_connector(store)
    _database(store)["connectors"].update_one({"_id": "c"}, {"$unset": {"tenant_id": ""}})

    with pytest.raises(IntegrationStoreError, match="tenant_id"):
        store.connectors.get("c")


def test_create_schema_records_the_layout_version(store: Store) -> None:
    database = _database(store)
    database[migrations.VERSION_COLLECTION].delete_many({})

    store.create_schema()

    assert migrations.stored_version(database) == migrations.HEAD


def test_a_backfill_step_stores_the_default_where_a_document_lacks_the_field(
    store: Store,
) -> None:
    _stored_connector(store)
    collection = _database(store)["connectors"]
    collection.update_one({"_id": "c"}, {"$unset": {"metadata": ""}})

    migrations.backfill(CONNECTOR, "metadata")(_database(store))

    stored = collection.find_one({"_id": "c"})
    assert stored is not None and stored["metadata"] == "{}"


def test_a_step_newer_than_the_recorded_version_runs_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[int] = []
    step = migrations.Step(migrations.HEAD + 1, "test step", lambda _db: runs.append(1))
    monkeypatch.setattr(migrations, "STEPS", (*migrations.STEPS, step))

    store.create_schema()
    store.create_schema()

    assert runs == [1]
    assert migrations.stored_version(_database(store)) == migrations.HEAD + 1


def test_a_response_stored_before_leases_existed_is_claimable(store: Store) -> None:
    recorded = store.external_responses.record_raw_response("s", {}, "o")
    _database(store)["external_responses"].update_many(
        {}, {"$unset": {"claimed_by": "", "lease_expires_at": ""}}
    )

    claimed = store.external_responses.claim_pending("o", "w")

    assert [(r.id, r.claimed_by) for r in claimed] == [(recorded.id, "w")]


def test_the_lease_step_backfills_responses_stored_before_it(store: Store) -> None:
    store.external_responses.record_raw_response("s", {}, "o")
    database = _database(store)
    database["external_responses"].update_many(
        {}, {"$unset": {"claimed_by": "", "lease_expires_at": ""}}
    )
    database[migrations.VERSION_COLLECTION].update_one(
        {"_id": migrations.VERSION_ID}, {"$set": {"version": 1}}, upsert=True
    )

    store.create_schema()

    stored = database["external_responses"].find_one({})
    assert stored is not None
    assert (stored["claimed_by"], stored["lease_expires_at"]) == (None, None)
    assert migrations.stored_version(database) == migrations.HEAD


def _unset_revisions(database: Database[Document]) -> None:
    for collection in ("connectors", "workers", "worker_configs"):
        database[collection].update_many({}, {"$unset": {"revision": ""}})


def test_objects_stored_before_revisions_read_revision_1_and_update_from_it(
    store: Store,
) -> None:
    _stored_connector(store)
    store.workers.register_worker("w", "W")
    store.workers.set_tenant_worker_config("t", "w")
    _unset_revisions(_database(store))

    connector, worker = store.connectors.get("c"), store.workers.get_worker("w")
    config = store.workers.get_tenant_worker_config("t", "w")
    assert connector is not None and worker is not None and config is not None
    assert (connector.revision, worker.revision, config.revision) == (1, 1, 1)


def test_the_revision_step_backfills_objects_stored_before_it(store: Store) -> None:
    _stored_connector(store)
    store.workers.register_worker("w", "W")
    store.workers.set_tenant_worker_config("t", "w")
    database = _database(store)
    _unset_revisions(database)
    database[migrations.VERSION_COLLECTION].update_one(
        {"_id": migrations.VERSION_ID}, {"$set": {"version": 2}}, upsert=True
    )

    store.create_schema()

    for collection in ("connectors", "workers", "worker_configs"):
        stored = database[collection].find_one({})
        assert stored is not None and stored["revision"] == 1, collection
    assert store.connectors.update_status("c", "ready", expected_revision=1).revision == 2
    assert store.workers.deprecate_worker("w", expected_revision=1).revision == 2
    config = store.workers.set_tenant_worker_config("t", "w", enabled=False, expected_revision=1)
    assert config.revision == 2
    assert migrations.stored_version(database) == migrations.HEAD

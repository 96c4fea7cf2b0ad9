"""The MongoDB backend on mongomock: thread safety, stored document layout, URL handling, errors."""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

pytest.importorskip("mongomock")

from bson.binary import Binary
from pymongo.errors import AutoReconnect, OperationFailure

from integration_store import (
    CLAIMS,
    ConflictError,
    IntegrationStoreError,
    VectorConnector,
    open_store,
)
from integration_store.backends.mongo import provider, with_database
from integration_store.backends.mongo.backend import MongoBackend, database_name
from integration_store.backends.mongo.binding import COLLECTIONS
from integration_store.backends.mongo.errors import translated
from integration_store.errors import BackendUnavailableError
from integration_store.protocols import INVOCATIONS, VECTORS
from integration_store.store import Store
from integration_store.test_support import clear_store
from integration_store.testing import FixedClock, SequentialIds, assert_identical

THREADS = 8
CALLS = 40
ROUNDS = 200

TRICKY: dict[str, Any] = {
    "a.b": 1,
    "$x": 1.0,
    "": -0.0,
    "nul\x00key": "nul\x00value",
    "$set": {"$inc": {"x.y": [1, 1.0, 2**63 - 1, -(2**63), 1e308, 5e-324, None, True]}},
    "ünï": ["", {}, []],
}


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Make the interpreter switch threads very often, so unguarded races would show."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


@pytest.fixture
def store() -> Store:
    return open_store("mongomock://", clock=FixedClock(), id_factory=SequentialIds())


def _backend(store: Store) -> MongoBackend:
    backend = store.backend
    assert isinstance(backend, MongoBackend)
    return backend


def test_every_open_is_a_new_private_database_with_its_schema() -> None:
    first = open_store("mongomock://")
    second = open_store("mongomock://")
    first.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
    assert second.connectors.get("c") is None
    # Nobody else can reach a mongomock database, so open creates the unique indexes itself.
    with pytest.raises(ConflictError):
        first.connectors.register(VectorConnector(connector_id="d", tenant_id="t", name="n"))


@pytest.mark.usefixtures("busy_switching")
def test_threads_sharing_a_store_lose_no_counter_increment(store: Store) -> None:
    store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
    barrier = threading.Barrier(THREADS)

    def hammer(_: int) -> None:
        barrier.wait()
        for _ in range(CALLS):
            store.connectors.record_connection("c")
            store.connectors.record_error("c", "boom")
            store.connectors.list(tenant_id="t")

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(hammer, range(THREADS)))

    final = store.connectors.get("c")
    assert final is not None
    assert (final.connection_count, final.error_count) == (THREADS * CALLS, THREADS * CALLS)


@pytest.mark.usefixtures("busy_switching")
def test_threads_racing_for_one_name_see_exactly_one_winner(store: Store) -> None:
    # mongomock checks unique indexes and stores the document in separate steps: unguarded,
    # two threads can both win (seen in about 1 round in 100 here).
    store.workers.register_worker("w", "W")
    for tenant in range(ROUNDS):
        barrier = threading.Barrier(THREADS)

        def race(index: int, tenant: int = tenant, barrier: threading.Barrier = barrier) -> bool:
            barrier.wait()
            store.workers.set_tenant_worker_config(f"t{tenant}", "w", config={"i": index})
            try:
                store.connectors.register(
                    VectorConnector(connector_id=f"{tenant}-{index}", tenant_id=f"t{tenant}",
                                    name="same")
                )
            except ConflictError:
                return False
            return True

        with ThreadPoolExecutor(THREADS) as pool:
            outcomes = list(pool.map(race, range(THREADS)))

        assert outcomes.count(True) == 1, f"round {tenant}: {outcomes}"
        assert len(store.workers.list_tenant_worker_configs(f"t{tenant}")) == 1


def test_json_fields_are_stored_as_exact_text_and_come_back_identical(store: Store) -> None:
    recorded = store.external_responses.record_raw_response("src", TRICKY, "owner")
    backend = _backend(store)
    raw = backend._database["external_responses"].find_one({})
    assert raw is not None
    assert isinstance(raw["raw_response"], str)  # no key of it is ever seen by the database
    assert isinstance(raw["_id"], Binary) and raw["_id"].subtype == 4
    assert raw["_id"].as_uuid() == recorded.id

    fetched = store.external_responses.get_raw_for_interpretation(recorded.id, "owner")
    assert fetched is not None
    assert_identical(fetched.raw_response, TRICKY)
    assert_identical(fetched.received_at, recorded.received_at)
    assert fetched.received_at.tzinfo is UTC


def test_natural_ids_are_document_ids(store: Store) -> None:
    store.connectors.register(VectorConnector(connector_id="vec-1", tenant_id="t", name="V"))
    store.workers.register_worker("w", "W")
    store.workers.set_tenant_worker_config("t", "w", enabled=False)
    database = _backend(store)._database
    assert database["connectors"].find_one({"_id": "vec-1"}) is not None
    assert database["workers"].find_one({"_id": "w"}) is not None
    config = database["worker_configs"].find_one({})
    assert config is not None and config["_id"] == {"tenant_id": "t", "worker_id": "w"}


def test_records_come_back_as_fresh_plain_values(store: Store) -> None:
    storage = _backend(store).storages.connectors
    store.connectors.register(
        VectorConnector(connector_id="c", tenant_id="t", name="n", connection_count=2**62)
    )
    first = storage.get("c")
    assert first is not None
    assert type(first["connection_count"]) is int
    first["metadata"]["changed"] = True
    second = storage.get("c")
    assert second is not None and second["metadata"] == {}


def test_create_schema_is_idempotent_and_makes_the_indexes(store: Store) -> None:
    store.create_schema()
    store.create_schema()
    database = _backend(store)._database
    connectors = database["connectors"].index_information()
    assert connectors["tenant_id_name_unique"]["unique"] is True
    assert "pending_queue" in database["external_responses"].index_information()
    assert "status_is_public_name" in database["workers"].index_information()
    configs = database["worker_configs"].index_information()
    assert configs["tenant_id_worker_id_unique"]["unique"] is True
    vectors = database["vectors"].index_information()
    assert vectors["connector_id_vector_id_unique"]["unique"] is True


def test_mongomock_declares_claims_vectors_invocations_but_no_transactions(
    store: Store,
) -> None:
    assert store.capabilities == frozenset({CLAIMS, VECTORS, INVOCATIONS})


def test_clear_all_empties_every_collection(store: Store) -> None:
    store.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
    store.workers.register_worker("w", "W")
    store.workers.set_tenant_worker_config("t", "w")
    store.external_responses.record_raw_response("s", {}, "o")
    storages = _backend(store).storages
    assert storages.vectors is not None and storages.invocations is not None
    storages.vectors.upsert("c", [_vector_record()])
    storages.invocations.insert(_invocation_record())
    clear_store(store)
    database = _backend(store)._database
    for name in COLLECTIONS:
        assert database[name].count_documents({}) == 0
    assert set(COLLECTIONS) >= {"vectors", "vector_sets", "invocations"}


def _vector_record() -> dict[str, Any]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return {"connector_id": "c", "vector_id": "v", "dimension": 1,
            "vector_values": b"\x00\x00\x80\x3f", "metadata": {}, "updated_at": now}  # fmt: skip


def _invocation_record() -> dict[str, Any]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return {"request_id": uuid.UUID(int=1), "connector_id": "f", "function": "fn",
            "status": "invoked", "payload": {}, "result": None, "error": None,
            "created_at": now, "started_at": None, "finished_at": None}  # fmt: skip


def test_counter_sums_stay_exact_past_int64(store: Store) -> None:
    for index in range(3):
        store.connectors.register(
            VectorConnector(
                connector_id=f"c{index}", tenant_id="t", name=f"n{index}",
                connection_count=2**62, error_count=2**62,
            )
        )
    stats = store.connectors.get_statistics("t")
    assert stats.total_connections == 3 * 2**62 > 2**63
    assert type(stats.total_connections) is int


def test_close_is_idempotent(store: Store) -> None:
    store.close()
    store.close()


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("mongodb://127.0.0.1:27017", "integration_store"),
        ("mongodb://127.0.0.1:27017/", "integration_store"),
        ("mongodb://u:p@h1:1,h2:2/app?replicaSet=rs", "app"),
        ("mongodb+srv://cluster.example.net/its_test?retryWrites=true", "its_test"),
        ("mongomock://", "integration_store"),
    ],
)
def test_the_url_path_names_the_database(url: str, name: str) -> None:
    assert database_name(url) == name


def test_mongomock_urls_are_already_isolated() -> None:
    with provider.isolated_url("mongomock://") as url:
        assert url == "mongomock://"


def test_other_schemes_are_refused() -> None:
    with pytest.raises(IntegrationStoreError):
        provider.open("postgresql://localhost/db")


def test_a_malformed_server_url_is_an_integration_store_error() -> None:
    with pytest.raises(IntegrationStoreError) as raised:
        open_store("mongodb://127.0.0.1:notaport/db")
    assert raised.value.__cause__ is not None


def test_driver_errors_are_translated_and_chained() -> None:
    cases: list[tuple[Exception, type[IntegrationStoreError]]] = [
        (AutoReconnect("connection reset"), BackendUnavailableError),
        (OperationFailure("E11000 duplicate key", code=11000), ConflictError),
        (OperationFailure("bad", code=2), IntegrationStoreError),
    ]
    for cause, expected in cases:
        with pytest.raises(IntegrationStoreError) as raised, translated():
            raise cause
        assert type(raised.value) is expected
        assert raised.value.__cause__ is cause


def test_duplicate_ids_raise_the_bare_conflict_error(store: Store) -> None:
    storage = _backend(store).storages.external_responses
    record = {
        "id": uuid.UUID(int=7), "source": "s", "raw_response": {}, "interpretation_owner": "o",
        "interpretation_contract": None, "request_id": None, "run_id": None,
        "received_at": datetime(2026, 1, 1, tzinfo=UTC), "interpreted_value": None,
        "interpreted_at": None, "interpreted_by": None, "claimed_by": None,
        "lease_expires_at": None,
    }
    storage.insert(record)
    with pytest.raises(ConflictError) as raised:
        storage.insert(record)
    assert type(raised.value) is ConflictError


def test_an_upsert_answered_with_no_document_is_read_back_not_repeated(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SecantusDB 0.7.0b3 answers the loser of a concurrent upsert race with value null, after
    # applying it: sending it again would add a second revision step.
    store.workers.register_worker("w", "W")
    configs = _backend(store)._database["worker_configs"]
    real = type(configs).find_one_and_update
    answers: list[object] = []

    def null_answer(self: Any, *args: Any, **kwargs: Any) -> Any:
        answers.append(real(self, *args, **kwargs))
        return None

    monkeypatch.setattr(type(configs), "find_one_and_update", null_answer)
    created = store.workers.set_tenant_worker_config("t", "w", max_runs_per_day=3)
    updated = store.workers.set_tenant_worker_config("t", "w", max_runs_per_day=4)

    assert (created.max_runs_per_day, created.revision) == (3, 1)
    assert (updated.max_runs_per_day, updated.revision) == (4, 2)
    assert len(answers) == 2


@pytest.mark.parametrize(
    ("url", "isolated"),
    [
        ("mongodb://127.0.0.1:1/its_test", "mongodb://127.0.0.1:1/x_1"),
        ("mongodb://127.0.0.1:1", "mongodb://127.0.0.1:1/x_1"),
        (
            "mongodb://h:1/app?serverSelectionTimeoutMS=300&readPreference=primary",
            "mongodb://h:1/x_1?serverSelectionTimeoutMS=300&readPreference=primary",
        ),
        ("mongodb://u:p%40@h:1/app?tls=true", "mongodb://u:p%40@h:1/x_1?tls=true&authSource=app"),
        ("mongodb://u:p@h:1/", "mongodb://u:p@h:1/x_1?authSource=admin"),
        ("mongodb://u:p@h:1/app?authSource=other", "mongodb://u:p@h:1/x_1?authSource=other"),
        ("mongodb+srv://u:p@c.example.net/app", "mongodb+srv://u:p@c.example.net/x_1?authSource=app"),
    ],
)
def test_an_isolated_url_changes_only_the_database(url: str, isolated: str) -> None:
    assert with_database(url, "x_1") == isolated

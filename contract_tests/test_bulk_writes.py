"""Bulk writes: ``register_many`` and ``record_raw_responses`` store exactly what the single calls
would, in one call, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from integration_store import (
    Connector,
    ConnectorAlreadyExistsError,
    ConnectorConfig,
    ConnectorType,
    DuplicateConnectorNameError,
    FileConnector,
    ResponseAlreadyExistsError,
    ServerlessConnector,
    ValidationError,
    VectorConnector,
    open_store,
)
from integration_store.store import Store
from integration_store.targets import StoreFactory
from integration_store.testing import FixedClock, SequentialIds, assert_identical
from integration_store.values import MAX_BATCH

from .samples import TRICKY_JSON

TICK = timedelta(milliseconds=7)


def _mixed_connectors() -> list[Connector]:
    return [
        VectorConnector(connector_id="v", tenant_id="t1", name="Docs", vector_dimension=3),
        FileConnector(connector_id="f", tenant_id="t1", name="docs", metadata=dict(TRICKY_JSON)),
        ServerlessConnector(connector_id="s", tenant_id="t2", name="Docs", region="eu"),
        Connector(connector_id="c", tenant_id="t2", name="raw", connector_type=ConnectorType.MCP),
    ]


def _items() -> list[dict[str, Any]]:
    return [
        {"source": "openai", "raw_response": dict(TRICKY_JSON), "interpretation_owner": "o1"},
        {
            "source": "anthropic",
            "raw_response": {"n": 1},
            "interpretation_owner": "o2",
            "interpretation_contract": "c.v1",
            "request_id": "req",
            "run_id": "run",
        },
        {"source": "hook", "raw_response": {}, "interpretation_owner": "o1", "run_id": None},
    ]


@pytest.fixture
def ticking(open_same_store: StoreFactory) -> Iterator[tuple[Store, Store]]:
    """The backend under test and a memory store, both with clocks that move on every reading."""
    store = open_same_store(clock=FixedClock(tick=TICK), id_factory=SequentialIds())
    with open_store("memory://", clock=FixedClock(tick=TICK), id_factory=SequentialIds()) as ref:
        yield store, ref


def _connector_ids(store: Store) -> list[str]:
    return [connector.connector_id for connector in store.connectors.list(limit=MAX_BATCH)]


# ---- the same result as the single calls -------------------------------------------------


def test_register_many_stores_what_register_would_one_by_one(
    ticking: tuple[Store, Store],
) -> None:
    store, reference = ticking

    registered = store.connectors.register_many(_mixed_connectors())
    one_by_one = [reference.connectors.register(c) for c in _mixed_connectors()]

    assert_identical(registered, one_by_one)
    assert_identical(store.connectors.list(), reference.connectors.list())
    assert [c.created_at for c in registered] == [c.created_at for c in one_by_one]


def test_register_many_returns_each_connector_as_its_own_class(store: Store) -> None:
    registered = store.connectors.register_many(_mixed_connectors())

    assert [type(c) for c in registered] == [type(c) for c in _mixed_connectors()]
    assert_identical(store.connectors.get("v"), registered[0])


def test_record_raw_responses_stores_what_record_raw_response_would(
    ticking: tuple[Store, Store],
) -> None:
    store, reference = ticking

    recorded = store.external_responses.record_raw_responses(_items())
    one_by_one = [reference.external_responses.record_raw_response(**i) for i in _items()]

    assert_identical(recorded, one_by_one)
    for owner in ("o1", "o2"):
        assert_identical(
            store.external_responses.get_pending_interpretations(owner),
            reference.external_responses.get_pending_interpretations(owner),
        )


def test_record_raw_responses_accepts_a_generator(store: Store, ids: SequentialIds) -> None:
    recorded = store.external_responses.record_raw_responses(item for item in _items())

    assert [response.id for response in recorded] == [UUID(int=1), UUID(int=2), UUID(int=3)]
    assert ids.drawn == 3


def test_an_empty_batch_returns_nothing_and_draws_nothing(
    store: Store, clock: FixedClock, ids: SequentialIds
) -> None:
    assert store.connectors.register_many([]) == []
    assert store.external_responses.record_raw_responses([]) == []
    assert (clock.readings, ids.drawn) == (0, 0)


# ---- all or nothing on a conflict --------------------------------------------------------


@pytest.fixture
def stored(store: Store) -> Store:
    store.connectors.register(FileConnector(connector_id="taken", tenant_id="t", name="used"))
    return store


def _batch(*clashing: Connector) -> list[Connector]:
    fresh = [FileConnector(connector_id=f"new{i}", tenant_id="t", name=f"n{i}") for i in range(2)]
    return [*fresh, *clashing]


def test_a_stored_connector_id_refuses_the_whole_batch_naming_the_item(stored: Store) -> None:
    before = stored.connectors.list()

    with pytest.raises(ConnectorAlreadyExistsError, match=r"connectors\[2\].*'taken'") as raised:
        stored.connectors.register_many(_batch(FileConnector("taken", "other", "other")))

    assert raised.value.connector_id == "taken"
    assert_identical(stored.connectors.list(), before)


def test_a_stored_name_refuses_the_whole_batch_naming_the_item(stored: Store) -> None:
    before = stored.connectors.list()

    with pytest.raises(DuplicateConnectorNameError, match=r"connectors\[2\].*'clash'.*'used'"):
        stored.connectors.register_many(_batch(FileConnector("clash", "t", "used")))

    assert_identical(stored.connectors.list(), before)


def test_an_id_repeated_in_the_batch_refuses_it(store: Store) -> None:
    batch = _batch(FileConnector("new0", "elsewhere", "x"))

    with pytest.raises(ConnectorAlreadyExistsError, match=r"connectors\[2\].*'new0'"):
        store.connectors.register_many(batch)

    assert _connector_ids(store) == []


def test_a_name_repeated_in_the_batch_refuses_it(store: Store) -> None:
    batch = _batch(FileConnector("other", "t", "n1"))

    with pytest.raises(DuplicateConnectorNameError, match=r"connectors\[2\].*'other'.*'n1'"):
        store.connectors.register_many(batch)

    assert _connector_ids(store) == []


def test_the_same_name_in_two_tenants_is_no_conflict(store: Store) -> None:
    store.connectors.register_many([FileConnector("a", "t1", "n"), FileConnector("b", "t2", "n")])

    assert _connector_ids(store) == ["a", "b"]


def test_a_stored_response_id_refuses_the_whole_batch(open_same_store: StoreFactory) -> None:
    given = iter([UUID(int=1), UUID(int=0), UUID(int=1), UUID(int=2)])
    store = open_same_store(id_factory=lambda: next(given))
    store.external_responses.record_raw_response("s", {}, "o")  # takes UUID(int=1)

    with pytest.raises(ResponseAlreadyExistsError, match=r"items\[1\].*-0{11}1 already"):
        store.external_responses.record_raw_responses(_items())  # draws 0, 1 (taken), 2

    assert store.external_responses.get_pending_interpretations("o1") == []
    assert store.external_responses.get_raw_for_interpretation(UUID(int=0), "o1") is None


def test_a_response_id_repeated_in_the_batch_refuses_it(open_same_store: StoreFactory) -> None:
    repeating = open_same_store(id_factory=lambda: UUID(int=5))

    with pytest.raises(ResponseAlreadyExistsError, match=r"items\[1\].*repeated"):
        repeating.external_responses.record_raw_responses(_items())

    assert repeating.external_responses.get_raw_for_interpretation(UUID(int=5), "o1") is None


@pytest.mark.requires("transactions")
def test_a_refused_batch_leaves_the_unit_of_work_usable(stored: Store) -> None:
    with stored.transaction() as tx:
        tx.connectors.register(FileConnector("before", "t", "before"))
        with pytest.raises(DuplicateConnectorNameError):
            tx.connectors.register_many(_batch(FileConnector("clash", "t", "used")))
        tx.connectors.register_many(_batch())

    assert _connector_ids(stored) == ["before", "new0", "new1", "taken"]


@pytest.mark.requires("transactions")
def test_a_batch_is_rolled_back_with_its_unit_of_work(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.connectors.register_many(_batch())
        tx.external_responses.record_raw_responses(_items())
        raise RuntimeError("abort")

    assert _connector_ids(store) == []
    assert store.external_responses.get_pending_interpretations("o1") == []


# ---- validation names the item; nothing drawn, nothing written ---------------------------


def _nan_credentials(connector_id: str) -> FileConnector:
    return FileConnector(
        connector_id, "t", connector_id, config=ConnectorConfig(credentials={"k": float("nan")})
    )


@pytest.mark.parametrize(
    ("batch", "field"),
    [
        ([FileConnector("a", "t", "a"), FileConnector("b", "t", "")], "connectors[1].name"),
        ([FileConnector("a", "t", "a"), {"connector_id": "b"}], "connectors[1]"),
        ([FileConnector("a", "t", "a", metadata={"x": float("nan")})], "connectors[0].metadata"),
        ([FileConnector("a", "t", "a", connection_count=-1)], "connectors[0].connection_count"),
        (
            [FileConnector("a", "t", "a"), _nan_credentials("b")],
            "connectors[1].config.credentials['k']",
        ),
        ("not a batch", "connectors"),
        (None, "connectors"),
    ],
)
def test_a_bad_connector_is_named_and_nothing_is_drawn_or_stored(
    store: Store, clock: FixedClock, batch: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        store.connectors.register_many(batch)

    assert raised.value.field.startswith(field)
    assert clock.readings == 0
    assert _connector_ids(store) == []


def _spoiled(index: int, **changes: Any) -> list[Any]:
    items: list[Any] = _items()
    items[index] = {**items[index], **changes}
    return items


@pytest.mark.parametrize(
    ("batch", "field"),
    [
        (_spoiled(2, raw_response=[1]), "items[2].raw_response"),
        (_spoiled(1, source=""), "items[1].source"),
        (_spoiled(0, run_id="a\x00"), "items[0].run_id"),
        (_spoiled(1, unknown=1), "items[1].unknown"),
        ([*_items()[:2], {"source": "s", "raw_response": {}}], "items[2].interpretation_owner"),
        ([*_items(), "not a mapping"], "items[3]"),
        ({"source": "s"}, "items"),
    ],
)
def test_a_bad_response_item_is_named_and_nothing_is_drawn_or_stored(
    store: Store, clock: FixedClock, ids: SequentialIds, batch: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        store.external_responses.record_raw_responses(batch)

    assert raised.value.field == field
    assert (clock.readings, ids.drawn) == (0, 0)
    assert store.external_responses.get_pending_interpretations("o1") == []


def test_a_batch_over_the_maximum_is_refused(store: Store, ids: SequentialIds) -> None:
    item = {"source": "s", "raw_response": {}, "interpretation_owner": "o"}

    with pytest.raises(ValidationError) as raised:
        store.external_responses.record_raw_responses([item] * (MAX_BATCH + 1))

    assert raised.value.field == "items" and ids.drawn == 0

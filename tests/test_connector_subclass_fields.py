"""A user's ``Connector`` subclass validates and stores its own fields by their declared kinds."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Any, ClassVar
from uuid import UUID

import attrs
import pytest

from integration_store import Connector, Store, ValidationError, open_store
from integration_store.model import schema
from integration_store.model.connectors import (
    ConnectorCapability,
    ConnectorConfig,
    ConnectorStatus,
    FileConnector,
    ServerlessConnector,
    UnknownKindConnector,
    VectorConnector,
)
from integration_store.model.fields import declare
from integration_store.model.schema import FieldKind
from integration_store.records import connector_to_record, general_connector_record

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


class Tier(str, Enum):
    GOLD = "gold"
    SILVER = "silver"


@attrs.frozen
class GaugeConnector(Connector):
    kind: ClassVar[str] = "test-gauge"

    threshold: float = 0.5
    enabled: bool = True
    shards: int = 1
    label: str = "gauge"
    settings: dict[str, Any] = attrs.field(factory=dict)
    tags: list[str] = attrs.field(factory=list)
    calibrated_at: datetime | None = None
    batch: UUID | None = None
    tier: Tier = Tier.SILVER
    region: str = attrs.field(default="eu", metadata=declare(FieldKind.IDENTIFIER))


@attrs.frozen
class BytesConnector(Connector):
    kind: ClassVar[str] = "test-bytes"

    blob: bytes = b""


@attrs.frozen
class NamelessKindConnector(Connector):
    weight: float = 1.0


def _open(url: str) -> Store:
    ids = (UUID(int=n) for n in itertools.count(1))
    return open_store(url, clock=lambda: NOW, id_factory=lambda: next(ids))


@pytest.fixture
def store() -> Iterator[Store]:
    with _open("memory://") as store:
        yield store


def _gauge(**fields: Any) -> GaugeConnector:
    return GaugeConnector(connector_id="g-1", tenant_id="t", name="G", **fields)


def test_subclass_fields_of_every_kind_round_trip_with_their_types(store: Store) -> None:
    calibrated = datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    gauge = _gauge(
        threshold=-0.0,
        enabled=False,
        shards=2**40,
        label="\u00e9t\u00e9",
        settings={"a": [1, 1.0, None], "b": {"c": True}},
        tags=["x", "y"],
        calibrated_at=calibrated,
        batch=UUID(int=7),
        tier=Tier.GOLD,
    )

    registered = store.connectors.register(gauge)
    fetched = store.connectors.get("g-1")

    assert type(fetched) is GaugeConnector
    assert fetched == registered == attrs.evolve(gauge, created_at=NOW, updated_at=NOW, revision=1)
    assert repr(fetched.threshold) == "-0.0"
    assert fetched.settings["a"] == [1, 1.0, None]
    assert [type(item) for item in fetched.settings["a"]] == [int, float, type(None)]
    assert fetched.calibrated_at == calibrated
    assert fetched.batch == UUID(int=7)
    assert fetched.tier is Tier.GOLD


@pytest.mark.parametrize("url", ["sqlite://", "mongomock://"])
def test_subclass_fields_read_back_the_same_from_embedded_stores(url: str) -> None:
    gauge = _gauge(
        threshold=1e308,
        settings={"$x": {"a.b": 2**62}},
        calibrated_at=datetime(2024, 1, 2, tzinfo=UTC),
        batch=UUID(int=9),
        tier=Tier.GOLD,
    )
    with _open("memory://") as memory, _open(url) as other:
        other.create_schema()
        expected = memory.connectors.register(gauge)

        registered = other.connectors.register(gauge)

        assert registered == expected
        assert other.connectors.get("g-1") == expected


def test_an_int_given_to_a_float_field_is_stored_as_a_float(store: Store) -> None:
    registered = store.connectors.register(_gauge(threshold=3))

    assert type(registered.threshold) is float
    assert store.connectors.get("g-1") == registered


def test_a_timestamp_field_is_normalised_to_utc_milliseconds(store: Store) -> None:
    local = datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))

    registered = store.connectors.register(_gauge(calibrated_at=local))

    assert registered.calibrated_at == datetime(2024, 1, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert registered.calibrated_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("threshold", "0.5"),
        ("threshold", True),
        ("threshold", float("nan")),
        ("threshold", float("inf")),
        ("enabled", 1),
        ("shards", 1.0),
        ("shards", 2**63),
        ("label", 3),
        ("label", "a\x00b"),
        ("settings", [1]),
        ("settings", {"k": float("nan")}),
        ("tags", {"a": 1}),
        ("calibrated_at", datetime(2024, 1, 1)),
        ("calibrated_at", "2024-01-01"),
        ("batch", "00000000-0000-0000-0000-000000000001"),
        ("tier", "bronze"),
        ("region", ""),
        ("region", None),
    ],
)
def test_a_bad_subclass_field_is_refused_naming_it_and_nothing_is_written(
    store: Store, field: str, bad: object
) -> None:
    with pytest.raises(ValidationError) as raised:
        store.connectors.register(_gauge(**{field: bad}))

    assert raised.value.field.startswith(field)
    assert store.connectors.get("g-1") is None
    assert store.connectors.list() == []


def test_optional_fields_accept_none(store: Store) -> None:
    registered = store.connectors.register(_gauge(calibrated_at=None, batch=None))

    assert registered.calibrated_at is None
    assert registered.batch is None


def test_a_field_of_an_unsupported_type_is_refused_naming_it(store: Store) -> None:
    connector = BytesConnector(connector_id="b-1", tenant_id="t", name="B", blob=b"x")

    with pytest.raises(ValidationError, match=r"BytesConnector\.blob"):
        store.connectors.register(connector)

    assert store.connectors.list() == []


def test_a_subclass_without_its_own_kind_is_refused(store: Store) -> None:
    connector = NamelessKindConnector(connector_id="n-1", tenant_id="t", name="N")

    with pytest.raises(ValidationError, match="NamelessKindConnector must declare its own `kind"):
        store.connectors.register(connector)

    assert store.connectors.list() == []


def test_a_kind_taken_by_another_class_is_refused_at_definition() -> None:
    with pytest.raises(TypeError, match="'vector' is taken by VectorConnector"):

        @attrs.frozen
        class MyVectorConnector(Connector):
            kind: ClassVar[str] = "vector"


def test_creating_without_an_id_draws_one_id_per_connector(store: Store) -> None:
    first = store.connectors.create_vector_connector("t", "V")
    second = store.connectors.create_file_connector("t", "F")
    third = store.connectors.create_serverless_connector("t", "S")

    assert [first.connector_id, second.connector_id, third.connector_id] == [
        str(UUID(int=1)),
        str(UUID(int=2)),
        str(UUID(int=3)),
    ]


def test_a_rejected_create_draws_no_id(store: Store) -> None:
    with pytest.raises(ValidationError, match="vector_dimension"):
        store.connectors.create_vector_connector("t", "V", vector_dimension="big")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="tenant_id"):
        store.connectors.create_file_connector("", "F")

    created = store.connectors.create_serverless_connector("t", "S")

    assert created.connector_id == str(UUID(int=1))
    assert [connector.name for connector in store.connectors.list()] == ["S"]


def test_a_create_with_an_id_draws_none(store: Store) -> None:
    store.connectors.create_vector_connector("t", "V", connector_id="given")

    created = store.connectors.create_file_connector("t", "F")

    assert created.connector_id == str(UUID(int=1))


@attrs.frozen
class _TracedConfig(ConnectorConfig):
    trace: bool = True


def test_a_config_subclass_is_checked_and_stored_as_a_connector_config() -> None:
    with open_store("memory://") as store:
        registered = store.connectors.register(
            Connector(connector_id="c", tenant_id="t", name="n", config=_TracedConfig("x"))
        )
        with pytest.raises(ValidationError) as raised:
            store.connectors.register(
                Connector(connector_id="d", tenant_id="t", name="m", config=_TracedConfig(7))  # type: ignore[arg-type]
            )

    assert type(registered.config) is ConnectorConfig and registered.config.endpoint == "x"
    assert raised.value.field == "config.endpoint"


_WRITER_CASES = [
    GaugeConnector(connector_id="g", tenant_id="t", name="n"),
    GaugeConnector(
        connector_id="g", tenant_id="t", name="n", status=ConnectorStatus.CONNECTED,
        capabilities=(ConnectorCapability.READ,), last_connected=NOW, last_error="boom",
        connection_count=3, metadata={"a": [1]}, created_at=NOW, updated_at=NOW, revision=2,
        threshold=2.5, settings={"k": {"v": None}}, tags=["x"], calibrated_at=NOW,
        batch=UUID(int=7), tier=Tier.GOLD,
    ),
    VectorConnector(connector_id="v", tenant_id="t", name="n", vector_dimension=3),
    FileConnector(connector_id="f", tenant_id="t", name="n"),
    ServerlessConnector(connector_id="s", tenant_id="t", name="n"),
    UnknownKindConnector(
        connector_id="u", tenant_id="t", name="n", stored_kind="gone", stored_fields={"f": 1}
    ),
]  # fmt: skip


@pytest.mark.parametrize("connector", _WRITER_CASES, ids=lambda c: type(c).__name__)
def test_a_connectors_written_out_record_is_the_converters_record(connector: Connector) -> None:
    written = connector_to_record(connector)
    general = general_connector_record(connector)

    assert list(written) == list(general) == list(schema.CONNECTOR.names)
    assert repr(written) == repr(general)  # the same values, of the same types

"""Values every backend must keep exactly; bad input refused with nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from integration_store import (
    Connector,
    ConnectorConfig,
    ConnectorStatus,
    FileConnector,
    ValidationError,
    VectorConnector,
)
from integration_store.contract.samples import (
    INVALID_IDENTIFIERS,
    INVALID_JSON,
    TRICKY_IDENTIFIERS,
    TRICKY_JSON,
    any_config,
    any_connector,
)
from integration_store.store import Store
from integration_store.testing import FixedClock, SequentialIds, assert_identical


def test_tricky_json_round_trips_in_connector_metadata_options_and_credentials(
    store: Store,
) -> None:
    config = ConnectorConfig(credentials=TRICKY_JSON, options=TRICKY_JSON)
    store.connectors.register(
        Connector(connector_id="c", tenant_id="t", name="n", metadata=TRICKY_JSON, config=config)
    )

    fetched = store.connectors.get("c")

    assert fetched is not None
    assert_identical(fetched.metadata, TRICKY_JSON)
    assert_identical(fetched.config.options, TRICKY_JSON)
    assert_identical(fetched.config.credentials, TRICKY_JSON)
    assert_identical(store.connectors.list()[0].metadata, TRICKY_JSON)


def test_tricky_json_round_trips_in_raw_and_interpreted_values(store: Store) -> None:
    recorded = store.external_responses.record_raw_response("s", TRICKY_JSON, "o")
    store.external_responses.interpret(recorded.id, TRICKY_JSON, "l4")

    raw = store.external_responses.get_raw_for_interpretation(recorded.id, "o")
    interpreted = store.external_responses.get_interpreted(recorded.id)

    assert raw is not None and interpreted is not None
    assert_identical(raw.raw_response, TRICKY_JSON)
    assert_identical(raw.interpreted_value, TRICKY_JSON)
    assert_identical(interpreted.interpreted_value, TRICKY_JSON)


def test_tricky_json_round_trips_in_pending_queue(store: Store) -> None:
    store.external_responses.record_raw_response("s", TRICKY_JSON, "o")

    (pending,) = store.external_responses.get_pending_interpretations("o")

    assert_identical(pending.raw_response, TRICKY_JSON)


def test_tricky_json_round_trips_in_worker_schemas_and_tenant_config(store: Store) -> None:
    store.workers.register_worker(
        "w", "W", default_config=TRICKY_JSON, input_schema=TRICKY_JSON, output_schema=TRICKY_JSON
    )
    store.workers.set_tenant_worker_config("t", "w", config=TRICKY_JSON, brand=TRICKY_JSON)

    worker = store.workers.get_worker("w")
    config = store.workers.get_tenant_worker_config("t", "w")

    assert worker is not None and config is not None
    for value in (worker.default_config, worker.input_schema, worker.output_schema):
        assert_identical(value, TRICKY_JSON)
    assert_identical(config.config, TRICKY_JSON)
    assert_identical(config.brand, TRICKY_JSON)
    assert_identical(store.workers.get_effective_worker_config("t", "w")["config"], TRICKY_JSON)


def test_tuples_in_json_are_stored_as_lists(store: Store) -> None:
    stored = store.connectors.register(
        Connector(connector_id="c", tenant_id="t", name="n", metadata={"t": (1, (2.0, "x"))})
    )

    assert_identical(stored.metadata, {"t": [1, [2.0, "x"]]})
    fetched = store.connectors.get("c")
    assert fetched is not None
    assert_identical(fetched.metadata, {"t": [1, [2.0, "x"]]})


@pytest.mark.parametrize("identifier", TRICKY_IDENTIFIERS)
def test_identifiers_round_trip_exactly(store: Store, identifier: str) -> None:
    store.connectors.register(
        Connector(connector_id=identifier, tenant_id=identifier, name=identifier)
    )
    store.workers.register_worker(identifier, identifier, moats=[identifier])
    recorded = store.external_responses.record_raw_response(
        identifier, {}, identifier, identifier, identifier, identifier
    )

    connector = store.connectors.get_by_name(identifier, identifier)
    worker = store.workers.get_worker(identifier)
    response = store.external_responses.get_raw_for_interpretation(recorded.id, identifier)

    assert connector is not None and connector.connector_id == identifier
    assert worker is not None and worker.moats == (identifier,)
    assert response is not None
    assert (response.source, response.request_id, response.run_id) == (identifier,) * 3
    assert response.interpretation_contract == identifier


def test_long_text_fields_have_no_length_cap(store: Store) -> None:
    long_text = "é" * 70_000

    store.connectors.register(
        Connector(
            connector_id="c",
            tenant_id="t",
            name="n",
            last_error=long_text,
            config=ConnectorConfig(endpoint=long_text),
        )
    )
    store.workers.register_worker("w", "W", description=long_text, version=long_text)

    connector = store.connectors.get("c")
    worker = store.workers.get_worker("w")
    assert connector is not None and connector.last_error == long_text
    assert connector.config.endpoint == long_text
    assert worker is not None and worker.description == long_text


def test_integer_fields_keep_64_bit_bounds(store: Store) -> None:
    store.connectors.register(
        VectorConnector(
            connector_id="c",
            tenant_id="t",
            name="n",
            vector_dimension=2**63 - 1,
            connection_count=2**62,
            config=ConnectorConfig(timeout_seconds=2**63 - 1),
        )
    )
    store.workers.register_worker(
        "w", "W", tokens_per_run_estimate=-(2**63), cost_per_run_cents=2**63 - 1
    )

    connector = store.connectors.get("c")
    worker = store.workers.get_worker("w")
    assert isinstance(connector, VectorConnector)
    assert connector.vector_dimension == 2**63 - 1 and connector.connection_count == 2**62
    assert connector.config.timeout_seconds == 2**63 - 1
    assert worker is not None
    assert (worker.tokens_per_run_estimate, worker.cost_per_run_cents) == (-(2**63), 2**63 - 1)


def test_clock_readings_in_other_zones_are_stored_as_utc(store: Store, clock: FixedClock) -> None:
    clock.set(datetime(2026, 3, 29, 2, 30, 0, 500500, tzinfo=timezone(timedelta(hours=-5))))

    stored = store.connectors.create_vector_connector("t", "v")

    assert stored.created_at == datetime(2026, 3, 29, 7, 30, 0, 500000, tzinfo=UTC)
    assert stored.created_at is not None and stored.created_at.tzinfo is UTC


Write = Callable[[Store, Any], object]

JSON_WRITES: dict[str, Write] = {
    "metadata": lambda s, v: s.connectors.register(
        Connector(connector_id="c", tenant_id="t", name="n", metadata={"k": v})
    ),
    "config.options": lambda s, v: s.connectors.create_file_connector(
        "t", "n", config=ConnectorConfig(options={"k": v})
    ),
    "config.credentials": lambda s, v: s.connectors.create_vector_connector(
        "t", "n", config=ConnectorConfig(credentials={"k": v})
    ),
    "raw_response": lambda s, v: s.external_responses.record_raw_response("s", {"k": v}, "o"),
    "default_config": lambda s, v: s.workers.register_worker("w", "W", default_config={"k": v}),
    "input_schema": lambda s, v: s.workers.register_worker("w", "W", input_schema={"k": v}),
    "output_schema": lambda s, v: s.workers.register_worker("w", "W", output_schema={"k": v}),
}


def _nothing_written(store: Store) -> None:
    assert store.connectors.list() == []
    assert store.external_responses.get_pending_interpretations("o") == []
    assert store.workers.list_workers(public_only=False) == []


@pytest.mark.parametrize("write", sorted(JSON_WRITES))
@pytest.mark.parametrize(("label", "bad"), INVALID_JSON, ids=[label for label, _ in INVALID_JSON])
def test_invalid_json_is_refused_naming_the_path_and_nothing_is_written(
    store: Store, clock: FixedClock, ids: SequentialIds, write: str, label: str, bad: Any
) -> None:
    with pytest.raises(ValidationError) as raised:
        JSON_WRITES[write](store, bad)

    assert raised.value.field.startswith(f"{write}['k']")
    assert clock.readings == 0 and ids.drawn == 0
    _nothing_written(store)


def test_invalid_json_deep_inside_names_the_whole_path(store: Store) -> None:
    with pytest.raises(ValidationError) as raised:
        store.external_responses.record_raw_response("s", {"a": [{"b": float("nan")}]}, "o")

    assert raised.value.field == "raw_response['a'][0]['b']"


def test_invalid_interpretation_leaves_the_response_uninterpreted(store: Store) -> None:
    recorded = store.external_responses.record_raw_response("s", {}, "o")

    with pytest.raises(ValidationError):
        store.external_responses.interpret(recorded.id, {"x": {1, 2}}, "l4")

    assert store.external_responses.get_interpreted(recorded.id) is None
    assert len(store.external_responses.get_pending_interpretations("o")) == 1


def test_invalid_tenant_config_leaves_the_stored_one(store: Store) -> None:
    store.workers.register_worker("w", "W")
    before = store.workers.set_tenant_worker_config("t", "w", config={"a": 1})

    with pytest.raises(ValidationError) as raised:
        store.workers.set_tenant_worker_config("t", "w", enabled=False, brand={"b": 2**64})

    assert raised.value.field == "brand['b']"
    assert_identical(store.workers.get_tenant_worker_config("t", "w"), before)


IDENTIFIER_WRITES: dict[str, Write] = {
    "connector_id": lambda s, v: s.connectors.register(
        Connector(connector_id=v, tenant_id="t", name="n")
    ),
    "tenant_id": lambda s, v: s.connectors.create_vector_connector(v, "n"),
    "name": lambda s, v: s.connectors.create_file_connector("t", v),
    "source": lambda s, v: s.external_responses.record_raw_response(v, {}, "o"),
    "interpretation_owner": lambda s, v: s.external_responses.record_raw_response("s", {}, v),
    "request_id": lambda s, v: s.external_responses.record_raw_response("s", {}, "o", request_id=v),
    "worker_id": lambda s, v: s.workers.register_worker(v, "W"),
    "moats[0]": lambda s, v: s.workers.register_worker("w", "W", moats=[v]),
}


@pytest.mark.parametrize("write", sorted(IDENTIFIER_WRITES))
@pytest.mark.parametrize(
    ("label", "bad"), INVALID_IDENTIFIERS, ids=[label for label, _ in INVALID_IDENTIFIERS]
)
def test_invalid_identifiers_are_refused_and_nothing_is_written(
    store: Store, clock: FixedClock, ids: SequentialIds, write: str, label: str, bad: Any
) -> None:
    with pytest.raises(ValidationError) as raised:
        IDENTIFIER_WRITES[write](store, bad)

    assert raised.value.field == write
    assert clock.readings == 0 and ids.drawn == 0
    _nothing_written(store)


@pytest.mark.parametrize(
    ("connector", "field"),
    [
        (any_connector(status="bogus"), "status"),
        (any_connector(connector_type="x"), "connector_type"),
        (any_connector(capabilities=("fly",)), "capabilities[0]"),
        (any_connector(connection_count=1.0), "connection_count"),
        (any_connector(error_count=-1), "error_count"),
        (any_connector(connection_count=2**62 + 1), "connection_count"),
        (any_connector(last_error="a\x00"), "last_error"),
        (any_connector(last_connected=datetime(2020, 1, 1)), "last_connected"),
        (any_connector(config=ConnectorConfig(timeout_seconds=True)), "config.timeout_seconds"),
        (any_connector(config=any_config(rate_limit_enabled=1)), "config.rate_limit_enabled"),
        (any_connector(config={"endpoint": "x"}), "config"),
        (any_connector(metadata=[1]), "metadata"),
        (any_connector(VectorConnector, vector_dimension="3"), "vector_dimension"),
        (any_connector(FileConnector, base_path=None), "base_path"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_invalid_connector_fields_are_refused_naming_the_field(
    store: Store, connector: Connector, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        store.connectors.register(connector)

    assert raised.value.field == field
    _nothing_written(store)


def test_enum_values_given_as_strings_are_stored_as_members(store: Store) -> None:
    stored = store.connectors.register(
        Connector(connector_id="c", tenant_id="t", name="n", status="ready")  # type: ignore[arg-type]
    )

    assert stored.status is ConnectorStatus.READY
    assert store.connectors.list(status=ConnectorStatus.READY)[0].connector_id == "c"


def test_reads_and_rejected_writes_draw_no_time_or_ids(
    store: Store, clock: FixedClock, ids: SequentialIds
) -> None:
    store.connectors.list()
    store.connectors.get("x")
    store.connectors.get_statistics()
    store.workers.list_workers()
    store.external_responses.get_pending_interpretations("o")
    with pytest.raises(ValidationError):
        store.connectors.create_vector_connector("", "n")

    assert clock.readings == 0 and ids.drawn == 0


def _nested(levels: int) -> dict[str, Any]:
    """Dicts and lists alternating, ``levels`` containers deep."""
    value: Any = None
    for level in reversed(range(levels)):
        value = [value] if level % 2 else {"k": value}
    result: dict[str, Any] = value
    return result


def test_json_nested_100_levels_round_trips(store: Store) -> None:
    deep = _nested(100)

    recorded = store.external_responses.record_raw_response("s", deep, "o")

    fetched = store.external_responses.get_raw_for_interpretation(recorded.id, "o")
    assert fetched is not None
    assert_identical(fetched.raw_response, deep)


def test_json_nested_deeper_than_100_levels_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError) as raised:
        store.external_responses.record_raw_response("s", _nested(101), "o")

    assert raised.value.field.startswith("raw_response['k']")
    _nothing_written(store)


def test_payloads_passed_in_or_returned_are_copies(store: Store) -> None:
    raw: dict[str, Any] = {"list": [1]}
    recorded = store.external_responses.record_raw_response("s", raw, "o")
    raw["list"].append(2)
    recorded.raw_response["list"].append(3)
    interpretation: dict[str, Any] = {"v": {"x": 1}}
    store.external_responses.interpret(recorded.id, interpretation, "l4")
    interpretation["v"]["x"] = 2
    defaults = {"a": [1]}
    store.workers.register_worker("w", "W", default_config=defaults)
    defaults["a"].append(2)
    config = {"b": {"c": 1}}
    stored_config = store.workers.set_tenant_worker_config("t", "w", config=config)
    config["b"]["c"] = 2
    stored_config.config["b"]["c"] = 3
    store.workers.get_effective_worker_config("t", "w")["config"]["b"]["c"] = 4

    fetched = store.external_responses.get_raw_for_interpretation(recorded.id, "o")
    worker = store.workers.get_worker("w")
    tenant_config = store.workers.get_tenant_worker_config("t", "w")

    assert fetched is not None and fetched.raw_response == {"list": [1]}
    assert fetched.interpreted_value == {"v": {"x": 1}}
    assert worker is not None and worker.default_config == {"a": [1]}
    assert tenant_config is not None and tenant_config.config == {"b": {"c": 1}}

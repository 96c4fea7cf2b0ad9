"""Bad input is refused the same way on every backend: ``ValidationError`` naming the field, a
message that quotes at most a short prefix of the value, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from integration_store import ConnectorConfig, ValidationError, VectorConnector, values
from integration_store.store import Store

LONG = "x" * 1_000_000
"""Long enough that a message quoting it whole would be noticed."""


def _nested_list(depth: int) -> list[Any]:
    nested: list[Any] = []
    for _ in range(depth):
        nested = [nested]
    return nested


@pytest.mark.parametrize(
    "bad",
    [_nested_list(1_000), _nested_list(100_000), LONG, {"k": LONG}, 2**100_000],
    ids=["nested-1000", "nested-100000", "long-str", "dict-of-long-str", "huge-int"],
)
def test_a_bad_list_filter_is_refused_with_a_short_message(store: Store, bad: object) -> None:
    with pytest.raises(ValidationError) as raised:
        store.connectors.list(status=bad)  # type: ignore[arg-type]

    assert raised.value.field == "status"
    assert len(str(raised.value)) < 400


def test_a_long_bad_value_is_quoted_by_a_short_prefix(store: Store) -> None:
    with pytest.raises(ValidationError) as raised:
        store.connectors.list(connector_type="y" * 50_000)  # type: ignore[arg-type]

    assert "'yyyyyyyyyy" in str(raised.value)
    assert "50,000 characters" in str(raised.value)
    assert len(str(raised.value)) < 400


def test_a_json_payload_nested_too_deep_names_its_field(store: Store) -> None:
    for depth in (values.MAX_JSON_DEPTH + 1, 1_000, 100_000):
        with pytest.raises(ValidationError) as raised:
            store.external_responses.record_raw_response(
                "src", {"deep": _nested_list(depth)}, "owner"
            )

        assert raised.value.field.startswith("raw_response['deep']")
    assert store.external_responses.get_pending_interpretations("owner") == []


def test_a_bad_capability_nested_deep_is_refused_naming_it(store: Store) -> None:
    connector = VectorConnector(
        connector_id="v",
        tenant_id="t",
        name="V",
        capabilities=(_nested_list(5_000),),  # type: ignore[arg-type]
    )

    with pytest.raises(ValidationError) as raised:
        store.connectors.register(connector)

    assert raised.value.field == "capabilities[0]"
    assert store.connectors.list() == []


def test_a_long_bad_key_is_quoted_by_a_short_prefix_in_the_path(store: Store) -> None:
    with pytest.raises(ValidationError) as raised:
        store.external_responses.record_raw_response("src", {LONG: float("nan")}, "owner")

    assert raised.value.field.startswith("raw_response['xxxx")
    assert len(str(raised.value)) < 400


def test_a_refused_credential_never_shows_in_the_message(store: Store) -> None:
    secret = "s3cret-" + "z" * 100
    config = ConnectorConfig(credentials={"api_key": secret, "bad": float("nan")})

    with pytest.raises(ValidationError) as raised:
        store.connectors.register(
            VectorConnector(connector_id="v", tenant_id="t", name="V", config=config)
        )

    assert "s3cret" not in str(raised.value)
    assert store.connectors.list() == []

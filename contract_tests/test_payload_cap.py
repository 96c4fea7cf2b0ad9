"""One payload cap for every backend (``values.MAX_WRITE_BYTES``): a write of text and JSON up
to it is stored exactly everywhere, one byte more is ``ValidationError`` with nothing written.

The payloads are ``"`` characters, the worst case for stores that quote values (JSON escapes
each as two bytes, and MariaDB's quoting doubles that again), at the cap exactly.
"""

from __future__ import annotations

from typing import Any

import pytest

from integration_store import Connector, ValidationError, values
from integration_store.store import Store
from integration_store.testing import SequentialIds

CAP = values.MAX_WRITE_BYTES


def _payload(size: int) -> dict[str, Any]:
    """A JSON object of exactly ``size`` bytes encoded, mostly escaped quotes."""
    room = size - values.encoded_size({"p": ""})
    payload = {"p": '"' * (room // 2) + "x" * (room % 2)}
    assert values.encoded_size(payload) == size
    return payload


def test_a_response_and_its_interpretation_at_the_cap_are_stored_exactly(store: Store) -> None:
    raw = _payload(CAP - len("src") - len("owner"))
    interpretation = _payload(CAP - len("owner"))

    recorded = store.external_responses.record_raw_response("src", raw, "owner")
    store.external_responses.interpret(recorded.id, interpretation, "owner")

    fetched = store.external_responses.get_raw_for_interpretation(recorded.id, "owner")
    assert fetched is not None
    assert fetched.raw_response == raw
    assert fetched.interpreted_value == interpretation


def test_a_response_over_the_cap_is_refused_and_nothing_is_drawn_or_written(
    store: Store, ids: SequentialIds
) -> None:
    raw = _payload(CAP - len("src") - len("owner") + 1)

    with pytest.raises(ValidationError) as raised:
        store.external_responses.record_raw_response("src", raw, "owner")
    with pytest.raises(ValidationError) as raised_in_batch:
        store.external_responses.record_raw_responses(
            [{"source": "src", "raw_response": raw, "interpretation_owner": "owner"}]
        )

    assert raised.value.field == "raw_response"
    assert raised_in_batch.value.field == "items[0].raw_response"
    assert ids.drawn == 0
    assert store.external_responses.get_pending_interpretations("owner") == []


def test_an_interpretation_over_the_cap_is_refused_and_the_response_kept(store: Store) -> None:
    recorded = store.external_responses.record_raw_response("src", {"a": 1}, "owner")

    with pytest.raises(ValidationError) as raised:
        store.external_responses.interpret(recorded.id, _payload(CAP - len("o") + 1), "o")

    assert raised.value.field == "interpreted_value"
    assert store.external_responses.get_interpreted(recorded.id) is None


def test_a_connector_and_its_last_error_near_the_cap_are_stored_exactly(store: Store) -> None:
    metadata = _payload(CAP - 1024)
    error = "'" * CAP

    store.connectors.register(
        Connector(connector_id="c", tenant_id="t", name="n", metadata=metadata)
    )
    store.connectors.record_error("c", error)

    fetched = store.connectors.get("c")
    assert fetched is not None
    assert fetched.metadata == metadata
    assert fetched.last_error == error


def test_a_connector_or_error_over_the_cap_is_refused(store: Store) -> None:
    big = Connector(connector_id="c", tenant_id="t", name="n", metadata=_payload(CAP + 1))
    store.connectors.register(Connector(connector_id="d", tenant_id="t", name="d"))

    with pytest.raises(ValidationError) as raised:
        store.connectors.register(big)
    with pytest.raises(ValidationError) as raised_error:
        store.connectors.record_error("d", "e" * (CAP + 1))

    assert raised.value.field == "metadata"
    assert raised_error.value.field == "error"
    assert store.connectors.get("c") is None
    fetched = store.connectors.get("d")
    assert fetched is not None and fetched.last_error is None


def test_a_tenant_config_and_brand_at_the_cap_are_stored_exactly(store: Store) -> None:
    store.workers.register_worker("w", "W")
    config, brand = _payload(CAP), _payload(CAP)

    store.workers.set_tenant_worker_config("t", "w", config=config)
    store.workers.set_tenant_worker_config("t", "w", brand=brand)

    stored = store.workers.get_tenant_worker_config("t", "w")
    assert stored is not None
    assert (stored.config, stored.brand) == (config, brand)


def test_a_worker_over_the_cap_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError) as raised:
        store.workers.register_worker("w", "W", default_config=_payload(CAP + 1))
    store.workers.register_worker("v", "V")
    with pytest.raises(ValidationError) as raised_config:
        store.workers.set_tenant_worker_config("t", "v", config=_payload(CAP + 1))

    assert raised.value.field == "default_config"
    assert raised_config.value.field == "config"
    assert store.workers.get_worker("w") is None
    assert store.workers.get_tenant_worker_config("t", "v") is None

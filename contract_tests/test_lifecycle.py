"""Opening, schema creation and closing behave alike on every backend."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import pytest

from integration_store import Connector, StoreClosedError
from integration_store.store import Store
from integration_store.targets import StoreFactory

CALLS: dict[str, Callable[[Store], object]] = {
    "connectors.get": lambda s: s.connectors.get("c"),
    "connectors.register": lambda s: s.connectors.register(
        Connector(connector_id="x", tenant_id="t", name="x")
    ),
    "external_responses.get_interpreted": lambda s: s.external_responses.get_interpreted(
        UUID(int=1)
    ),
    "workers.list_workers": lambda s: s.workers.list_workers(),
    "transaction": lambda s: s.transaction().__enter__(),
    "create_schema": lambda s: s.create_schema(),
}


def test_create_schema_again_keeps_the_data(store: Store) -> None:
    store.connectors.register(Connector(connector_id="c", tenant_id="t", name="n"))

    store.create_schema()
    store.create_schema()

    assert store.connectors.get("c") is not None


@pytest.mark.parametrize("call", sorted(CALLS))
def test_every_call_on_a_closed_store_raises_store_closed(
    open_same_store: StoreFactory, call: str
) -> None:
    closing = open_same_store()
    closing.close()
    closing.close()  # idempotent

    with pytest.raises(StoreClosedError):
        CALLS[call](closing)


def test_the_store_is_a_context_manager_that_closes(open_same_store: StoreFactory) -> None:
    with open_same_store() as inside:
        inside.workers.list_workers()

    with pytest.raises(StoreClosedError):
        inside.workers.list_workers()

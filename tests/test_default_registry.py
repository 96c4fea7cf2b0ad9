"""Upstream's module-level helpers over one process-wide store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integration_store import (
    Connector,
    _reset_registry,
    get_connector,
    get_connector_registry,
    list_connectors,
    register_connector,
)


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("INTEGRATION_STORE_URL", "memory://")
    _reset_registry()
    yield
    _reset_registry()


def test_helpers_share_one_registry() -> None:
    register_connector(Connector(connector_id="c", tenant_id="t", name="n"))

    assert get_connector_registry() is get_connector_registry()
    found = get_connector("c")
    assert found is not None and found.name == "n"
    assert [c.connector_id for c in list_connectors(tenant_id="t")] == ["c"]


def test_reset_forgets_the_store() -> None:
    register_connector(Connector(connector_id="c", tenant_id="t", name="n"))

    _reset_registry()

    assert get_connector("c") is None

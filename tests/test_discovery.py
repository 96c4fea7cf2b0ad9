"""Opening stores by URL: scheme lookup, errors, privacy of memory stores."""

from __future__ import annotations

import pytest

from integration_store import Connector, IntegrationStoreError, open_store
from integration_store.discovery import installed_schemes, url_scheme


def test_unknown_scheme_error_lists_installed_schemes() -> None:
    with pytest.raises(IntegrationStoreError) as raised:
        open_store("nosuchdb://host/db")

    message = str(raised.value)
    assert "'nosuchdb'" in message
    for scheme in installed_schemes():
        assert scheme in message
    assert "memory" in installed_schemes()


@pytest.mark.parametrize("url", ["", "memory", "/tmp/x.db", 42])
def test_a_url_without_scheme_is_refused(url: object) -> None:
    with pytest.raises(IntegrationStoreError):
        url_scheme(url)  # type: ignore[arg-type]


def test_scheme_with_driver_suffix_is_parsed() -> None:
    assert url_scheme("postgresql+psycopg://u@h/db") == "postgresql+psycopg"


def test_memory_url_takes_no_path() -> None:
    with pytest.raises(IntegrationStoreError):
        open_store("memory://somewhere")


def test_each_memory_store_is_private() -> None:
    with open_store("memory://") as first, open_store("memory://") as second:
        first.connectors.register(Connector(connector_id="c", tenant_id="t", name="n"))

        assert second.connectors.get("c") is None
        assert first.connectors.get("c") is not None

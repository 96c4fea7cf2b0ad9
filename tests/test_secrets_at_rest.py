"""Encrypted credentials as each database really holds them: the row's config column, the
MongoDB document, and what pymongo's command log records — no plaintext secret anywhere."""

from __future__ import annotations

import logging
import os
import traceback

import pytest

from integration_store import (
    Connector,
    ConnectorAlreadyExistsError,
    ConnectorConfig,
    IntegrationStoreError,
    open_store,
)
from integration_store.secrets import generate_key
from integration_store.store import Store

SECRET = "sk-live-plaintext-4711"


def _connector(connector_id: str) -> Connector:
    config = ConnectorConfig(credentials={"api_key": SECRET})
    return Connector(connector_id=connector_id, tenant_id="t", name=connector_id, config=config)


def _register(store: Store) -> None:
    """Connector "c" by ``register``, "d" and "e" by ``register_many`` (PostgreSQL: its COPY)."""
    store.create_schema()
    store.connectors.register(_connector("c"))
    store.connectors.register_many([_connector("d"), _connector("e")])
    for connector_id in "cde":
        connector = store.connectors.get(connector_id)
        assert connector is not None and connector.config.credentials == {"api_key": SECRET}


def test_a_sql_row_holds_no_plaintext_secret(any_url: str) -> None:
    sa = pytest.importorskip("sqlalchemy")
    with open_store(any_url, secret_key=generate_key()) as store:
        _register(store)
        with store.backend.engine.connect() as connection:  # type: ignore[attr-defined]
            rows = connection.execute(sa.text("SELECT config FROM integration_connectors")).all()

    assert len(rows) == 3
    assert all(SECRET not in row[0] and "api_key" not in row[0] for row in rows)


def _mongo_urls() -> list[str]:
    named = os.environ.get("INTEGRATION_STORE_TEST_URLS", "").split(",")
    return ["mongomock://", *[url.strip() for url in named if url.strip().startswith("mongodb")]]


@pytest.mark.parametrize("url", _mongo_urls())
def test_a_mongodb_document_and_the_drivers_command_log_hold_no_plaintext_secret(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    pytest.importorskip("pymongo")
    from integration_store.test_support import isolated_url

    caplog.set_level(logging.DEBUG)  # pymongo.command logs whole commands at DEBUG
    with isolated_url(url) as private, open_store(private, secret_key=generate_key()) as store:
        _register(store)
        documents = list(store.backend._database["connectors"].find({}))  # type: ignore[attr-defined]

    assert len(documents) == 3 and SECRET not in str(documents)
    assert SECRET not in "\n".join(record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("url", _mongo_urls()[1:] or ["no server URL"])
def test_pymongo_command_log_holds_no_stored_value_even_without_a_key(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    if not url.startswith("mongodb"):
        pytest.skip("no mongodb:// URL in INTEGRATION_STORE_TEST_URLS")
    from integration_store.test_support import isolated_url

    caplog.set_level(logging.DEBUG)
    with isolated_url(url) as private, open_store(private) as store:
        _register(store)

    commands = [record for record in caplog.records if record.name == "pymongo.command"]
    assert commands  # the driver did log its commands
    assert SECRET not in "\n".join(record.getMessage() for record in commands)


def test_a_failed_write_never_shows_a_credential_in_its_whole_traceback(any_url: str) -> None:
    """Without a key too: the chained driver errors quote no bound value."""
    with open_store(any_url) as store:
        _register(store)
        again = Connector(
            connector_id="c",
            tenant_id="t",
            name="other",
            config=ConnectorConfig(credentials={"api_key": SECRET}),
        )
        with pytest.raises(ConnectorAlreadyExistsError) as taken:
            store.connectors.register(again)
        with store.backend.engine.begin() as connection:  # type: ignore[attr-defined]
            connection.exec_driver_sql("DROP TABLE integration_connectors")
        with pytest.raises(IntegrationStoreError) as failed:
            store.connectors.register(
                Connector(connector_id="d", tenant_id="t", name="d", config=again.config)
            )

    for raised in (taken.value, failed.value):
        assert raised.__cause__ is not None
        assert SECRET not in "".join(traceback.format_exception(raised))

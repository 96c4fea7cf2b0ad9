"""The library's own log records (``integration_store`` logger): each write at DEBUG and each
backend failure at WARNING, with ids and the operation, never a payload or a credential; and no
logger of the library or SQLAlchemy ever records a credential."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from integration_store import (
    BackendUnavailableError,
    Connector,
    ConnectorConfig,
    ConnectorNotFoundError,
    open_store,
)
from integration_store.store import Store

SECRET = "sk-never-logged-4711"
PAYLOAD_TEXT = "payload-never-logged"


def _work(store: Store) -> None:
    store.create_schema()
    store.connectors.register(
        Connector(
            connector_id="c",
            tenant_id="t",
            name="n",
            config=ConnectorConfig(credentials={"api_key": SECRET}),
        )
    )
    store.connectors.record_error("c", f"upstream said {SECRET}")
    response = store.external_responses.record_raw_response("s", {"text": PAYLOAD_TEXT}, "o")
    store.external_responses.interpret(response.id, {"text": PAYLOAD_TEXT}, "o")
    with pytest.raises(ConnectorNotFoundError):
        store.connectors.record_connection("missing")


@pytest.fixture(params=["memory://", "sqlite-file", "mongomock://"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite-file":
        pytest.importorskip("sqlalchemy")
        return f"sqlite:///{tmp_path}/log.db"
    if request.param == "mongomock://":
        pytest.importorskip("mongomock")
    return str(request.param)


def test_writes_are_logged_at_debug_with_ids_and_nothing_else(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, SQLAlchemy's and the drivers' included
    with open_store(url) as store:
        _work(store)

    ours = [record for record in caplog.records if record.name == "integration_store"]
    messages = [record.getMessage() for record in ours]
    assert "connectors.insert connector_id=c tenant_id=t" in messages
    assert any(message.startswith("connectors.update arg0=c") for message in messages)
    assert any(message.startswith("external_responses.insert id=") for message in messages)
    assert all(record.levelno == logging.DEBUG for record in ours)
    everything = "\n".join(record.getMessage() for record in caplog.records)
    assert SECRET not in everything
    assert PAYLOAD_TEXT not in everything


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_backend_failure_is_logged_at_warning_with_the_operation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pytest.importorskip("psycopg")
    caplog.set_level(logging.DEBUG)
    url = f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:{_closed_port()}/test"
    with open_store(url) as store, pytest.raises(BackendUnavailableError):
        store.connectors.get("c")

    (warning,) = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert warning.name == "integration_store"
    assert warning.getMessage().startswith(
        "connectors.get failed: BackendUnavailableError (from psycopg.OperationalError) arg0=c"
    )
    assert SECRET not in "\n".join(record.getMessage() for record in caplog.records)

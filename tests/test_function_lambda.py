"""Serverless connectors of platform ``aws_lambda``, as far as a moto server on loopback can
show them: ``connect`` and ``list_functions`` through boto3. Invoking is not tested here (moto
runs Lambda code only in Docker); see docs/functions.md."""

from __future__ import annotations

import io
import json
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration_store import ConnectorConfig, open_store
from integration_store.live.functions import FunctionClient
from integration_store.store import Store

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

SECRET = "lambda-secret-key-3317"


@pytest.fixture
def isolated_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials or config of the machine take part: the connector's config says all."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))


@pytest.fixture
def lambda_url(isolated_aws: None) -> Iterator[str]:
    """A moto server on loopback holding two functions, ``resize`` and ``archive``."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    aws: dict[str, Any] = {
        "region_name": "eu-west-1",
        "endpoint_url": url,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": SECRET,
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    role = boto3.client("iam", **aws).create_role(RoleName="r", AssumeRolePolicyDocument=policy)
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    functions = boto3.client("lambda", **aws)
    for name, memory in (("resize", 512), ("archive", 128)):
        functions.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="handler.handler",
            Code={"ZipFile": code.getvalue()},
            MemorySize=memory,
        )
    yield url
    server.stop()


@pytest.fixture
def store() -> Iterator[Store]:
    with open_store("memory://") as store:
        yield store


def _client(store: Store, endpoint: str) -> FunctionClient:
    config = ConnectorConfig(
        endpoint=endpoint,
        timeout_seconds=2,
        max_retries=0,
        credentials={"aws_access_key_id": "testing", "aws_secret_access_key": SECRET},
    )
    store.connectors.create_serverless_connector(
        "t", "lambda", config, platform="aws_lambda", region="eu-west-1", connector_id="lambda"
    )
    client = store.connectors.open("lambda")
    assert isinstance(client, FunctionClient)
    return client


def test_list_functions_pages_through_lambda_by_name(store: Store, lambda_url: str) -> None:
    with _client(store, lambda_url) as client:
        listed = client.list_functions()

    assert listed == [
        {"name": "archive", "runtime": "python3.12", "memory": 128},
        {"name": "resize", "runtime": "python3.12", "memory": 512},
    ]


def test_an_unreachable_lambda_endpoint_fails_connect_without_the_secret(
    store: Store, isolated_aws: None
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    client = _client(store, closed)

    assert client.connect() is False
    connector = store.connectors.get("lambda")
    assert connector is not None and connector.last_error is not None
    assert "Could not connect" in connector.last_error and SECRET not in connector.last_error

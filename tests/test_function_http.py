"""Serverless connectors of platform ``http`` against a real HTTP server on loopback: the
payload is POSTed, the JSON answer is the result; connection failures and 5xx are retried, 4xx
and timeouts are not; the credential is sent as a header and never shows in an error, a
recorded ``last_error``, an invocation record or a log line."""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest

from integration_store import ConnectorConfig, ConnectorError, open_store
from integration_store.live.functions import FunctionClient
from integration_store.store import Store
from integration_store.testing import SequentialIds

SECRET = "sk-http-secret-5512"
FIRST_REQUEST = UUID(int=1)
"""The store's sequential ids: connectors are named, so the first invocation draws the first."""
SLOW_SECONDS = 3.0
"""How long ``/slow`` takes: past the 1 s timeout of the tests, released at teardown."""


class FunctionServer(ThreadingHTTPServer):
    """Answers by path: ``/echo``, ``/flaky`` (500 while ``failures`` last), ``/bad`` (400),
    ``/slow``, ``/text``, ``/leak`` (a 500 quoting the Authorization header), ``/moved`` (302);
    ``GET /`` lists functions. Counts the requests to each path."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.failures = 0
        self.hits: dict[str, int] = {}
        self.authorizations: list[str | None] = []
        self.release = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/functions"

    def count(self, path: str, authorization: str | None) -> int:
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            self.authorizations.append(authorization)
            return self.hits[path]


class _Handler(BaseHTTPRequestHandler):
    server: FunctionServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the counts, not the log."""

    def _answer(self, status: int, body: object, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.server.count(self.path, self.headers.get("Authorization"))
        if self.path == "/functions":
            self._answer(200, ["echo", {"name": "flaky", "runtime": "python3.12", "memory": 128}])
        else:
            self._answer(404, {"error": "no such path"})

    def do_POST(self) -> None:
        authorization = self.headers.get("Authorization")
        hits = self.server.count(self.path, authorization)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        name = self.path.removeprefix("/functions/")
        if name == "echo":
            self._answer(200, {"echo": json.loads(body)})
        elif name == "flaky":
            if hits <= self.server.failures:
                self._answer(500, b"overloaded", "text/plain")
            else:
                self._answer(200, {"attempt": hits})
        elif name == "bad":
            self._answer(400, b"payload refused", "text/plain")
        elif name == "slow":
            self.server.release.wait(SLOW_SECONDS)
            self._answer(200, {"late": True})
        elif name == "text":
            self._answer(200, b"<html>not json</html>", "text/html")
        elif name == "leak":
            self._answer(500, f"denied for {authorization}".encode(), "text/plain")
        elif name == "moved":
            self.send_response(302)
            self.send_header("Location", "/functions/echo")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._answer(404, {"error": f"no function {name}"})


@pytest.fixture
def server() -> Iterator[FunctionServer]:
    server = FunctionServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def store() -> Iterator[Store]:
    with open_store("memory://", id_factory=SequentialIds()) as store:
        yield store


def _client(store: Store, endpoint: str | None, **config: Any) -> FunctionClient:
    options: dict[str, Any] = {
        "timeout_seconds": 1,
        "max_retries": 3,
        "retry_delay_seconds": 0,
        "auth_type": "api_key",
        "credentials": {"api_key": SECRET},
        **config,
    }
    name = f"http-{len(store.connectors.list())}"
    connector = store.connectors.create_serverless_connector(
        "t", name, ConnectorConfig(endpoint=endpoint, **options), platform="http", connector_id=name
    )
    client = store.connectors.open(connector.connector_id)
    assert isinstance(client, FunctionClient)
    return client


@pytest.fixture
def client(store: Store, server: FunctionServer) -> Iterator[FunctionClient]:
    client = _client(store, server.url)
    assert client.connect(), client.connector.last_error
    yield client
    client.disconnect()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_payload_is_posted_and_the_json_answer_is_the_result(
    client: FunctionClient, server: FunctionServer
) -> None:
    answer = client.invoke("echo", {"n": 1, "text": "é"})

    assert (answer["status"], answer["result"]) == ("completed", {"echo": {"n": 1, "text": "é"}})
    assert client.get_result(answer["request_id"])["result"] == {"echo": {"n": 1, "text": "é"}}
    assert server.authorizations[-1] == f"Bearer {SECRET}"


def test_five_hundreds_are_retried_until_an_attempt_succeeds(
    client: FunctionClient, server: FunctionServer
) -> None:
    server.failures = 2

    answer = client.invoke("flaky", {})

    assert answer["result"] == {"attempt": 3}
    assert server.hits["/functions/flaky"] == 3


def test_retries_stop_after_max_retries_and_the_invocation_fails(
    store: Store, server: FunctionServer
) -> None:
    server.failures = 10
    client = _client(store, server.url, max_retries=2)
    assert client.connect()

    with pytest.raises(ConnectorError, match="HTTP 500") as raised:
        client.invoke("flaky", {})

    assert server.hits["/functions/flaky"] == 3
    assert raised.value.__cause__ is not None
    record = client.get_result(FIRST_REQUEST)
    assert record["status"] == "failed" and "HTTP 500" in record["error"]


def test_a_four_hundred_is_not_retried(client: FunctionClient, server: FunctionServer) -> None:
    with pytest.raises(ConnectorError, match="HTTP 400 Bad Request: payload refused"):
        client.invoke("bad", {})

    assert server.hits["/functions/bad"] == 1


def test_a_timeout_fails_the_invocation_without_a_retry(
    client: FunctionClient, server: FunctionServer
) -> None:
    started = time.monotonic()

    with pytest.raises(ConnectorError, match="timed out"):
        client.invoke("slow", {})

    assert time.monotonic() - started < SLOW_SECONDS
    assert server.hits["/functions/slow"] == 1


def test_connection_failures_are_retried_then_fail(
    store: Store, server: FunctionServer, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(store, server.url, max_retries=2)
    assert client.connect()
    server.shutdown()
    server.server_close()  # the server went away: connections are refused

    with caplog.at_level(logging.INFO, "integration_store"), pytest.raises(ConnectorError):
        client.invoke("echo", {})

    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retries) == 2
    assert "attempt 1 of 3 failed (URLError" in retries[0]
    assert "attempt 2 of 3 failed (URLError" in retries[1]


def test_an_answer_that_is_not_json_fails_the_invocation(client: FunctionClient) -> None:
    with pytest.raises(ConnectorError, match="is not JSON"):
        client.invoke("text", {})


def test_a_redirect_is_not_followed(client: FunctionClient, server: FunctionServer) -> None:
    with pytest.raises(ConnectorError, match="HTTP 302"):
        client.invoke("moved", {})

    assert "/functions/echo" not in server.hits


@pytest.mark.parametrize(
    ("auth", "sent"),
    [
        ({}, f"Bearer {SECRET}"),
        (
            {"auth_type": "basic", "credentials": {"username": "u", "password": SECRET}},
            "Basic " + base64.b64encode(f"u:{SECRET}".encode()).decode(),
        ),
    ],
    ids=["api_key", "basic"],
)
def test_the_secret_never_shows_in_errors_records_or_logs(
    store: Store,
    server: FunctionServer,
    caplog: pytest.LogCaptureFixture,
    auth: dict[str, Any],
    sent: str,
) -> None:
    client = _client(store, server.url, **auth)
    assert client.connect()

    with caplog.at_level(logging.DEBUG), pytest.raises(ConnectorError) as raised:
        client.invoke("leak", {})

    assert server.hits["/functions/leak"] == 4  # retried: each answer quoted the secret
    assert server.authorizations[-1] == sent
    connector = store.connectors.get(client.connector_id)
    assert connector is not None and connector.last_error is not None
    record = client.get_result(FIRST_REQUEST)
    texts = [str(raised.value), connector.last_error, record["error"], caplog.text]
    texts += [str(r.args) for r in caplog.records]
    token = sent.split(" ", 1)[1]
    assert all(SECRET not in text and token not in text for text in texts)
    assert f"denied for {sent.split()[0]} ***" in record["error"]


def test_an_asynchronous_invocation_runs_in_the_pool(client: FunctionClient) -> None:
    request_id = client.invoke("echo", {"later": True}, async_invoke=True)["request_id"]

    deadline = time.monotonic() + 10
    while client.get_result(request_id)["status"] != "completed" and time.monotonic() < deadline:
        time.sleep(0.005)
    assert client.get_result(request_id)["result"] == {"echo": {"later": True}}


def test_list_functions_reads_the_endpoints_json_list(client: FunctionClient) -> None:
    assert client.list_functions() == [
        {"name": "echo", "runtime": None, "memory": None},
        {"name": "flaky", "runtime": "python3.12", "memory": 128},
    ]


@pytest.mark.parametrize(
    ("config", "reason"),
    [
        ({"endpoint": None}, "needs config.endpoint"),
        ({"endpoint": "ftp://127.0.0.1/x"}, "http:// or https://"),
        ({"credentials": {}}, "needs credentials['api_key']"),
        ({"auth_type": "kerberos"}, "auth_type 'kerberos' is not one of"),
        ({"endpoint": "closed"}, "Connection refused"),
    ],
)
def test_connect_fails_with_the_reason_recorded(
    store: Store, server: FunctionServer, config: dict[str, Any], reason: str
) -> None:
    endpoint = config.pop("endpoint", server.url)
    if endpoint == "closed":
        endpoint = f"http://127.0.0.1:{_closed_port()}/"
    client = _client(store, endpoint, **config)

    assert client.connect() is False
    connector = store.connectors.get(client.connector_id)
    assert connector is not None and connector.last_error is not None
    assert reason in connector.last_error and SECRET not in connector.last_error

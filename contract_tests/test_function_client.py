"""``FunctionClient`` on platform ``local``: invocations are records in the store, so their
outcome — completed with a result, or failed with an error — reads the same from any store on
the same database; bad arguments write nothing; a failure is a recorded ``ConnectorError``."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from integration_store import ConnectorConfig, ConnectorError, ValidationError
from integration_store.errors import NotFoundError
from integration_store.functions import Function, register_function, unregister_function
from integration_store.live.connections import ASYNC_INVOCATION_WORKERS
from integration_store.live.functions import FunctionClient, InvocationNotFoundError
from integration_store.protocols import INVOCATIONS
from integration_store.store import Store
from integration_store.targets import StoreFactory
from integration_store.testing import FixedClock, SequentialIds
from integration_store.values import MAX_WRITE_BYTES

pytestmark = pytest.mark.requires(INVOCATIONS)

SECRET = "sk-function-secret-8841"
WAIT_SECONDS = 10.0
"""The longest a test waits for an asynchronous invocation (they take milliseconds)."""

CONNECTOR_ID = UUID(int=1)
FIRST_REQUEST = UUID(int=2)
"""With the suite's sequential ids: the connector draws the first id, an invocation the next."""


class Gate:
    """A function that counts its starts, then waits to be let go: invocations held running."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self._started = 0
        self._condition = threading.Condition()

    def __call__(self, payload: dict[str, Any]) -> Any:
        with self._condition:
            self._started += 1
            self._condition.notify_all()
        if not self.release.wait(WAIT_SECONDS):
            raise TimeoutError("the test never let the gate go")
        return {"gated": payload}

    def wait_started(self, count: int = 1) -> bool:
        """Whether ``count`` calls have started (waiting for them, bounded)."""
        with self._condition:
            return self._condition.wait_for(lambda: self._started >= count, WAIT_SECONDS)


def _echo(payload: dict[str, Any]) -> Any:
    return {"echo": payload}


def _refuse(payload: dict[str, Any]) -> Any:
    raise RuntimeError(f"refused {payload.get('why', '')}")


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    names: dict[str, Function] = {
        "contract.echo": _echo,
        "contract.refuse": _refuse,
        "contract.not_json": lambda payload: {"n": float("nan")},
        "contract.gate": gate,
    }
    for name, function in names.items():
        register_function(name, function)
    yield gate
    gate.release.set()
    for name in names:
        unregister_function(name)


@pytest.fixture
def client(store: Store, gate: Gate) -> Iterator[FunctionClient]:
    store.connectors.create_serverless_connector(
        "t",
        "functions",
        config=ConnectorConfig(credentials={"api_key": SECRET}),
        platform="local",
    )
    client = store.connectors.open(str(CONNECTOR_ID))
    assert isinstance(client, FunctionClient)
    assert client.connect()
    yield client
    gate.release.set()
    client.disconnect()


def _finished(client: FunctionClient, request_id: str) -> dict[str, Any]:
    """Poll until the invocation is completed or failed (bounded)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        answer = client.get_result(request_id)
        if answer["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return answer
        time.sleep(0.005)


def _private(url: str) -> bool:
    """Whether each ``open_store`` of the URL makes a new private store (DESIGN: memory,
    in-memory SQLite, mongomock), so another store cannot share its data."""
    scheme, _, rest = url.partition("://")
    in_memory_sqlite = scheme.startswith("sqlite") and rest in ("", "/", "/:memory:")
    return scheme in ("memory", "mongomock") or in_memory_sqlite


def test_a_synchronous_invocation_answers_the_result_and_records_it_completed(
    client: FunctionClient, clock: FixedClock
) -> None:
    answer = client.invoke("contract.echo", {"n": 1, "x": [1.0, "a"]})

    assert answer == {
        "function": "contract.echo",
        "request_id": str(FIRST_REQUEST),
        "status": "completed",
        "result": {"echo": {"n": 1, "x": [1.0, "a"]}},
    }
    assert client.get_result(answer["request_id"]) == {
        "request_id": str(FIRST_REQUEST),
        "function": "contract.echo",
        "status": "completed",
        "result": {"echo": {"n": 1, "x": [1.0, "a"]}},
        "error": None,
        "created_at": clock().isoformat(),
        "started_at": clock().isoformat(),
        "finished_at": clock().isoformat(),
    }


def test_an_asynchronous_invocation_answers_invoked_then_runs_and_completes(
    client: FunctionClient, gate: Gate
) -> None:
    answer = client.invoke("contract.gate", {"k": "v"}, async_invoke=True)

    assert answer == {
        "function": "contract.gate",
        "request_id": str(FIRST_REQUEST),
        "status": "invoked",
        "result": None,
    }
    assert gate.wait_started()
    running = client.get_result(FIRST_REQUEST)
    assert (running["status"], running["result"], running["finished_at"]) == ("running", None, None)
    assert running["started_at"] is not None
    gate.release.set()
    finished = _finished(client, answer["request_id"])
    assert (finished["status"], finished["result"]) == ("completed", {"gated": {"k": "v"}})
    assert finished["error"] is None and finished["finished_at"] is not None


def test_a_failing_function_raises_a_recorded_connector_error_and_its_record_says_failed(
    store: Store, client: FunctionClient
) -> None:
    with pytest.raises(ConnectorError, match="RuntimeError: refused no") as raised:
        client.invoke("contract.refuse", {"why": "no"})

    assert isinstance(raised.value.__cause__, RuntimeError)
    failed = client.get_result(FIRST_REQUEST)
    assert (failed["status"], failed["result"]) == ("failed", None)
    assert failed["error"] == "RuntimeError: refused no"
    connector = store.connectors.get(str(CONNECTOR_ID))
    assert connector is not None and connector.error_count == 1
    assert connector.last_error is not None and "refused no" in connector.last_error


def test_an_asynchronous_failure_is_recorded_on_the_invocation_and_the_connector(
    store: Store, client: FunctionClient
) -> None:
    answer = client.invoke("contract.refuse", {"why": "later"}, async_invoke=True)

    finished = _finished(client, answer["request_id"])
    assert (finished["status"], finished["error"]) == ("failed", "RuntimeError: refused later")
    connector = store.connectors.get(str(CONNECTOR_ID))
    assert connector is not None and connector.error_count == 1
    assert connector.last_error is not None and "refused later" in connector.last_error


def test_a_result_that_is_not_json_fails_the_invocation(client: FunctionClient) -> None:
    with pytest.raises(ConnectorError, match="not a JSON value"):
        client.invoke("contract.not_json", {})

    failed = client.get_result(FIRST_REQUEST)
    assert failed["status"] == "failed" and "must be finite" in failed["error"]


def test_an_unknown_function_fails_the_invocation(client: FunctionClient) -> None:
    with pytest.raises(ConnectorError, match=r"no function named 'contract\.missing'"):
        client.invoke("contract.missing", {})

    assert client.get_result(FIRST_REQUEST)["status"] == "failed"


def test_a_secret_in_a_functions_failure_is_redacted_everywhere(
    store: Store, client: FunctionClient
) -> None:
    with pytest.raises(ConnectorError) as raised:
        client.invoke("contract.refuse", {"why": SECRET})

    connector = store.connectors.get(str(CONNECTOR_ID))
    assert connector is not None and connector.last_error is not None
    record_error = client.get_result(FIRST_REQUEST)["error"]
    for text in (str(raised.value), connector.last_error, record_error):
        assert SECRET not in text and "refused ***" in text


def test_a_failure_text_no_store_could_keep_is_escaped_not_refused(
    store: Store, client: FunctionClient
) -> None:
    def unprintable(payload: dict[str, Any]) -> Any:
        raise RuntimeError("NUL \x00 and a lone \ud800 surrogate")

    register_function("contract.unprintable", unprintable)
    try:
        with pytest.raises(ConnectorError, match="failed"):
            client.invoke("contract.unprintable", {})
    finally:
        unregister_function("contract.unprintable")

    expected = "RuntimeError: NUL \\x00 and a lone \\ud800 surrogate"
    assert client.get_result(FIRST_REQUEST)["error"] == expected
    connector = store.connectors.get(str(CONNECTOR_ID))
    assert connector is not None and connector.last_error is not None
    assert connector.last_error.endswith(expected)


def test_operations_of_a_client_not_connected_are_refused_and_write_nothing(
    store: Store, client: FunctionClient, ids: SequentialIds
) -> None:
    client.disconnect()
    drawn = ids.drawn

    for operation in (
        lambda: client.invoke("contract.echo", {}),
        lambda: client.invoke("contract.echo", {}, async_invoke=True),
        client.list_functions,
        lambda: client.get_result(FIRST_REQUEST),
    ):
        with pytest.raises(ConnectorError, match="Not connected"):
            operation()
    assert ids.drawn == drawn
    assert store.backend.storages.invocations is not None
    assert store.backend.storages.invocations.get(FIRST_REQUEST) is None


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        (("", {}), "function_name"),
        (("x" * 256, {}), "function_name"),
        ((None, {}), "function_name"),
        (("contract.echo", []), "payload"),
        (("contract.echo", {"n": float("inf")}), "payload['n']"),
        (("contract.echo", {1: "a"}), "payload"),
        (("contract.echo", {}, "yes"), "async_invoke"),
    ],
)
def test_bad_arguments_name_their_field_and_write_nothing(
    store: Store, client: FunctionClient, ids: SequentialIds, arguments: tuple[Any, ...], field: str
) -> None:
    drawn = ids.drawn

    with pytest.raises(ValidationError) as raised:
        client.invoke(*arguments)

    assert raised.value.field.startswith(field)
    assert ids.drawn == drawn
    assert store.backend.storages.invocations is not None
    assert store.backend.storages.invocations.get(FIRST_REQUEST) is None
    connector = store.connectors.get(str(CONNECTOR_ID))
    assert connector is not None and connector.error_count == 0


def test_a_payload_larger_than_one_write_may_store_is_refused_and_writes_nothing(
    store: Store, client: FunctionClient, ids: SequentialIds
) -> None:
    drawn = ids.drawn

    with pytest.raises(ValidationError) as raised:
        client.invoke("contract.echo", {"blob": "x" * MAX_WRITE_BYTES})

    assert raised.value.field == "payload"
    assert ids.drawn == drawn
    assert store.backend.storages.invocations is not None
    assert store.backend.storages.invocations.get(FIRST_REQUEST) is None


def test_a_result_larger_than_one_write_may_store_fails_the_invocation(
    client: FunctionClient,
) -> None:
    register_function("contract.huge", lambda payload: "x" * (MAX_WRITE_BYTES + 1))
    try:
        with pytest.raises(ConnectorError, match="too large to keep"):
            client.invoke("contract.huge", {})
    finally:
        unregister_function("contract.huge")

    failed = client.get_result(FIRST_REQUEST)
    assert (failed["status"], failed["result"]) == ("failed", None)


def test_an_unknown_request_id_or_another_connectors_is_not_found(
    store: Store, client: FunctionClient
) -> None:
    store.connectors.create_serverless_connector("t", "other", platform="local")
    with store.connectors.open(str(UUID(int=2))) as other:
        assert isinstance(other, FunctionClient)
        theirs = other.invoke("contract.echo", {})["request_id"]

    for request_id in (theirs, UUID(int=99), str(UUID(int=99))):
        with pytest.raises(InvocationNotFoundError) as raised:
            client.get_result(request_id)
        assert isinstance(raised.value, ConnectorError | NotFoundError)
    with pytest.raises(ValidationError, match="request_id"):
        client.get_result("not-a-uuid")


def test_get_result_reads_the_record_from_another_store_on_the_same_database(
    store: Store, store_url: str, open_same_store: StoreFactory, client: FunctionClient
) -> None:
    request_id = client.invoke("contract.echo", {"from": "first"}, async_invoke=True)["request_id"]
    expected = _finished(client, request_id)

    if _private(store_url):  # no second database to open: a second store on the same backend
        second = Store(store.backend, clock=FixedClock(), id_factory=SequentialIds(100))
    else:
        second = open_same_store(id_factory=SequentialIds(100))
    with second.connectors.open(str(CONNECTOR_ID)) as reader:
        assert isinstance(reader, FunctionClient)
        assert reader.get_result(request_id) == expected
    assert expected["result"] == {"echo": {"from": "first"}}


def test_an_invocation_no_longer_invoked_when_its_turn_comes_is_not_run(
    store: Store, client: FunctionClient, gate: Gate
) -> None:
    ran: list[object] = []
    later = Gate()
    register_function("contract.count", lambda payload: ran.append(payload))
    register_function("contract.later", later)
    try:
        for n in range(ASYNC_INVOCATION_WORKERS):
            client.invoke("contract.gate", {"n": n}, async_invoke=True)
        assert gate.wait_started(ASYNC_INVOCATION_WORKERS)  # every worker of the pool is busy
        queued = client.invoke("contract.count", {}, async_invoke=True)["request_id"]
        storage = store.backend.storages.invocations
        assert storage is not None
        cancel = {"status": "failed", "error": "cancelled"}
        assert storage.update(UUID(queued), cancel, expected_status="invoked") is not None
        for _ in range(ASYNC_INVOCATION_WORKERS):
            client.invoke("contract.later", {}, async_invoke=True)

        gate.release.set()
        # Every worker has started an invocation queued after it, so each has finished with it.
        assert later.wait_started(ASYNC_INVOCATION_WORKERS)
    finally:
        later.release.set()
        unregister_function("contract.count")
        unregister_function("contract.later")

    assert ran == []
    assert (client.get_result(queued)["status"], client.get_result(queued)["error"]) == (
        "failed",
        "cancelled",
    )


def test_list_functions_names_the_registered_functions(client: FunctionClient) -> None:
    listed = {row["name"]: row for row in client.list_functions()}

    assert {"contract.echo", "contract.refuse", "contract.gate"} <= set(listed)
    assert listed["contract.echo"]["runtime"].startswith("python3.")
    assert set(listed["contract.echo"]) == {"name", "runtime", "memory"}


def test_a_connector_limited_to_some_functions_reaches_only_those(store: Store, gate: Gate) -> None:
    limited = ConnectorConfig(options={"functions": ["contract.echo"]})
    store.connectors.create_serverless_connector(
        "t", "limited", limited, platform="local", connector_id="limited"
    )

    with store.connectors.open("limited") as client:
        assert isinstance(client, FunctionClient)
        assert [row["name"] for row in client.list_functions()] == ["contract.echo"]
        assert client.invoke("contract.echo", {})["status"] == "completed"
        with pytest.raises(ConnectorError, match="not one of this connector's functions"):
            client.invoke("contract.refuse", {})


def test_an_unknown_platform_fails_connect_with_the_reason_recorded(store: Store) -> None:
    store.connectors.create_serverless_connector(
        "t", "odd", platform="cloudflare", connector_id="odd"
    )
    client = store.connectors.open("odd")

    assert client.connect() is False
    connector = store.connectors.get("odd")
    assert connector is not None and connector.error_count == 1
    assert (
        connector.last_error is not None and "unknown serverless platform" in connector.last_error
    )

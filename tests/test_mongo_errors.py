"""How the MongoDB backend names failures: a write its connection lost is
``OutcomeUnknownError`` when the server may have applied it, plain ``BackendUnavailableError``
when it surely did not; a refused login and a transient transaction conflict have their own
classes.

The driver's failures are injected into mongomock's collections (a wire server cannot be made
to drop a connection at a chosen moment); what is checked is the backend's classification."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("mongomock")

from pymongo.errors import (
    AutoReconnect,
    NetworkTimeout,
    NotPrimaryError,
    OperationFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
)

from integration_store import (
    BackendAccessError,
    BackendUnavailableError,
    IntegrationStoreError,
    OutcomeUnknownError,
    TransactionConflictError,
    VectorConnector,
    open_store,
)
from integration_store.backends.mongo.errors import commit, translate
from integration_store.store import Store


@pytest.fixture
def store() -> Iterator[Store]:
    with open_store("mongomock://") as opened:
        opened.create_schema()
        opened.connectors.register(VectorConnector(connector_id="c", tenant_id="t", name="n"))
        yield opened


def _fail(store: Store, method: str, error: PyMongoError, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every ``method`` call of the connector storage's collection raise ``error``."""

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise error

    collection = store.backend.storages.connectors._collection  # type: ignore[attr-defined]
    monkeypatch.setattr(collection, method, failing)


@pytest.mark.parametrize("error", [AutoReconnect("connection reset"), NetworkTimeout("timed out")])
def test_a_write_lost_after_sending_has_an_unknown_outcome(
    store: Store, monkeypatch: pytest.MonkeyPatch, error: PyMongoError
) -> None:
    _fail(store, "find_one_and_update", error, monkeypatch)

    with pytest.raises(OutcomeUnknownError) as raised:
        store.connectors.record_connection("c")

    assert isinstance(raised.value, BackendUnavailableError)
    assert raised.value.__cause__ is error


@pytest.mark.parametrize(
    "error", [ServerSelectionTimeoutError("no server"), NotPrimaryError("not primary")]
)
def test_a_write_no_server_received_is_plainly_unavailable(
    store: Store, monkeypatch: pytest.MonkeyPatch, error: PyMongoError
) -> None:
    _fail(store, "find_one_and_update", error, monkeypatch)

    with pytest.raises(BackendUnavailableError) as raised:
        store.connectors.record_connection("c")

    assert not isinstance(raised.value, OutcomeUnknownError)


def test_a_read_is_never_unknown(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _fail(store, "find_one", AutoReconnect("connection reset"), monkeypatch)

    with pytest.raises(BackendUnavailableError) as raised:
        store.connectors.get("c")

    assert not isinstance(raised.value, OutcomeUnknownError)


class _Session:
    def __init__(self, error: PyMongoError) -> None:
        self.error = error

    def commit_transaction(self) -> None:
        raise self.error


def test_a_commit_whose_result_the_driver_could_not_learn_is_unknown() -> None:
    error = AutoReconnect("connection reset")
    error._add_error_label("UnknownTransactionCommitResult")

    with pytest.raises(OutcomeUnknownError) as raised:
        commit(_Session(error))  # type: ignore[arg-type]

    assert raised.value.__cause__ is error


def test_a_commit_the_server_refused_is_the_drivers_error_for_translation() -> None:
    error = OperationFailure("write conflict", code=112)
    error._add_error_label("TransientTransactionError")

    with pytest.raises(OperationFailure):
        commit(_Session(error))  # type: ignore[arg-type]
    assert not isinstance(error, IntegrationStoreError)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (OperationFailure("Authentication failed.", code=18), BackendAccessError),
        (OperationFailure("not authorized on db", code=13), BackendAccessError),
        (OperationFailure("write conflict", code=112), TransactionConflictError),
        (OperationFailure("bad query", code=2), IntegrationStoreError),
    ],
)
def test_refused_logins_and_transient_conflicts_get_their_own_classes(
    error: OperationFailure, expected: type[IntegrationStoreError]
) -> None:
    if error.code == 112:
        error._add_error_label("TransientTransactionError")

    assert type(translate(error)) is expected

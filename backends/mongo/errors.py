"""Driver exceptions → the library's errors, in one place, so no pymongo/bson exception escapes.

* a unique-key violation (``DuplicateKeyError``, or any failure with code 11000) → bare
  ``ConflictError``: the service picks the specific subclass;
* lost or unreachable server (``ConnectionFailure``: ``ServerSelectionTimeoutError``,
  ``AutoReconnect``, ``NetworkTimeout``, ``NotPrimaryError``, ...) → ``BackendUnavailableError``;
  for a write outside a transaction that may have reached the server (a connection lost or
  timed out after sending it; pymongo has already retried a retryable write once) →
  ``OutcomeUnknownError``; so is a commit pymongo labels ``UnknownTransactionCommitResult``;
* a write conflict between transactions (label ``TransientTransactionError``) →
  ``TransactionConflictError``: nothing was applied, the unit of work may be run again;
* a refused login or a missing permission (codes 13 ``Unauthorized``, 18
  ``AuthenticationFailed``) → ``BackendAccessError``;
* anything else from the driver (``OperationFailure``, ``InvalidOperation`` after ``close()``,
  ``ConfigurationError``, a BSON encoding error) → ``IntegrationStoreError``.

The driver's exception is always chained as ``__cause__``.
"""

from __future__ import annotations

from types import TracebackType

from bson.errors import BSONError
from pymongo.client_session import ClientSession
from pymongo.errors import (
    ConnectionFailure,
    DuplicateKeyError,
    NotPrimaryError,
    OperationFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
)

from integration_store.errors import (
    BackendAccessError,
    BackendUnavailableError,
    ConflictError,
    IntegrationStoreError,
    OutcomeUnknownError,
    TransactionConflictError,
)

DUPLICATE_KEY_CODES = frozenset({11000, 11001, 12582})
ACCESS_CODES = frozenset({13, 18})
"""Unauthorized, AuthenticationFailed."""


def is_duplicate_key(error: BaseException) -> bool:
    """True for a unique-index violation, however the driver reported it."""
    if isinstance(error, DuplicateKeyError):
        return True
    return isinstance(error, OperationFailure) and error.code in DUPLICATE_KEY_CODES


def translate(error: PyMongoError | BSONError) -> IntegrationStoreError:
    """The library error for a driver error (the caller raises it ``from`` the original)."""
    if is_duplicate_key(error):
        return ConflictError(f"unique key violated: {error}")
    if isinstance(error, ConnectionFailure):
        return BackendUnavailableError(f"MongoDB server unavailable: {error}")
    if isinstance(error, PyMongoError) and error.has_error_label("TransientTransactionError"):
        return TransactionConflictError(
            f"MongoDB aborted the transaction (e.g. a concurrent write); run it again: {error}"
        )
    if isinstance(error, OperationFailure) and error.code in ACCESS_CODES:
        return BackendAccessError(f"MongoDB refused this store (login or permission): {error}")
    return IntegrationStoreError(f"MongoDB error ({type(error).__name__}): {error}")


def may_have_reached_the_server(error: BaseException) -> bool:
    """For a failed write: whether the server may have received (and applied) it. Not when no
    server was found (after a retry pymongo then raises the first attempt's error, not this)
    or the server answered that it is not the primary."""
    return isinstance(error, ConnectionFailure) and not isinstance(
        error, ServerSelectionTimeoutError | NotPrimaryError
    )


class translated:  # named as the function it stands for: ``with translated(write=...):``
    """Run a block of driver calls, re-raising driver errors as library errors (chained);
    ``write``: the block is one write outside a transaction, so a connection lost after
    sending it leaves its outcome unknown. A class, not a generator: it wraps every call,
    some of a few tens of microseconds."""

    __slots__ = ("_write",)

    def __init__(self, write: bool = False) -> None:
        self._write = write

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if not isinstance(error, PyMongoError | BSONError):
            return
        if self._write and may_have_reached_the_server(error):
            raise OutcomeUnknownError(
                f"the MongoDB server may or may not have applied the write: {error}"
            ) from error
        raise translate(error) from error


def commit(session: ClientSession) -> None:
    """Commit a session's transaction; a commit whose result pymongo could not learn (even
    after its own retry) is ``OutcomeUnknownError``."""
    try:
        session.commit_transaction()
    except PyMongoError as error:
        if error.has_error_label("UnknownTransactionCommitResult"):
            raise OutcomeUnknownError(
                f"the MongoDB server may or may not have committed the transaction: {error}"
            ) from error
        raise

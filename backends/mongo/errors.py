"""Driver exceptions → the library's errors, in one place, so no pymongo/bson exception escapes.

* a unique-key violation (``DuplicateKeyError``, or any failure with code 11000) → bare
  ``ConflictError``: the service picks the specific subclass;
* lost or unreachable server (``ConnectionFailure``: ``ServerSelectionTimeoutError``,
  ``AutoReconnect``, ``NetworkTimeout``, ``NotPrimaryError``, ...) → ``BackendUnavailableError``;
* a write conflict between transactions (label ``TransientTransactionError``) →
  ``IntegrationStoreError`` saying the unit of work may be retried;
* anything else from the driver (``OperationFailure``, ``InvalidOperation`` after ``close()``,
  ``ConfigurationError``, a BSON encoding error) → ``IntegrationStoreError``.

The driver's exception is always chained as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bson.errors import BSONError
from pymongo.errors import ConnectionFailure, DuplicateKeyError, OperationFailure, PyMongoError

from integration_store.errors import (
    BackendUnavailableError,
    ConflictError,
    IntegrationStoreError,
)

DUPLICATE_KEY_CODES = frozenset({11000, 11001, 12582})


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
        return IntegrationStoreError(
            f"MongoDB aborted the transaction (e.g. a concurrent write); retry the unit of work: "
            f"{error}"
        )
    return IntegrationStoreError(f"MongoDB error ({type(error).__name__}): {error}")


@contextmanager
def translated() -> Iterator[None]:
    """Run a block of driver calls, re-raising driver errors as library errors (chained)."""
    try:
        yield
    except (PyMongoError, BSONError) as error:
        raise translate(error) from error

"""What every live client does the same way: connect, disconnect, health checks, and turning a
provider's failure into a recorded ``ConnectorError``.

A client is the working side of a registered connector (``store.connectors.open(id)``); the
connector record stays the source of truth for its config, and every outcome of connecting is
written back through the registry's atomic ``record_connection`` / ``record_error`` /
``disconnect``, so ``connection_count`` and ``error_count`` count real attempts.

Thread safety: a client may be shared by threads. ``connect``, ``disconnect`` and
``health_check`` are serialised by the client's lock; operations run concurrently, on providers
that are thread-safe themselves.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Self, TypeVar

from integration_store.errors import ConnectorError, IntegrationStoreError
from integration_store.model.connectors import SECRET_MASK, Connector, ConnectorConfig

if TYPE_CHECKING:
    from integration_store.live.connections import LiveConnections

C = TypeVar("C", bound=Connector)
T = TypeVar("T")


def redacted(text: str, config: ConnectorConfig) -> str:
    """``text`` with every credential value of the config replaced by ``***``: a provider's
    message may quote what it was given, and it is stored as ``last_error`` and raised."""
    for secret in config.credentials.values():
        if isinstance(secret, str) and secret:
            text = text.replace(secret, SECRET_MASK)
    return text


def describe(error: BaseException) -> str:
    """A one-line account of a provider's failure: its class and its message, with NUL and lone
    surrogates escaped (``\\x00``, ``\\ud800``): no store keeps them, and the account is
    stored as ``last_error``."""
    message = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {message[0]}" if message else type(error).__name__
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


class ConnectorClient(ABC, Generic[C]):
    """The live side of one registered connector; subclasses open their provider.

    Subclasses implement ``_open`` (reach the provider and check it answers; raise on failure),
    ``_probe`` (check a connected provider still answers) and ``_close``.
    """

    def __init__(self, connector: C, live: LiveConnections) -> None:
        self._connector = connector
        self._live = live
        self._lock = threading.RLock()
        self._connected = False
        self.last_failure: BaseException | None = None
        """The exception behind the last failed ``connect`` or ``health_check``, if any."""

    @property
    def connector(self) -> C:
        """The connector as last written by this client (or as it was opened)."""
        return self._connector

    @property
    def connector_id(self) -> str:
        return self._connector.connector_id

    @property
    def connected(self) -> bool:
        """Whether ``connect()`` succeeded and no ``disconnect()`` followed."""
        return self._connected

    # ---- lifecycle ----------------------------------------------------------------------

    def connect(self) -> bool:
        """Open the provider and check that it answers. On success the connector is recorded
        as connected (``record_connection``) and True is returned; on failure the error is
        recorded (``record_error``), kept in ``last_failure``, and False is returned."""
        with self._lock:
            try:
                self._open()
            except Exception as error:
                self._connected = False
                self._fail(f"connect failed: {describe(error)}", error)
                return False
            self._connected = True
            self.last_failure = None
            self._remember(
                self._live.registry.record_connection(
                    self.connector_id, tenant_id=self._connector.tenant_id
                )
            )
            return True

    def disconnect(self) -> bool:
        """Close the provider and record the connector as disconnected; returns True."""
        with self._lock:
            try:
                self._close()
            finally:
                self._connected = False
                self._remember(
                    self._live.registry.disconnect(
                        self.connector_id, tenant_id=self._connector.tenant_id
                    )
                )
            return True

    def health_check(self) -> bool:
        """Whether the client is connected and its provider answers now; a provider that does
        not is recorded (``record_error``)."""
        with self._lock:
            if not self._connected:
                return False
            try:
                self._probe()
            except Exception as error:
                self._fail(f"health check failed: {describe(error)}", error)
                return False
            return True

    def __enter__(self) -> Self:
        """Connect; ``ConnectorError`` (the failure chained) when that fails."""
        if not self.connect():
            raise self._error(
                f"could not connect: {self._connector_error_text()}"
            ) from self.last_failure
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._connected:
            self.disconnect()

    # ---- operations ---------------------------------------------------------------------

    def _run(self, operation: str, work: Callable[[], T]) -> T:
        """Run one operation on the provider: refused with ``ConnectorError("Not connected")``
        unless connected; the library's own errors (bad input) pass as they are; any other
        failure is recorded and raised as ``ConnectorError`` with the cause chained."""
        if not self._connected:
            raise self._error("Not connected")
        try:
            return work()
        except IntegrationStoreError:
            raise
        except Exception as error:
            message = self._fail(f"{operation} failed: {describe(error)}", error)
            raise self._error(message) from error

    def _fail(self, message: str, error: BaseException) -> str:
        """Record a failure on the connector; returns the (redacted) message recorded."""
        self.last_failure = error
        text = redacted(message, self._connector.config)
        self._remember(
            self._live.registry.record_error(
                self.connector_id, text, tenant_id=self._connector.tenant_id
            )
        )
        return text

    def _error(self, message: str) -> ConnectorError:
        return ConnectorError(
            message, connector_id=self.connector_id, connector_type=self._connector.connector_type
        )

    def _connector_error_text(self) -> str:
        return self._connector.last_error or "the provider did not answer"

    def _remember(self, connector: Connector) -> None:
        if isinstance(connector, type(self._connector)):
            self._connector = connector

    # ---- what each kind of client provides ----------------------------------------------

    @abstractmethod
    def _open(self) -> None:
        """Reach the provider and check that it answers; raise when it does not."""

    @abstractmethod
    def _probe(self) -> None:
        """Check that the connected provider still answers; raise when it does not."""

    @abstractmethod
    def _close(self) -> None:
        """Release what ``_open`` took."""

"""Where live clients come from: ``store.connectors.open(connector_id)``.

One ``LiveConnections`` per store holds what every client needs of it — a registry to record
outcomes through, the storages of vectors and invocations, the clock and id factory, and the
bounded pool that runs asynchronous invocations — so a client opened from a unit of work still
works after that unit of work ends.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Final

from integration_store.errors import UnsupportedOperationError
from integration_store.model.connectors import (
    Connector,
    FileConnector,
    ServerlessConnector,
    VectorConnector,
)
from integration_store.protocols import INVOCATIONS, VECTORS, Storages
from integration_store.services.context import ServiceContext

if TYPE_CHECKING:
    from integration_store.live.client import ConnectorClient
    from integration_store.protocols import InvocationStorage, VectorStorage
    from integration_store.services.connectors import ConnectorRegistry

ASYNC_INVOCATION_WORKERS: Final = 4
"""Most asynchronous invocations one store runs at once; more wait their turn."""


_CLIENTS: Final[dict[type[Connector], tuple[str, str, str]]] = {
    VectorConnector: ("integration_store.live.vectors", "VectorClient", "vectors"),
    FileConnector: ("integration_store.live.files", "FileClient", "files"),
    ServerlessConnector: ("integration_store.live.functions", "FunctionClient", "lambda"),
}
"""The client class of each connector class (module, name) and the extra its library is in."""


class LiveConnections:
    """What the live clients of one store share."""

    def __init__(
        self,
        storages: Storages,
        context: ServiceContext,
        in_transaction: Callable[[], bool] = lambda: False,
    ) -> None:
        """``in_transaction`` tells whether the calling thread has a unit of work of the store
        open (its calls join it: what they read may still be rolled back)."""
        from integration_store.services.connectors import ConnectorRegistry

        self.registry: ConnectorRegistry = ConnectorRegistry(storages.connectors, context)
        self.context = context
        self.in_transaction = in_transaction
        self._storages = storages
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def vectors(self) -> VectorStorage:
        """The store's vector storage; ``UnsupportedOperationError`` when the backend has none."""
        self.context.require(VECTORS, "a builtin vector connector")
        storage = self._storages.vectors
        assert storage is not None, "a backend declaring 'vectors' has a vector storage"
        return storage

    @property
    def invocations(self) -> InvocationStorage:
        """The store's invocation storage; ``UnsupportedOperationError`` when it has none."""
        self.context.require(INVOCATIONS, "a serverless connector")
        storage = self._storages.invocations
        assert storage is not None, "a backend declaring 'invocations' has such a storage"
        return storage

    @property
    def executor(self) -> ThreadPoolExecutor:
        """The pool running asynchronous invocations, started on first use."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    ASYNC_INVOCATION_WORKERS, thread_name_prefix="integration-store-invoke"
                )
            return self._executor

    def open(self, connector: Connector) -> ConnectorClient[Any]:
        """The live client for a connector's type (its module is imported on first use: each
        needs its own extra installed)."""
        for connector_class, (module, name, extra) in _CLIENTS.items():
            if isinstance(connector, connector_class):
                try:
                    client_class = getattr(importlib.import_module(module), name)
                except ModuleNotFoundError as missing:
                    raise UnsupportedOperationError(
                        f"the {name} needs {missing.name!r}, which is not installed: "
                        f"pip install 'integration-store[{extra}]'"
                    ) from missing
                client: ConnectorClient[Any] = client_class(connector, self)
                return client
        raise UnsupportedOperationError(
            f"no live client for connector type {connector.connector_type.value!r} "
            "(there are clients for vector, file and serverless connectors)"
        )

    def close(self) -> None:
        """Wait for running asynchronous invocations to finish, then stop the pool."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


__all__ = ["ASYNC_INVOCATION_WORKERS", "LiveConnections"]

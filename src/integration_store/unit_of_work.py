"""How storage calls reach a backend: the one place that knows about threads and transactions.

A backend offers only two things here: storages whose every call is its own atomic unit
(``Backend.storages``) and storages bound to a new transaction (``Backend.transaction()``), and it
says whether its engine may be called from several threads at once (``Backend.thread_safe``).
Everything else is done once, for every backend, by ``CallRouter``:

* a store call on a thread that has a transaction open joins that transaction;
* a nested ``transaction()`` joins the outer one (one commit, at the outermost exit);
* an engine that is not thread-safe gets one re-entrant lock per store, held for each call and
  for the whole of a transaction, so concurrent calls behave as if serialised;
* once the store is closed, every call raises ``StoreClosedError``.

``native_transaction`` is the other half, for backends: the commit-or-roll-back shape of a
driver's own transaction, written once.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from logging import DEBUG
from typing import Any, TypeVar

from integration_store import call_log
from integration_store.errors import IntegrationStoreError, StoreClosedError
from integration_store.protocols import Backend, Storages

H = TypeVar("H")
Args = tuple[Any, ...]
Kwargs = dict[str, Any]


class OpenTransaction:
    """One unit of work: its storages, the thread that opened it, and whether it is still open.

    Its storages are used only on that thread and only while the block runs: after the block a
    call raises ``StoreClosedError`` on every backend alike (instead of committing on its own on
    one and failing on a closed connection on another), and another thread's call is refused
    rather than sharing a connection, or an engine that is not thread-safe, unguarded."""

    __slots__ = ("active", "owner", "storages")

    def __init__(self, storages: Storages) -> None:
        self.storages = storages
        self.owner = threading.get_ident()
        self.active = True

    def check_usable(self) -> None:
        """Refuse a call from another thread or after the block ended."""
        if self.owner != threading.get_ident():
            raise IntegrationStoreError("a unit of work is used only on the thread that opened it")
        if not self.active:
            raise StoreClosedError("this unit of work has ended; use the store or a new one")


class _ThreadState(threading.local):
    """The calling thread's open transaction. A class attribute gives every thread its None
    without raising: ``getattr(local, name, None)`` on a missing name raised and caught an
    ``AttributeError``, half a microsecond on every store call."""

    transaction: OpenTransaction | None = None


class CallRouter:
    """Routes each storage call of one store to the right storages, under the right lock."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._thread_safe = backend.thread_safe
        self._lock: AbstractContextManager[Any] = (
            nullcontext() if backend.thread_safe else threading.RLock()
        )
        self._local = _ThreadState()
        self.closed = False

    def check_open(self) -> None:
        """``StoreClosedError`` once the store is closed."""
        if self.closed:
            raise StoreClosedError("the store is closed")

    @property
    def joined(self) -> OpenTransaction | None:
        """The transaction the calling thread has open, if any."""
        return self._local.transaction

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the store's lock (a no-op for thread-safe engines) for a whole-store operation,
        refused once the store is closed (also when it closed while this call waited)."""
        self.check_open()
        with self._lock:
            self.check_open()
            yield

    def forwarder(self, driver: str, method: str) -> Callable[..., Any]:
        """The function running one storage method: in the thread's transaction when one is
        open, else alone on the backend's storages; writes and backend failures are logged
        (``call_log``).

        The hot path of every store call, so the target is looked up once and the function is
        specialised for thread-safe engines (no lock) and the others (the store's lock held)."""
        target: Callable[..., Any] = getattr(getattr(self._backend.storages, driver), method)
        local = self._local
        operation = f"{driver}.{method}"
        write = method not in call_log.READS

        thread_safe = self._thread_safe
        lock = self._lock
        logs_writes = call_log.LOGGER.isEnabledFor  # asked per call: levels change at run time

        def forward(*args: Any, **kwargs: Any) -> Any:
            if self.closed:
                raise StoreClosedError("the store is closed")
            try:
                joined = local.transaction
                if joined is not None:
                    result = getattr(getattr(joined.storages, driver), method)(*args, **kwargs)
                elif thread_safe:
                    result = target(*args, **kwargs)
                else:
                    with lock:
                        if self.closed:  # it closed while this call waited
                            raise StoreClosedError("the store is closed")
                        result = target(*args, **kwargs)
            except Exception as error:
                if call_log.is_backend_failure(error):
                    call_log.failed(operation, args, error)
                raise
            if write and logs_writes(DEBUG):
                call_log.write_done(operation, args)
            return result

        return forward

    @contextmanager
    def transaction(self) -> Iterator[OpenTransaction]:
        """The thread's transaction: a new one, or the open one when nested."""
        outer = self.joined
        if outer is not None:
            self.check_open()
            yield outer
            return
        with self.exclusive(), self._backend.transaction() as storages:
            opened = OpenTransaction(storages)
            self._local.transaction = opened
            try:
                yield opened
            finally:
                opened.active = False
                self._local.transaction = None

    def close(self) -> None:
        """Mark the store closed, then close the backend once no call holds the lock."""
        if self.joined is not None:
            raise IntegrationStoreError("close() inside a transaction of this store; end it first")
        if self.closed:
            return
        self.closed = True
        with self._lock:
            self._backend.close()

    def routed_storages(self) -> Storages:
        """Storages whose calls go through ``call`` (what the store's services use)."""
        return Storages.each(lambda driver: _Intercepted(functools.partial(self.forwarder, driver)))

    def transaction_storages(self, transaction: OpenTransaction) -> Storages:
        """Storages of one unit of work, usable on its thread while it is open."""

        def checked(driver: str, method: str) -> Callable[..., Any]:
            target: Callable[..., Any] = getattr(getattr(transaction.storages, driver), method)
            operation = f"{driver}.{method}"
            write = method not in call_log.READS

            def call(*args: Any, **kwargs: Any) -> Any:
                transaction.check_usable()
                self.check_open()
                try:
                    result = target(*args, **kwargs)
                except Exception as error:
                    if call_log.is_backend_failure(error):
                        call_log.failed(operation, args, error)
                    raise
                if write:
                    call_log.write_done(operation, args)
                return result

            return call

        return Storages.each(lambda driver: _Intercepted(functools.partial(checked, driver)))


class _Intercepted:
    """A storage as the services see it: each method is the function ``forwarder(method)``
    makes, on first use, and kept as an attribute, so later calls find it directly."""

    def __init__(self, forwarder: Callable[[str], Callable[..., Any]]) -> None:
        self._forwarder = forwarder

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("__"):
            raise AttributeError(method)
        forward = self._forwarder(method)
        setattr(self, method, forward)
        return forward


@contextmanager
def native_transaction(
    open_handle: Callable[[], H],
    storages: Callable[[H], Storages],
    *,
    begin: Callable[[H], object],
    commit: Callable[[H], None],
    rollback: Callable[[H], None],
    end: Callable[[H], None],
    translated: Callable[[], AbstractContextManager[Any]],
) -> Iterator[Storages]:
    """What a backend's ``transaction()`` does, for any driver: open a handle (connection,
    session), ``begin`` a transaction on it, yield the storages bound to it, commit on normal
    exit, roll back on an exception, and always ``end`` the handle.

    The block's exception is what the caller must see: a failed rollback (the connection is
    gone) changes nothing, as the server discards the work, so it is suppressed. ``translated``
    turns the driver's errors from opening, beginning and committing into the library's.
    """
    with translated():
        handle = open_handle()
    try:
        with translated():
            begin(handle)
        try:
            yield storages(handle)
        except BaseException:
            with suppress(Exception):
                rollback(handle)
            raise
        with translated():
            commit(handle)
    finally:
        with suppress(Exception):
            end(handle)

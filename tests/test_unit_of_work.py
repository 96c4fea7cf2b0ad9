"""The store's call routing beyond the contract suite: a call that waited for the lock of an
engine that is not thread-safe is refused when the store closed meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from integration_store import StoreClosedError, open_store
from integration_store.unit_of_work import CallRouter


def _close_while_waiting(router: CallRouter) -> None:
    """Replace the router's lock by one whose acquisition is where another thread closes."""

    @contextmanager
    def lock_taken_after_a_close() -> Iterator[None]:
        router.closed = True
        yield

    router._lock = lock_taken_after_a_close()


@pytest.mark.parametrize("call", ["get", "create_schema"])
def test_a_call_that_waited_while_the_store_closed_is_refused(call: str) -> None:
    store = open_store("memory://")
    _close_while_waiting(store._router)

    with pytest.raises(StoreClosedError):
        if call == "get":
            store.connectors.get("c")
        else:
            store.create_schema()

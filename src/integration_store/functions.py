"""Python functions that serverless connectors of platform ``local`` run, found by name.

A function takes the invocation's payload (a JSON dict) and returns a JSON value. Register one
in code::

    from integration_store.functions import register_function

    @register_function("resize")
    def resize(payload: dict[str, Any]) -> dict[str, Any]:
        ...

    register_function("echo", lambda payload: payload)

or from an installed package, through the entry-point group ``integration_store.functions``
(name = function name, value = ``module:attr``), so a deployment adds functions without code
that imports them: an entry point is only imported when its function is first invoked, and a
name registered in code wins over an entry point of the same name.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any, Final, TypeVar, overload

from integration_store import values

FUNCTIONS_ENTRY_POINT_GROUP: Final = "integration_store.functions"
"""Where installed packages declare functions: ``name = "package.module:function"``."""

LOCAL_RUNTIME: Final = f"python{sys.version_info.major}.{sys.version_info.minor}"
"""What ``list_functions`` reports as the runtime of a local function."""

Function = Callable[[dict[str, Any]], Any]
"""A local function: the payload in, a JSON value out."""

F = TypeVar("F", bound=Function)


class FunctionNotFoundError(LookupError):
    """No function of that name is registered or declared by an entry point.

    Deliberately not an ``IntegrationStoreError``: to a client it is the platform's answer
    (like Lambda's ``ResourceNotFoundException``), so the invocation is recorded as failed."""


class _Registry:
    """Functions by name: those registered in code, and entry points loaded once, on demand."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._registered: dict[str, Function] = {}
        self._loaded: dict[str, Function] = {}

    def register(self, name: str, function: Function) -> None:
        if not callable(function):
            raise TypeError(f"function {name!r} must be callable, not {type(function).__name__}")
        with self._lock:
            self._registered[name] = function

    def unregister(self, name: str) -> bool:
        with self._lock:
            return self._registered.pop(name, None) is not None

    def names(self) -> list[str]:
        """Every function name, code point order; entry points are listed, not imported."""
        declared = {entry.name for entry in entry_points(group=FUNCTIONS_ENTRY_POINT_GROUP)}
        with self._lock:
            return sorted(declared | set(self._registered))

    def get(self, name: str) -> Function:
        with self._lock:
            function = self._registered.get(name) or self._loaded.get(name)
        if function is not None:
            return function
        declared = [
            entry for entry in entry_points(group=FUNCTIONS_ENTRY_POINT_GROUP) if entry.name == name
        ]
        if not declared:
            raise FunctionNotFoundError(
                f"no function named {name!r} is registered "
                f"(register_function or the entry-point group {FUNCTIONS_ENTRY_POINT_GROUP!r})"
            )
        loaded = declared[0].load()  # its import error is the invocation's failure
        if not callable(loaded):
            raise TypeError(
                f"entry point {declared[0].value!r} of function {name!r} is not callable"
            )
        with self._lock:
            self._loaded.setdefault(name, loaded)
            return self._loaded[name]


_REGISTRY: Final = _Registry()


@overload
def register_function(name: str) -> Callable[[F], F]: ...
@overload
def register_function(name: str, function: F) -> F: ...
def register_function(name: str, function: F | None = None) -> F | Callable[[F], F]:
    """Make ``function`` callable by local serverless connectors as ``name`` (replacing one
    registered before under that name); without ``function``, a decorator that does it.

    ``name`` is an identifier like any other (non-empty, ≤ 255 characters): it is stored in
    every invocation record. ``ValidationError`` otherwise; ``TypeError`` for a non-callable."""
    checked = values.identifier(name, "name")

    def register(given: F) -> F:
        _REGISTRY.register(checked, given)
        return given

    return register if function is None else register(function)


def unregister_function(name: str) -> bool:
    """Forget a function registered in code; True when there was one (entry points stay)."""
    return _REGISTRY.unregister(name)


def function_names() -> list[str]:
    """The names of every function a local connector can invoke, in code point order."""
    return _REGISTRY.names()


def get_function(name: str) -> Function:
    """The function registered as ``name``, importing its entry point on first use;
    ``FunctionNotFoundError`` when there is none, the entry point's own error when it fails to
    load."""
    return _REGISTRY.get(name)


__all__ = [
    "FUNCTIONS_ENTRY_POINT_GROUP",
    "LOCAL_RUNTIME",
    "Function",
    "FunctionNotFoundError",
    "function_names",
    "get_function",
    "register_function",
    "unregister_function",
]

"""Local functions by name: registered in code (a call or a decorator) or declared by an entry
point of the group ``integration_store.functions``, imported only when first invoked."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from integration_store import ConnectorError, ValidationError, functions, open_store
from integration_store.functions import (
    FUNCTIONS_ENTRY_POINT_GROUP,
    FunctionNotFoundError,
    function_names,
    get_function,
    register_function,
    unregister_function,
)
from integration_store.live.functions import FunctionClient


@pytest.fixture
def declared(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Two installed entry points: one that imports, one whose module does not exist."""
    points = [
        EntryPoint("ep.dumps", "json:dumps", FUNCTIONS_ENTRY_POINT_GROUP),
        EntryPoint("ep.broken", "no_such_module_4711:run", FUNCTIONS_ENTRY_POINT_GROUP),
    ]

    def entry_points(group: str) -> list[EntryPoint]:
        return points if group == FUNCTIONS_ENTRY_POINT_GROUP else []

    monkeypatch.setattr(functions, "entry_points", entry_points)
    yield
    unregister_function("ep.dumps")


def test_the_decorator_registers_and_returns_the_function() -> None:
    @register_function("registry.double")
    def double(payload: dict[str, Any]) -> int:
        return int(payload["n"]) * 2

    try:
        assert get_function("registry.double") is double
        assert "registry.double" in function_names()
    finally:
        assert unregister_function("registry.double")
    assert not unregister_function("registry.double")
    with pytest.raises(FunctionNotFoundError):
        get_function("registry.double")


def test_a_bad_name_or_a_non_callable_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        register_function("", lambda payload: None)
    assert raised.value.field == "name"
    with pytest.raises(TypeError, match="must be callable"):
        register_function("registry.text", "not a function")  # type: ignore[call-overload]


def test_entry_points_are_listed_without_importing_and_loaded_on_first_use(declared: None) -> None:
    assert {"ep.dumps", "ep.broken"} <= set(function_names())  # the broken one did not fail

    assert get_function("ep.dumps")({"a": 1}) == '{"a": 1}'


def test_a_name_registered_in_code_wins_over_an_entry_point(declared: None) -> None:
    mine = register_function("ep.dumps", lambda payload: "mine")

    assert get_function("ep.dumps") is mine


def test_an_entry_point_that_fails_to_import_fails_the_invocation_clearly(declared: None) -> None:
    with open_store("memory://") as store:
        store.connectors.create_serverless_connector("t", "n", platform="local", connector_id="c")
        with store.connectors.open("c") as client:
            assert isinstance(client, FunctionClient)
            with pytest.raises(ConnectorError, match="ModuleNotFoundError: No module named"):
                client.invoke("ep.broken", {})
            assert client.invoke("ep.dumps", {"b": [1]})["result"] == '{"b": [1]}'

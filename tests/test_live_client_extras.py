"""A live client whose provider library is not installed says which extra to install."""

from __future__ import annotations

import sys

import pytest

from integration_store import FileConnector, UnsupportedOperationError, open_store


def test_a_missing_provider_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in list(sys.modules):
        if module.startswith(("integration_store.live.file", "integration_store.live.local_files")):
            monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "fsspec", None)  # as if not installed

    with open_store("memory://") as store:
        store.connectors.register(FileConnector("f", "t", "files"))
        extra = r"integration-store\[files\]"
        with pytest.raises(UnsupportedOperationError, match=extra) as raised:
            store.connectors.open("f")

    assert isinstance(raised.value.__cause__, ModuleNotFoundError)

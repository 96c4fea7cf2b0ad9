"""A builtin vector connector on a SQLite file, written by one process and searched by another:
each search sees every upsert and delete the other process committed before it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration_store import ConnectorConfig, open_store
from integration_store.protocols import VECTORS
from integration_store.store import Store

pytest.importorskip("numpy")

_CHILD = textwrap.dedent(
    """
    import json, sys
    from integration_store import open_store

    with open_store({url!r}) as store, store.connectors.open("vec") as client:
        for line in sys.stdin:
            call, arguments = json.loads(line)
            print(json.dumps(getattr(client, call)(*arguments)), flush=True)
    """
)


class Child:
    """Another process with its own store and client on the same file, driven line by line."""

    def __init__(self, url: str) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", _CHILD.format(url=url)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def call(self, name: str, *arguments: Any) -> Any:
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps([name, list(arguments)]) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        assert line, f"the child process ended (exit code {self._process.wait(timeout=30)})"
        return json.loads(line)

    def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        assert self._process.wait(timeout=60) == 0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path}/vectors.db") as store:
        store.create_schema()
        assert VECTORS in store.capabilities
        store.connectors.create_vector_connector(
            "t", "V", ConnectorConfig(), vector_dimension=3, connector_id="vec"
        )
        yield store


@pytest.fixture
def child(store: Store, tmp_path: Path) -> Iterator[Child]:
    process = Child(f"sqlite:///{tmp_path}/vectors.db")
    yield process
    process.close()


def _ids(hits: list[dict[str, Any]]) -> list[str]:
    return [hit["id"] for hit in hits]


def test_searches_in_one_process_see_the_writes_of_another(store: Store, child: Child) -> None:
    with store.connectors.open("vec") as client:
        assert client.search([1, 0, 0]) == []
        assert child.call("search", [1, 0, 0]) == []

        child.call("upsert_vectors", [{"id": "a", "values": [1, 0, 0], "metadata": {"n": 1}}])
        assert client.search([1, 0, 0]) == [{"id": "a", "score": 1.0, "metadata": {"n": 1}}]

        client.upsert_vectors([{"id": "b", "values": [0, 1, 0]}, {"id": "a", "values": [0, 0, 1]}])
        assert _ids(child.call("search", [0, 1, 0])) == ["b", "a"]

        assert child.call("delete_vectors", ["b"]) == {"deleted": 1, "status": "success"}
        assert _ids(client.search([0, 1, 0])) == ["a"]
        assert _ids(child.call("search", [0, 1, 0])) == ["a"]

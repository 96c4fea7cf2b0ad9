"""A Mongo vector upsert outside a transaction is all or nothing: when its batch or its
generation fails part-way, every id it touched is put back as it was before the error is raised
(the server has no transaction to abort)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

pytest.importorskip("mongomock")

from pymongo.errors import OperationFailure, WriteError

from integration_store import IntegrationStoreError, open_store
from integration_store.backends.mongo.binding import Binding
from integration_store.protocols import VectorStorage
from integration_store.records import Record
from integration_store.store import Store

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _vector(vector_id: str, values: bytes) -> Record:
    return {"connector_id": "c", "vector_id": vector_id, "dimension": len(values) // 4,
            "vector_values": values, "metadata": {"v": vector_id}, "updated_at": NOW}  # fmt: skip


@pytest.fixture
def store() -> Store:
    return open_store("mongomock://")


def _vectors(store: Store) -> VectorStorage:
    storage = store.backend.storages.vectors
    assert storage is not None
    return storage


def test_a_failed_generation_puts_every_vector_back_as_it_was(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors = _vectors(store)
    vectors.upsert("c", [_vector("old", b"\x00" * 4)])

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OperationFailure("injected: the generation could not be written")

    monkeypatch.setattr(Binding, "upsert", refuse)
    with pytest.raises(IntegrationStoreError, match="injected"):
        vectors.upsert("c", [_vector("old", b"\x01" * 4), _vector("new", b"\x02" * 4)])
    monkeypatch.undo()

    assert vectors.load("c", None, 10) == [_vector("old", b"\x00" * 4)]
    assert vectors.generation("c") == 1


def test_a_batch_failing_part_way_puts_the_written_ids_back(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors = _vectors(store)
    vectors.upsert("c", [_vector("a", b"\x00" * 4), _vector("b", b"\x00" * 4)])
    replace_all = Binding.replace_all
    calls: list[int] = []

    def fail_after_the_first(self: Binding, name: str, documents: Any) -> None:
        calls.append(len(documents))
        if len(calls) > 1:  # the restoring call goes through
            replace_all(self, name, documents)
            return
        replace_all(self, name, documents[:1])  # the first goes in, then the batch stops
        raise WriteError("injected: the batch stopped", 2)

    monkeypatch.setattr(Binding, "replace_all", fail_after_the_first)
    with pytest.raises(IntegrationStoreError, match="injected"):
        vectors.upsert("c", [_vector("a", b"\x01" * 4), _vector("z", b"\x01" * 4)])
    monkeypatch.undo()

    assert vectors.load("c", None, 10) == [_vector("a", b"\x00" * 4), _vector("b", b"\x00" * 4)]
    assert vectors.generation("c") == 1
    assert calls == [2, 1]  # the batch, then the one stored version put back

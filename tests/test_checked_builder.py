"""``object_copies.checked_builder``: the object ``cls(**values, **stamps)`` would make."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import attrs
import pytest

from integration_store import Connector, FileConnector, VectorConnector
from integration_store.model.connectors import ConnectorConfig, ConnectorStatus
from integration_store.object_copies import checked_builder

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
STAMPS = ("created_at", "updated_at", "revision")


@attrs.frozen
class HookedConnector(Connector):
    kind: ClassVar[str] = "test-hooked"

    seen: list[str] = attrs.field(factory=list)

    def __attrs_post_init__(self) -> None:
        self.seen.append("init ran")


CASES: list[tuple[type[Connector], dict[str, Any]]] = [
    (Connector, {"connector_id": "c", "tenant_id": "t", "name": "n"}),
    (
        Connector,
        {
            "connector_id": "c", "tenant_id": "t", "name": "n", "status": ConnectorStatus.ERROR,
            "config": ConnectorConfig(endpoint="https://x"), "metadata": {"a": [1]},
            "last_error": "boom", "error_count": 2,
        },
    ),
    (VectorConnector, {"connector_id": "v", "tenant_id": "t", "name": "n", "vector_dimension": 3}),
    (FileConnector, {"connector_id": "f", "tenant_id": "t", "name": "n"}),
    (HookedConnector, {"connector_id": "h", "tenant_id": "t", "name": "n"}),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "values"), CASES, ids=lambda case: getattr(case, "__name__", ""))
def test_a_built_object_is_the_one_init_makes(cls: type[Connector], values: dict[str, Any]) -> None:
    build = checked_builder(cls, STAMPS)

    built = build(values, NOW, NOW, 1)
    made = cls(**values, created_at=NOW, updated_at=NOW, revision=1)

    assert type(built) is cls
    assert repr(built) == repr(made)


def test_defaults_made_by_a_factory_are_new_for_each_object() -> None:
    build = checked_builder(Connector, STAMPS)
    values = {"connector_id": "c", "tenant_id": "t", "name": "n"}

    first, second = build(values, NOW, NOW, 1), build(values, NOW, NOW, 1)

    assert first.metadata == {} and first.metadata is not second.metadata
    assert first.config is not None and first.config == ConnectorConfig()


def test_a_config_is_built_as_its_init_makes_it() -> None:
    values = {"endpoint": "https://x", "credentials": {"k": "v"}, "options": {"n": 1}}
    build = checked_builder(ConnectorConfig, ())

    assert repr(build(values)) == repr(ConnectorConfig(**values))  # type: ignore[arg-type]

"""The write cap's sizes written out per class (``write_size``) against its general walk."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any, ClassVar
from uuid import UUID

import attrs
import pytest

from integration_store import Connector, FileConnector, VectorConnector, jsoncodec, write_size
from integration_store.model.connectors import ConnectorConfig, ConnectorStatus
from integration_store.services.connector_checks import checked_connector_fields

NOW = datetime(2026, 1, 2, tzinfo=UTC)


class Shade(str, Enum):
    DARK = "dark-ünïcode"


@attrs.frozen
class SizedConnector(Connector):
    kind: ClassVar[str] = "test-sized"

    note: str | None = None
    shade: Shade = Shade.DARK
    settings: dict[str, Any] = attrs.field(factory=dict)
    tags: list[str] = attrs.field(factory=list)
    seen_at: datetime | None = None
    batch: UUID | None = None
    weight: float = 1.5


CONFIG = ConnectorConfig(
    endpoint="https://ëxample.com/v1", credentials={"key": "sk-ü"}, options={"n": [1, "二"]}
)
CONNECTORS = [
    Connector(connector_id="c", tenant_id="t", name="n"),
    Connector(
        connector_id="c", tenant_id="t", name="名前", config=CONFIG, status=ConnectorStatus.ERROR,
        last_error="bröken", metadata={"a": {"b": [None, 1.5, "ü"]}},
    ),
    VectorConnector(connector_id="v", tenant_id="t", name="n", metadata={"x": []}),
    FileConnector(connector_id="f", tenant_id="t", name="n", config=CONFIG),
    SizedConnector(connector_id="s", tenant_id="t", name="n"),
    SizedConnector(
        connector_id="s", tenant_id="t", name="n", note="ñote", settings={"k": {"v": "ß"}},
        tags=["a", "b"], seen_at=NOW, batch=UUID(int=1), weight=2.0,
    ),
]  # fmt: skip


@pytest.mark.parametrize("connector", CONNECTORS, ids=lambda c: type(c).__name__)
def test_checked_fields_are_sized_as_the_general_walk_sizes_them(connector: Connector) -> None:
    with jsoncodec.texts_reused():
        cls, checked = checked_connector_fields(connector)

        written_out = write_size._fields_size(cls)(checked)
        walked = write_size._total_size(checked.values())

    assert written_out == walked
    assert walked >= len(checked["name"].encode("utf-8")) + len(checked["connector_id"])


@pytest.mark.parametrize("config", [ConnectorConfig(), CONFIG], ids=["default", "non-ascii"])
def test_a_config_object_is_sized_as_its_fields_are(config: ConnectorConfig) -> None:
    fields = [getattr(config, field.name) for field in attrs.fields(ConnectorConfig)]
    expected = sum(
        len(value.encode("utf-8")) if isinstance(value, str) else
        len(jsoncodec.dumps(value).encode("utf-8")) if isinstance(value, dict) and value else
        2 if isinstance(value, dict) else 0
        for value in fields
    )  # fmt: skip

    assert write_size.encoded_size(config) == expected

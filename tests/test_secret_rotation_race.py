"""``rotate_secrets`` rewrites each connector at the revision it read: a config written after
the rotation read the connector is resealed as it is now, never replaced by the older one."""

from __future__ import annotations

from typing import Any

import pytest

from integration_store import Connector, ConnectorConfig, open_store
from integration_store import store as store_module
from integration_store.secrets import generate_key


@pytest.mark.parametrize("url", ["memory://", "sqlite://", "mongomock://"])
def test_a_config_written_while_rotation_runs_is_kept(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(url, secret_key=generate_key())
    store.create_schema()
    store.connectors.register(
        Connector(
            connector_id="c",
            tenant_id="t",
            name="c",
            config=ConnectorConfig(credentials={"api_key": "before"}),
        )
    )
    reseal = store_module.resealed
    raced: list[Connector] = []

    def racing(record: dict[str, Any], old: Any, new: Any) -> Any:
        # Another writer changes the credentials after the rotation read the connector.
        if not raced:
            config = ConnectorConfig(credentials={"api_key": "during"})
            raced.append(store.connectors.update_config("c", config))
        return reseal(record, old, new)

    monkeypatch.setattr(store_module, "resealed", racing)
    new_key = generate_key()

    assert store.rotate_secrets(new_key) == 1

    rotated = store.connectors.get("c")
    assert rotated is not None
    assert rotated.config.credentials == {"api_key": "during"}
    assert rotated.revision == raced[0].revision + 1 == 3

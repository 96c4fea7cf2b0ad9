"""Conflict errors of connector registration that name the offending connector of a batch."""

from __future__ import annotations

from collections.abc import Sequence

from integration_store.errors import ConnectorAlreadyExistsError, DuplicateConnectorNameError
from integration_store.model.connectors import Connector


def refuse_repeats(connectors: Sequence[Connector]) -> None:
    """Conflicts inside a batch, found before any write: a repeated id or (tenant_id, name)."""
    ids: set[str] = set()
    names: set[tuple[str, str]] = set()
    for index, connector in enumerate(connectors):
        if connector.connector_id in ids:
            raise already_exists(connector, index, "is repeated in the batch")
        if (connector.tenant_id, connector.name) in names:
            raise duplicate_name(connector, index, repeated=True)
        ids.add(connector.connector_id)
        names.add((connector.tenant_id, connector.name))


def already_exists(
    connector: Connector, index: int | None = None, why: str = "already exists"
) -> ConnectorAlreadyExistsError:
    """The id is taken (``index``: the connector's place in a batch)."""
    where = "" if index is None else f"connectors[{index}]: "
    return ConnectorAlreadyExistsError(
        f"{where}connector {connector.connector_id!r} {why}",
        connector_id=connector.connector_id,
        connector_type=connector.connector_type,
    )


def duplicate_name(
    connector: Connector, index: int | None = None, *, repeated: bool = False
) -> DuplicateConnectorNameError:
    """The tenant already uses the name, or (``repeated``) the batch uses it twice."""
    where = "" if index is None else f"connectors[{index}] ({connector.connector_id!r}): "
    tenant, name = connector.tenant_id, connector.name
    problem = (
        f"tenant {tenant!r}: the name {name!r} is repeated in the batch"
        if repeated
        else f"tenant {tenant!r} already has a connector named {name!r}"
    )
    return DuplicateConnectorNameError(
        f"{where}{problem}",
        connector_id=connector.connector_id,
        connector_type=connector.connector_type,
    )

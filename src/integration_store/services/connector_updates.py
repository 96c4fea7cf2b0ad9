"""The state changes of ``ConnectorRegistry``: counters, status, config and metadata.

Each is one atomic update in the backend that also adds 1 to the connector's ``revision``;
the ``update_*`` calls take ``expected_revision`` and are then applied only to a connector still
at that revision (tested by the backend in the same statement as the write).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from integration_store import values
from integration_store.errors import ConnectorNotFoundError
from integration_store.model.connectors import Connector, ConnectorConfig, ConnectorStatus
from integration_store.protocols import ConnectorStorage
from integration_store.records import connector_from_record, converter
from integration_store.services import revisions
from integration_store.services.connector_checks import check_fields
from integration_store.services.context import ServiceContext

_CONNECTED: Final = ConnectorStatus.CONNECTED.value
_ERROR: Final = ConnectorStatus.ERROR.value
_DISCONNECTED: Final = ConnectorStatus.DISCONNECTED.value
_COUNT_CONNECTION: Final = revisions.with_one_write({"connection_count": 1})
_COUNT_ERROR: Final = revisions.with_one_write({"error_count": 1})


class ConnectorUpdates:
    """State changes of connectors (the registry's writes after registration)."""

    _storage: ConnectorStorage
    _context: ServiceContext

    def record_connection(
        self, connector_id: str, now: datetime | None = None, *, tenant_id: str | None = None
    ) -> Connector:
        """Count a successful connection: status connected, ``last_connected`` = now."""
        connector_id = values.identifier(connector_id, "connector_id")
        tenant_id = values.optional_identifier(tenant_id, "tenant_id")
        when = self._when(now)
        return self._change(
            connector_id,
            tenant_id,
            {"status": _CONNECTED, "last_connected": when, "updated_at": when},
            _COUNT_CONNECTION,
        )

    def record_error(
        self,
        connector_id: str,
        error: str,
        now: datetime | None = None,
        *,
        tenant_id: str | None = None,
    ) -> Connector:
        """Count a connection error: status error, ``last_error`` = error."""
        connector_id = values.identifier(connector_id, "connector_id")
        error = values.text(error, "error")
        values.check_write_size({"error": error})
        tenant_id = values.optional_identifier(tenant_id, "tenant_id")
        when = self._when(now)
        return self._change(
            connector_id,
            tenant_id,
            {"status": _ERROR, "last_error": error, "updated_at": when},
            _COUNT_ERROR,
        )

    def disconnect(self, connector_id: str, *, tenant_id: str | None = None) -> Connector:
        """Mark the connector disconnected."""
        connector_id = values.identifier(connector_id, "connector_id")
        tenant_id = values.optional_identifier(tenant_id, "tenant_id")
        when = self._context.now()
        return self._change(
            connector_id,
            tenant_id,
            {"status": _DISCONNECTED, "updated_at": when},
            revisions.ONE_WRITE,
        )

    def update_status(
        self,
        connector_id: str,
        status: ConnectorStatus | str,
        *,
        tenant_id: str | None = None,
        expected_revision: int | None = None,
    ) -> Connector:
        """Set the connector's status (counters untouched).

        With ``expected_revision``, only a connector still at that revision is changed; another
        raises ``StaleObjectError``. ``ConnectorNotFoundError`` when there is no such connector.
        """
        checked_id = values.identifier(connector_id, "connector_id")
        checked_status = values.enum_member(status, ConnectorStatus, "status")
        return self._update(
            checked_id, tenant_id, expected_revision, {"status": checked_status.value}
        )

    def update_config(
        self,
        connector_id: str,
        config: ConnectorConfig,
        *,
        tenant_id: str | None = None,
        expected_revision: int | None = None,
    ) -> Connector:
        """Replace the connector's config (credentials included) — see ``update_status`` for
        ``expected_revision`` and the errors."""
        checked_id = values.identifier(connector_id, "connector_id")
        checked = check_fields(Connector, {"config": config})
        values.check_write_size(checked)
        return self._update(
            checked_id,
            tenant_id,
            expected_revision,
            {"config": converter.unstructure(checked["config"])},
        )

    def update_metadata(
        self,
        connector_id: str,
        metadata: dict[str, Any],
        *,
        tenant_id: str | None = None,
        expected_revision: int | None = None,
    ) -> Connector:
        """Replace the connector's metadata dict — see ``update_status`` for
        ``expected_revision`` and the errors."""
        checked_id = values.identifier(connector_id, "connector_id")
        checked = values.json_object(metadata, "metadata")
        values.check_write_size({"metadata": checked})
        return self._update(checked_id, tenant_id, expected_revision, {"metadata": checked})

    def _update(
        self,
        connector_id: str,
        tenant_id: str | None,
        expected_revision: int | None,
        changes: dict[str, Any],
    ) -> Connector:
        scope = values.optional_identifier(tenant_id, "tenant_id")
        expected = revisions.expected(expected_revision)
        changes["updated_at"] = self._context.now()
        return self._change(connector_id, scope, changes, revisions.ONE_WRITE, expected)

    def _when(self, now: datetime | None) -> datetime:
        return self._context.now() if now is None else values.timestamp(now, "now")

    def _change(
        self,
        connector_id: str,
        tenant_id: str | None,
        changes: Mapping[str, Any],
        increments: Mapping[str, int],
        expected_revision: int | None = None,
    ) -> Connector:
        """One atomic update; ``increments`` carry the revision step (``with_one_write``)."""
        record = self._storage.update(
            connector_id,
            tenant_id,
            changes,
            increments,
            expected_revision,
        )
        if record is not None:
            return connector_from_record(record)
        if expected_revision is not None:
            # Refused: the connector is missing (not found) or at another revision (stale).
            found = self._storage.get(connector_id)
            if found is not None and (tenant_id is None or found["tenant_id"] == tenant_id):
                raise revisions.stale(f"connector {connector_id!r}", expected_revision, found)
        raise ConnectorNotFoundError(
            f"connector {connector_id!r} not found", connector_id=connector_id
        )

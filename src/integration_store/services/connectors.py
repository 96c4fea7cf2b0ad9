"""``ConnectorRegistry``: registration, lookup, listing, statistics and state changes."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from integration_store import jsoncodec, paging, values
from integration_store.errors import (
    ConflictError,
    ConnectorNotFoundError,
    DuplicateConnectorNameError,
    UnsupportedOperationError,
)
from integration_store.model.connectors import (
    Connector,
    ConnectorConfig,
    ConnectorStats,
    ConnectorStatus,
    ConnectorType,
    FileConnector,
    ServerlessConnector,
    VectorConnector,
)
from integration_store.object_copies import checked_builder
from integration_store.paging import Page
from integration_store.protocols import VECTORS, ConnectorQuery, ConnectorStorage, VectorStorage
from integration_store.records import connector_from_record, connector_to_record
from integration_store.services import revisions
from integration_store.services.connector_checks import check_fields, checked_connector_fields
from integration_store.services.connector_conflicts import (
    already_exists,
    duplicate_name,
    refuse_repeats,
)
from integration_store.services.connector_data import drop_vectors, vector_connector_ids
from integration_store.services.connector_updates import ConnectorUpdates
from integration_store.services.context import ServiceContext

if TYPE_CHECKING:
    from integration_store.live.client import ConnectorClient
    from integration_store.live.connections import LiveConnections

C = TypeVar("C", bound=Connector)

_STAMPS: tuple[str, ...] = ("created_at", "updated_at", "revision")
_BUILDERS: dict[type, Any] = {}
"""Per connector class: its ``checked_builder`` with the store-stamped fields."""


class ConnectorRegistry(ConnectorUpdates):
    """Registry of connectors, tenant-isolated, on any backend.

    Lists are ordered by (name, connector_id). State changes (``ConnectorUpdates``) are single
    atomic updates in the backend; counters never lose an increment.
    """

    def __init__(
        self,
        storage: ConnectorStorage | None = None,
        context: ServiceContext | None = None,
        live: LiveConnections | None = None,
        vectors: VectorStorage | None = None,
    ) -> None:
        """A registry over a store's connector storage (what ``store.connectors`` is), which
        opens live clients from ``live`` and removes a deleted connector's ``vectors``.

        ``ConnectorRegistry()`` with no arguments, as upstream's, is a registry of its own over
        a new private ``memory://`` store, which lives as long as the registry."""
        if storage is None:
            if context is not None or live is not None or vectors is not None:
                raise TypeError("ConnectorRegistry() takes a storage with its context, or nothing")
            from integration_store.store import open_store

            self._private_store = open_store("memory://")  # lives as long as the registry
            own = self._private_store.connectors
            storage, context, live = own._storage, own._context, own._live
            vectors = own._vectors
        elif context is None:
            raise TypeError("ConnectorRegistry(storage, context): a storage needs its context")
        self._storage = storage
        self._context = context
        self._live: LiveConnections | None = live
        self._vectors: VectorStorage | None = vectors

    # ---- registration -------------------------------------------------------------------

    def register(self, connector: C) -> C:
        """Store a new connector, stamping ``created_at``/``updated_at`` from the store's clock.

        Raises ``ConnectorAlreadyExistsError`` for a taken connector_id and
        ``DuplicateConnectorNameError`` for a name the tenant already uses.
        """
        with jsoncodec.texts_reused():  # its JSON values are encoded once, by their checks
            cls, checked = checked_connector_fields(connector)
            return cast(C, self._insert(cls, checked))

    def register_many(self, connectors: Iterable[Connector]) -> builtins.list[Connector]:
        """Store new connectors in one backend round trip, all or nothing.

        Stores exactly what ``register`` would for each connector in turn (one clock reading per
        connector, in order), but every connector is validated before anything is drawn or
        written: a bad one raises ``ValidationError`` naming it (``connectors[3].name``). A
        connector_id or (tenant_id, name) already stored, or repeated within the batch, raises
        ``ConnectorAlreadyExistsError`` / ``DuplicateConnectorNameError`` naming the offending
        connector (``connectors[3]``), and none of the batch is stored. At most
        ``values.MAX_BATCH`` connectors; an empty batch returns ``[]`` without a backend call.
        """
        with jsoncodec.texts_reused():  # their JSON values are encoded once, by their checks
            return self._register_many(values.batch(connectors, "connectors"))

    def _register_many(self, items: builtins.list[Any]) -> builtins.list[Connector]:
        checked = [
            checked_connector_fields(item, f"connectors[{i}]") for i, item in enumerate(items)
        ]
        if not checked:
            return []
        stamped = [self._stamped(cls, fields) for cls, fields in checked]
        refuse_repeats(stamped)
        try:
            self._storage.insert_many([connector_to_record(connector) for connector in stamped])
        except ConflictError as conflict:
            raise self._batch_conflict_error(stamped) from conflict
        return stamped

    def create_vector_connector(
        self,
        tenant_id: str,
        name: str,
        config: ConnectorConfig | None = None,
        vector_dimension: int = 1536,
        distance_metric: str = "cosine",
        connector_id: str | None = None,
    ) -> VectorConnector:
        """Create and register a vector connector (id from the store's id factory when None)."""
        return self._create(
            VectorConnector,
            connector_id,
            tenant_id,
            name,
            config,
            vector_dimension=vector_dimension,
            distance_metric=distance_metric,
        )

    def create_file_connector(
        self,
        tenant_id: str,
        name: str,
        config: ConnectorConfig | None = None,
        storage_type: str = "local",
        base_path: str = "/",
        connector_id: str | None = None,
    ) -> FileConnector:
        """Create and register a file connector (id from the store's id factory when None)."""
        return self._create(
            FileConnector,
            connector_id,
            tenant_id,
            name,
            config,
            storage_type=storage_type,
            base_path=base_path,
        )

    def create_serverless_connector(
        self,
        tenant_id: str,
        name: str,
        config: ConnectorConfig | None = None,
        platform: str = "aws_lambda",
        region: str = "us-east-1",
        connector_id: str | None = None,
    ) -> ServerlessConnector:
        """Create and register a serverless connector (id from the store's id factory when None)."""
        return self._create(
            ServerlessConnector,
            connector_id,
            tenant_id,
            name,
            config,
            platform=platform,
            region=region,
        )

    def _create(
        self,
        cls: type[C],
        connector_id: str | None,
        tenant_id: str,
        name: str,
        config: ConnectorConfig | None,
        **own_fields: Any,
    ) -> C:
        # Everything given is checked before the id factory is drawn, so a rejected call draws
        # nothing; the class's own defaults fill every field not given.
        given: dict[str, Any] = {
            "tenant_id": tenant_id,
            "name": name,
            "config": ConnectorConfig() if config is None else config,
            **own_fields,
        }
        if connector_id is not None:
            given["connector_id"] = connector_id
        checked = check_fields(cls, given)
        values.check_write_size(checked)
        if connector_id is None:
            checked["connector_id"] = str(self._context.new_id())
        return self._insert(cls, checked)

    def _stamped(self, cls: type[C], checked: dict[str, Any]) -> C:
        """The connector of checked fields, stamped from the store's clock. Its JSON values are
        the checks' fresh copies, shared with nothing the caller holds, so it is what the
        register calls return."""
        now = self._context.now()
        build = _BUILDERS.get(cls)
        if build is None:
            build = _BUILDERS[cls] = checked_builder(cls, _STAMPS)
        return cast(C, build(checked, now, now, revisions.FIRST))

    def _insert(self, cls: type[C], checked: dict[str, Any]) -> C:
        stamped = self._stamped(cls, checked)
        try:
            self._storage.insert(connector_to_record(stamped))
        except ConflictError as conflict:
            if self._storage.get(stamped.connector_id) is not None:
                raise already_exists(stamped) from conflict
            raise duplicate_name(stamped) from conflict
        return stamped

    def _batch_conflict_error(self, connectors: builtins.list[Connector]) -> ConflictError:
        """Storage refused the batch: probe which connector clashes with a stored one."""
        for index, connector in enumerate(connectors):
            if self._storage.get(connector.connector_id) is not None:
                return already_exists(connector, index)
            if self._storage.get_by_name(connector.tenant_id, connector.name) is not None:
                return duplicate_name(connector, index)
        # The clashing row went away meanwhile; the single call falls back to the same class.
        return DuplicateConnectorNameError(
            "connectors: the batch clashed with a connector that was removed since"
        )

    # ---- reads --------------------------------------------------------------------------

    def get(self, connector_id: str, *, tenant_id: str | None = None) -> Connector | None:
        """The connector, or None; with ``tenant_id``, another tenant's connector is None too."""
        connector_id = values.identifier(connector_id, "connector_id")
        tenant_id = values.optional_identifier(tenant_id, "tenant_id")
        record = self._storage.get(connector_id)
        if record is None or (tenant_id is not None and record["tenant_id"] != tenant_id):
            return None
        return connector_from_record(record)

    def get_by_name(self, tenant_id: str, name: str) -> Connector | None:
        """The tenant's connector with exactly that name (code-point equality), or None."""
        record = self._storage.get_by_name(
            values.identifier(tenant_id, "tenant_id"), values.identifier(name, "name")
        )
        return None if record is None else connector_from_record(record)

    def list(
        self,
        tenant_id: str | None = None,
        connector_type: ConnectorType | None = None,
        status: ConnectorStatus | None = None,
        limit: int = 100,
        offset: int = 0,
        *,
        after: str | None = None,
    ) -> builtins.list[Connector]:
        """Connectors matching every given filter, ordered by (name, connector_id), paged.

        ``after`` (a cursor from ``list_page``) continues strictly after that position instead
        of skipping ``offset`` rows; it cannot be combined with a non-zero ``offset``.
        """
        query = self._query(tenant_id, connector_type, status, limit, offset, after)
        return [connector_from_record(record) for record in self._storage.find(query)]

    def list_page(
        self,
        tenant_id: str | None = None,
        connector_type: ConnectorType | None = None,
        status: ConnectorStatus | None = None,
        limit: int = 100,
        *,
        after: str | None = None,
    ) -> Page[Connector]:
        """One keyset page of ``list``: pass its ``next_cursor`` as ``after`` for the next one.

        Walking the pages gives the whole listing in order, without repeats or gaps, even when
        connectors are added or removed between pages (each row is seen where it sorts).
        """
        items = self.list(tenant_id, connector_type, status, limit, after=after)
        last = items[-1] if items and len(items) == limit else None
        cursor = None if last is None else paging.connector_cursor(last.name, last.connector_id)
        return Page(items=items, next_cursor=cursor)

    def _query(
        self,
        tenant_id: str | None,
        connector_type: ConnectorType | None,
        status: ConnectorStatus | None,
        limit: int,
        offset: int,
        after: str | None,
    ) -> ConnectorQuery:
        checked_limit, checked_offset = values.page(limit, offset)
        paging.check_after(after, checked_offset)
        return ConnectorQuery(
            tenant_id=values.optional_identifier(tenant_id, "tenant_id"),
            connector_type=None
            if connector_type is None
            else values.enum_member(connector_type, ConnectorType, "connector_type").value,
            status=None
            if status is None
            else values.enum_member(status, ConnectorStatus, "status").value,
            limit=checked_limit,
            offset=checked_offset,
            after=None if after is None else paging.decode_connector_cursor(after),
        )

    def get_statistics(self, tenant_id: str | None = None) -> ConnectorStats:
        """Counts over the tenant's connectors (all connectors when ``tenant_id`` is None)."""
        groups = self._storage.count_groups(values.optional_identifier(tenant_id, "tenant_id"))
        by_status: dict[str, int] = {}
        by_type: dict[str, int] = {}
        for group in groups:
            by_status[group.status] = by_status.get(group.status, 0) + group.connectors
            by_type[group.connector_type] = by_type.get(group.connector_type, 0) + group.connectors
        return ConnectorStats(
            total_connectors=sum(group.connectors for group in groups),
            ready_connectors=by_status.get(ConnectorStatus.READY.value, 0),
            connected_connectors=by_status.get(ConnectorStatus.CONNECTED.value, 0),
            error_connectors=by_status.get(ConnectorStatus.ERROR.value, 0),
            connectors_by_type={key: count for key, count in by_type.items() if count},
            total_connections=sum(group.connections for group in groups),
            total_errors=sum(group.errors for group in groups),
        )

    # ---- live clients -------------------------------------------------------------------

    def open(self, connector_id: str, *, tenant_id: str | None = None) -> ConnectorClient[Any]:
        """The live client of a vector, file or serverless connector (``VectorClient``,
        ``FileClient``, ``FunctionClient``), not yet connected: call ``connect()`` or use it as
        a context manager. ``ConnectorNotFoundError`` for an unknown id (or, with
        ``tenant_id``, another tenant's); ``UnsupportedOperationError`` for other types."""
        if self._live is None:
            raise UnsupportedOperationError("this registry was built without a store to open from")
        connector = self.get(connector_id, tenant_id=tenant_id)
        if connector is None:
            raise ConnectorNotFoundError(
                f"connector {connector_id!r} not found", connector_id=connector_id
            )
        client: ConnectorClient[Any] = self._live.open(connector)
        return client

    # ---- removal ------------------------------------------------------------------------

    def delete(self, connector_id: str, *, tenant_id: str | None = None) -> bool:
        """Remove the connector (and its vectors); False when it does not exist (or is another
        tenant's)."""
        connector_id = values.identifier(connector_id, "connector_id")
        tenant_id = values.optional_identifier(tenant_id, "tenant_id")
        deleted = self._storage.delete(connector_id, tenant_id)
        if deleted:
            drop_vectors(self._vectors, self._context, [connector_id])
        return deleted

    def clear_tenant(self, tenant_id: str) -> int:
        """Remove every connector of the tenant (and their vectors); returns how many."""
        tenant_id = values.identifier(tenant_id, "tenant_id")
        keeps_vectors = self._vectors is not None and VECTORS in self._context.capabilities()
        with_vectors = vector_connector_ids(self._storage, tenant_id) if keeps_vectors else []
        removed = self._storage.delete_tenant(tenant_id)
        drop_vectors(self._vectors, self._context, with_vectors)
        return removed

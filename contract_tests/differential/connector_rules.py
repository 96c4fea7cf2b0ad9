"""Rules driving the connector registry: creation, registration, reads, state and removal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import MultipleResults, multiple, rule

from integration_store import (
    Connector,
    ConnectorConfig,
    ConnectorStatus,
    ConnectorType,
    FileConnector,
    Page,
    StaleObjectError,
)
from integration_store.testing import identical_difference

from .. import strategies as gen
from . import arguments as a
from .harness import MachineHarness
from .outcomes import Services


class ConnectorRules(MachineHarness):
    """Every call of ``store.connectors``, compared with the reference."""

    @rule(
        target=a.connector_ids,
        kind=st.sampled_from(["vector", "file", "serverless"]),
        tenant=a.tenants,
        name=a.names,
        config=gen.connector_configs(),
        connector_id=st.one_of(st.none(), st.none(), gen.identifiers(), a.connector_ids),
        extra=st.tuples(gen.small_ints, gen.free_text(12)),
    )
    def create_connector(
        self,
        kind: str,
        tenant: str,
        name: str,
        config: ConnectorConfig | None,
        connector_id: str | None,
        extra: tuple[int, str],
    ) -> MultipleResults[str]:
        """create_vector/file/serverless_connector, with or without an explicit id."""
        number, text = extra

        def call(services: Services) -> Connector:
            registry = services.connectors
            if kind == "vector":
                return registry.create_vector_connector(
                    tenant,
                    name,
                    config,
                    vector_dimension=number,
                    distance_metric=text,
                    connector_id=connector_id,
                )
            if kind == "file":
                return registry.create_file_connector(
                    tenant,
                    name,
                    config,
                    storage_type=text,
                    base_path=text * 2,
                    connector_id=connector_id,
                )
            return registry.create_serverless_connector(
                tenant, name, config, platform=text, region=text[:3], connector_id=connector_id
            )

        self.remember_tenant(tenant)
        result = self.returned(self.compare(f"create_{kind}_connector", call))
        return multiple() if result is None else multiple(result.connector_id)

    @rule(
        target=a.connector_ids,
        cls=st.sampled_from(a.CONNECTOR_CLASSES),
        connector_id=st.one_of(gen.identifiers(), a.connector_ids),
        tenant=a.tenants,
        name=a.names,
        details=st.fixed_dictionaries(
            {
                "config": gen.connector_configs().map(lambda c: c or ConnectorConfig()),
                "status": gen.connector_statuses,
                "capabilities": gen.capability_lists,
                "last_connected": a.optional_times,
                "last_error": st.one_of(st.none(), gen.free_text()),
                "connection_count": a.counters,
                "error_count": a.counters,
                "metadata": gen.json_objects(10),
            }
        ),
        connector_type=gen.connector_types,
    )
    def register_connector(
        self,
        cls: type[Connector],
        connector_id: str,
        tenant: str,
        name: str,
        details: dict[str, Any],
        connector_type: ConnectorType,
    ) -> MultipleResults[str]:
        """register() of a connector built directly, every field generated."""
        fields = dict(details, capabilities=tuple(details["capabilities"]))
        if cls is Connector:
            fields["connector_type"] = connector_type
        connector = cls(connector_id=connector_id, tenant_id=tenant, name=name, **fields)
        self.remember_tenant(tenant)
        result = self.returned(
            self.compare(f"register({cls.__name__})", lambda s: s.connectors.register(connector))
        )
        return multiple() if result is None else multiple(result.connector_id)

    @rule(connector_id=a.connector_ids, scope=st.one_of(st.none(), a.tenants))
    def get_connector(self, connector_id: str, scope: str | None) -> None:
        outcome = self.compare("get", lambda s: s.connectors.get(connector_id, tenant_id=scope))
        found = self.returned(outcome)
        if scope is not None and found is not None:
            assert found.tenant_id == scope, "get(tenant_id=) returned another tenant's row"

    @rule(tenant=a.tenants, name=a.names)
    def get_by_name(self, tenant: str, name: str) -> None:
        found = self.returned(
            self.compare("get_by_name", lambda s: s.connectors.get_by_name(tenant, name))
        )
        if found is not None:
            assert (found.tenant_id, found.name) == (tenant, name)

    @rule(
        tenant=st.one_of(st.none(), a.tenants),
        connector_type=gen.optional_connector_types,
        status=gen.optional_connector_statuses,
        limit=gen.limits(),
        offset=gen.offsets(),
    )
    def list_connectors(
        self,
        tenant: str | None,
        connector_type: ConnectorType | str | None,
        status: ConnectorStatus | str | None,
        limit: int,
        offset: int,
    ) -> None:
        """list() with every filter and random paging."""
        rows = self.returned(
            self.compare(
                "list",
                # Enum values given as their strings are accepted (and stored as members).
                lambda s: s.connectors.list(
                    tenant_id=tenant,
                    connector_type=connector_type,  # type: ignore[arg-type]
                    status=status,  # type: ignore[arg-type]
                    limit=limit,
                    offset=offset,
                ),
            )
        )
        for row in rows or []:
            assert tenant is None or row.tenant_id == tenant, "list() leaked another tenant"

    @rule(
        connector_id=a.connector_ids,
        tenant=a.tenants,
        action=st.sampled_from(["delete", "delete", "delete(tenant_id=)", "clear_tenant"]),
    )
    def remove(self, connector_id: str, tenant: str, action: str) -> None:
        """delete (scoped or not) or clear_tenant: one rule, so rows are not removed too often."""
        if action == "clear_tenant":
            self.compare(action, lambda s: s.connectors.clear_tenant(tenant))
        elif action == "delete":
            self.compare(action, lambda s: s.connectors.delete(connector_id))
        else:
            self.compare(action, lambda s: s.connectors.delete(connector_id, tenant_id=tenant))

    @rule(tenant=st.one_of(st.none(), a.tenants))
    def statistics(self, tenant: str | None) -> None:
        self.compare("get_statistics", lambda s: s.connectors.get_statistics(tenant_id=tenant))

    @rule(
        connector_id=a.connector_ids,
        now=a.optional_times,
        scope=st.one_of(st.none(), st.none(), a.tenants),
    )
    def record_connection(self, connector_id: str, now: datetime | None, scope: str | None) -> None:
        self.compare(
            "record_connection",
            lambda s: s.connectors.record_connection(connector_id, now, tenant_id=scope),
        )

    @rule(
        connector_id=a.connector_ids,
        error=gen.free_text(),
        now=a.optional_times,
        scope=st.one_of(st.none(), st.none(), a.tenants),
    )
    def record_error(
        self, connector_id: str, error: str, now: datetime | None, scope: str | None
    ) -> None:
        self.compare(
            "record_error",
            lambda s: s.connectors.record_error(connector_id, error, now, tenant_id=scope),
        )

    @rule(connector_id=a.connector_ids, scope=st.one_of(st.none(), st.none(), a.tenants))
    def disconnect(self, connector_id: str, scope: str | None) -> None:
        self.compare("disconnect", lambda s: s.connectors.disconnect(connector_id, tenant_id=scope))

    @rule(
        connector_id=a.connector_ids,
        scope=st.one_of(st.none(), st.none(), a.tenants),
        change=st.one_of(
            st.tuples(st.just("status"), gen.connector_statuses),
            st.tuples(
                st.just("config"), gen.connector_configs().map(lambda c: c or ConnectorConfig())
            ),
            st.tuples(st.just("metadata"), gen.json_objects(8)),
        ),
        skew=a.revision_skews,
        raced=st.booleans(),
    )
    def update_connector(
        self,
        connector_id: str,
        scope: str | None,
        change: tuple[str, Any],
        skew: int | None,
        raced: bool,
    ) -> None:
        """update_status / update_config / update_metadata at the revision read before (moved
        by ``skew``), or none; ``raced``: another write lands between the read and the update.
        A stale error is compared with the revisions it names."""
        field, value = change

        def call(services: Services) -> Connector | a.Stale:
            registry = services.connectors
            found = registry.get(connector_id)
            expected = a.expected_revision(None if found is None else found.revision, skew)
            if raced and found is not None:
                registry.record_connection(connector_id)
            update = getattr(registry, f"update_{field}")
            try:
                return update(  # type: ignore[no-any-return]
                    connector_id, value, tenant_id=scope, expected_revision=expected
                )
            except StaleObjectError as stale:
                return ("stale", stale.expected_revision, stale.revision)

        self.compare(f"update_{field}", call)

    @rule(connector_id=a.connector_ids, key=gen.json_keys())
    def mutate_copies(self, connector_id: str, key: str) -> None:
        """Mutating a returned object's dicts never changes stored data."""

        def call(services: Services) -> Connector | None:
            first = services.connectors.get(connector_id)
            if first is not None:
                first.metadata[key] = ["mutated"]
                first.config.options[key] = 1
                first.config.credentials.clear()
            return services.connectors.get(connector_id)

        self.compare("get after mutating a returned copy", call)

    @rule(
        target=a.connector_ids,
        specs=st.lists(
            st.tuples(
                st.sampled_from(a.CONNECTOR_CLASSES),
                st.one_of(gen.identifiers(), a.connector_ids),
                a.tenants,
                st.one_of(st.sampled_from(gen.POOL_NAMES), a.names),
            ),
            max_size=4,
        ),
        repeat=st.sampled_from([None, None, "connector_id", "name"]),
    )
    def register_many(
        self,
        specs: list[tuple[type[Connector], str, str, str]],
        repeat: str | None,
    ) -> MultipleResults[str]:
        """register_many: pool names and stored ids give conflicts with stored rows, ``repeat``
        one inside the batch (the first connector's id or name again)."""
        connectors = [
            cls(connector_id=connector_id, tenant_id=tenant, name=name)
            for cls, connector_id, tenant, name in specs
        ]
        if connectors and repeat is not None:
            first = connectors[0]
            other: dict[str, Any] = {
                "connector_id": first.connector_id[:250] + "'",
                "name": first.name[:250] + "'",
            }
            other[repeat] = getattr(first, repeat)
            connectors.append(FileConnector(tenant_id=first.tenant_id, **other))
        for connector in connectors:
            self.remember_tenant(connector.tenant_id)
        result = self.returned(
            self.compare("register_many", lambda s: s.connectors.register_many(connectors))
        )
        return multiple(*(c.connector_id for c in result or []))

    @rule(
        tenant=st.one_of(st.none(), a.tenants),
        status=gen.optional_connector_statuses,
        limit=st.integers(min_value=1, max_value=4),
        delete_midway=st.one_of(st.none(), a.connector_ids),
    )
    def walk_connector_pages(
        self,
        tenant: str | None,
        status: ConnectorStatus | str | None,
        limit: int,
        delete_midway: str | None,
    ) -> None:
        """Every list_page of a listing, by cursor (perhaps deleting a row after the first)."""

        def call(services: Services) -> list[Page[Connector]]:
            pages: list[Page[Connector]] = []
            after: str | None = None
            while len(pages) <= a.ALL:
                page = services.connectors.list_page(tenant, None, status, limit, after=after)  # type: ignore[arg-type]
                pages.append(page)
                if len(pages) == 1 and delete_midway is not None:
                    services.connectors.delete(delete_midway)
                if page.next_cursor is None:
                    break
                after = page.next_cursor
            return pages

        pages = self.returned(self.compare("list_page walk", call))
        if pages is not None and delete_midway is None:
            walked = [connector for page in pages for connector in page.items]
            listed = self.store.connectors.list(tenant, None, status, a.ALL)  # type: ignore[arg-type]
            self.record("list_page walk = list", identical_difference(walked, listed, "walk"))

"""In-memory connector storage: rows by id, indexed by (tenant_id, name) and by tenant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from integration_store.errors import ConflictError
from integration_store.model import schema
from integration_store.protocols import Changes, ConnectorGroupCount, ConnectorQuery, Increments
from integration_store.records import Record

from .undo_log import UndoLog, clone, record_cloner

clone_record: Final = record_cloner(schema.CONNECTOR)
"""A stored or returned record's copy: the caller never shares containers with the store."""


class MemoryConnectorStorage:
    """``ConnectorStorage`` on dicts."""

    def __init__(self, undo_log: UndoLog) -> None:
        self._undo_log = undo_log
        self._rows: dict[str, Record] = {}
        self._by_name: dict[tuple[str, str], str] = {}
        self._by_tenant: dict[str, set[str]] = {}

    def _add(self, record: Record) -> None:
        connector_id = record["connector_id"]
        self._rows[connector_id] = record
        self._by_name[(record["tenant_id"], record["name"])] = connector_id
        self._by_tenant.setdefault(record["tenant_id"], set()).add(connector_id)

    def _remove(self, connector_id: str) -> Record:
        record = self._rows.pop(connector_id)
        del self._by_name[(record["tenant_id"], record["name"])]
        self._by_tenant[record["tenant_id"]].discard(connector_id)
        return record

    def _drop(self, connector_id: str) -> None:
        self._remove(connector_id)

    def _add_all(self, records: list[Record]) -> None:
        for record in records:
            self._add(record)

    def _replace(self, record: Record) -> None:
        self._rows[record["connector_id"]] = record

    def insert(self, record: Record) -> None:
        if record["connector_id"] in self._rows:
            raise ConflictError(f"connector_id {record['connector_id']!r} is taken")
        if (record["tenant_id"], record["name"]) in self._by_name:
            raise ConflictError(f"name {record['name']!r} is taken in its tenant")
        self._add(clone_record(record))
        self._undo_log.on_rollback(lambda: self._drop(record["connector_id"]))

    def insert_many(self, records: Sequence[Record]) -> None:
        """Every record is checked (against stored rows and each other) before any is added."""
        ids = {record["connector_id"] for record in records}
        names = {(record["tenant_id"], record["name"]) for record in records}
        if len(ids) < len(records) or len(names) < len(records):
            raise ConflictError("a connector_id or (tenant_id, name) is repeated in the batch")
        if not ids.isdisjoint(self._rows) or not names.isdisjoint(self._by_name):
            raise ConflictError("a connector_id or (tenant_id, name) of the batch is taken")
        for record in records:
            self._add(clone_record(record))
        self._undo_log.on_rollback(lambda: self._drop_all(ids))

    def _drop_all(self, connector_ids: set[str]) -> None:
        for connector_id in connector_ids:
            self._remove(connector_id)

    def get(self, connector_id: str) -> Record | None:
        record = self._rows.get(connector_id)
        return None if record is None else clone_record(record)

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        connector_id = self._by_name.get((tenant_id, name))
        return None if connector_id is None else clone_record(self._rows[connector_id])

    def find(self, query: ConnectorQuery) -> list[Record]:
        if query.tenant_id is None:
            candidates = list(self._rows.values())
        else:
            ids = self._by_tenant.get(query.tenant_id, set())
            candidates = [self._rows[connector_id] for connector_id in ids]
        matching = [
            record
            for record in candidates
            if (query.connector_type is None or record["connector_type"] == query.connector_type)
            and (query.status is None or record["status"] == query.status)
            and (query.after is None or (record["name"], record["connector_id"]) > query.after)
        ]
        matching.sort(key=lambda record: (record["name"], record["connector_id"]))
        page = matching[query.offset : query.offset + query.limit]
        return [clone_record(record) for record in page]

    def update(
        self,
        connector_id: str,
        tenant_id: str | None,
        changes: Changes,
        increments: Increments,
        expected_revision: int | None = None,
    ) -> Record | None:
        # The store serialises calls on this backend: nothing writes between test and write.
        before = self._rows.get(connector_id)
        if before is None or (tenant_id is not None and before["tenant_id"] != tenant_id):
            return None
        if expected_revision is not None and before["revision"] != expected_revision:
            return None
        after = {**before, **clone(dict(changes))}
        for field, amount in increments.items():
            after[field] = before[field] + amount
        self._replace(after)
        self._undo_log.on_rollback(lambda: self._replace(before))
        return clone_record(after)

    def delete(self, connector_id: str, tenant_id: str | None) -> bool:
        record = self._rows.get(connector_id)
        if record is None or (tenant_id is not None and record["tenant_id"] != tenant_id):
            return False
        self._remove(connector_id)
        self._undo_log.on_rollback(lambda: self._add(record))
        return True

    def delete_tenant(self, tenant_id: str) -> int:
        ids = sorted(self._by_tenant.get(tenant_id, set()))
        removed = [self._remove(connector_id) for connector_id in ids]
        self._undo_log.on_rollback(lambda: self._add_all(removed))
        return len(removed)

    def count_groups(self, tenant_id: str | None) -> list[ConnectorGroupCount]:
        if tenant_id is None:
            records = list(self._rows.values())
        else:
            records = [self._rows[i] for i in self._by_tenant.get(tenant_id, set())]
        groups: dict[tuple[str, str], list[int]] = {}
        for record in records:
            sums = groups.setdefault((record["connector_type"], record["status"]), [0, 0, 0])
            sums[0] += 1
            sums[1] += record["connection_count"]
            sums[2] += record["error_count"]
        return [
            ConnectorGroupCount(connector_type, status, *sums)
            for (connector_type, status), sums in sorted(groups.items())
        ]

    def clear(self) -> None:
        self._rows.clear()
        self._by_name.clear()
        self._by_tenant.clear()

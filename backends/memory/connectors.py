"""In-memory connector storage: rows by id, indexed by (tenant_id, name) and by tenant."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from typing import Final

from integration_store.errors import ConflictError
from integration_store.json_copies import StoredRecord, kept_changed, kept_record_copier
from integration_store.model import schema
from integration_store.protocols import Changes, ConnectorGroupCount, ConnectorQuery, Increments
from integration_store.records import Record

from .undo_log import UndoLog

kept_copy: Final = kept_record_copier(schema.CONNECTOR)
"""What is stored of a record given: the caller never shares containers with the store."""


OrderKey = tuple[str, str]
"""(name, connector_id): the order of ``find``."""


class MemoryConnectorStorage:
    """``ConnectorStorage`` on dicts, with each tenant's (and all) keys kept in ``find`` order,
    so a page costs its own length, not a sort of the tenant.

    Reads return the stored ``StoredRecord`` itself: a write stores a new one and never changes
    one in place, and the core copies what it hands out."""

    def __init__(self, undo_log: UndoLog) -> None:
        self._undo_log = undo_log
        self._rows: dict[str, StoredRecord] = {}
        self._by_name: dict[tuple[str, str], str] = {}
        self._ordered: dict[str | None, list[OrderKey]] = {None: []}
        """Sorted keys per tenant; under None, every tenant's."""

    def _add(self, record: StoredRecord) -> None:
        connector_id = record["connector_id"]
        self._rows[connector_id] = record
        self._by_name[(record["tenant_id"], record["name"])] = connector_id
        key = (record["name"], connector_id)
        bisect.insort(self._ordered.setdefault(record["tenant_id"], []), key)
        bisect.insort(self._ordered[None], key)

    def _remove(self, connector_id: str) -> StoredRecord:
        record = self._rows.pop(connector_id)
        del self._by_name[(record["tenant_id"], record["name"])]
        key = (record["name"], connector_id)
        for keys in (self._ordered[record["tenant_id"]], self._ordered[None]):
            del keys[bisect.bisect_left(keys, key)]
        return record

    def _drop(self, connector_id: str) -> None:
        self._remove(connector_id)

    def _add_all(self, records: list[StoredRecord]) -> None:
        for record in records:
            self._add(record)

    def _replace(self, record: StoredRecord) -> None:
        before = self._rows[record["connector_id"]]
        if (before["tenant_id"], before["name"]) == (record["tenant_id"], record["name"]):
            self._rows[record["connector_id"]] = record
        else:  # the keys it is found by changed
            self._remove(record["connector_id"])
            self._add(record)

    def insert(self, record: Record) -> None:
        if record["connector_id"] in self._rows:
            raise ConflictError(f"connector_id {record['connector_id']!r} is taken")
        if (record["tenant_id"], record["name"]) in self._by_name:
            raise ConflictError(f"name {record['name']!r} is taken in its tenant")
        self._add(kept_copy(record))
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
            self._add(kept_copy(record))
        self._undo_log.on_rollback(lambda: self._drop_all(ids))

    def _drop_all(self, connector_ids: set[str]) -> None:
        for connector_id in connector_ids:
            self._remove(connector_id)

    def get(self, connector_id: str) -> Record | None:
        record = self._rows.get(connector_id)
        return record

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        connector_id = self._by_name.get((tenant_id, name))
        return None if connector_id is None else self._rows[connector_id]

    def find(self, query: ConnectorQuery) -> list[Record]:
        keys = self._ordered.get(query.tenant_id, [])
        start = 0 if query.after is None else bisect.bisect_right(keys, query.after)
        to_skip, page = query.offset, list[Record]()
        for _, connector_id in itertools.islice(keys, start, None):
            record = self._rows[connector_id]
            if (
                query.connector_type is not None
                and record["connector_type"] != query.connector_type
            ) or (query.status is not None and record["status"] != query.status):
                continue
            if to_skip:
                to_skip -= 1
                continue
            page.append(record)
            if len(page) == query.limit:
                break
        return page

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
        after = kept_changed(before, changes, increments)
        self._replace(after)
        self._undo_log.on_rollback(lambda: self._replace(before))
        return after

    def delete(self, connector_id: str, tenant_id: str | None) -> bool:
        record = self._rows.get(connector_id)
        if record is None or (tenant_id is not None and record["tenant_id"] != tenant_id):
            return False
        self._remove(connector_id)
        self._undo_log.on_rollback(lambda: self._add(record))
        return True

    def delete_tenant(self, tenant_id: str) -> int:
        ids = [connector_id for _, connector_id in self._ordered.get(tenant_id, [])]
        removed = [self._remove(connector_id) for connector_id in ids]
        self._undo_log.on_rollback(lambda: self._add_all(removed))
        return len(removed)

    def count_groups(self, tenant_id: str | None) -> list[ConnectorGroupCount]:
        records = [self._rows[i] for _, i in self._ordered.get(tenant_id, [])]
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
        self._ordered = {None: []}

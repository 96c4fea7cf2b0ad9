"""A third-party backend as a package outside integration-store would write it: plain dicts.

It implements the storage protocols, ``Backend`` and a provider, plus the optional test-support
protocols, and is registered by its ``dicts`` entry point alone. It declares no capabilities, so
the contract suite skips exactly the transaction tests for it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from integration_store.errors import ConflictError, UnsupportedOperationError
from integration_store.protocols import (
    Changes,
    ConnectorGroupCount,
    ConnectorQuery,
    Increments,
    ResponseCondition,
    Storages,
)

Record = dict[str, Any]


def _matches(record: Record, **wanted: Any) -> bool:
    return all(value is None or record[field] == value for field, value in wanted.items())


def _apply(record: Record, changes: Changes, increments: Increments) -> None:
    record.update(copy.deepcopy(dict(changes)))
    for field, amount in increments.items():
        record[field] += amount


class DictConnectors:
    def __init__(self) -> None:
        self.rows: dict[str, Record] = {}

    def insert(self, record: Record) -> None:
        if record["connector_id"] in self.rows or self.get_by_name(
            record["tenant_id"], record["name"]
        ):
            raise ConflictError("connector id or name taken")
        self.rows[record["connector_id"]] = copy.deepcopy(record)

    def insert_many(self, records: Sequence[Record]) -> None:
        ids = {r["connector_id"] for r in records}
        names = {(r["tenant_id"], r["name"]) for r in records}
        stored_names = {(r["tenant_id"], r["name"]) for r in self.rows.values()}
        if len(ids) < len(records) or len(names) < len(records):
            raise ConflictError("connector id or name repeated")
        if ids & self.rows.keys() or names & stored_names:
            raise ConflictError("connector id or name taken")
        for record in records:
            self.rows[record["connector_id"]] = copy.deepcopy(record)

    def get(self, connector_id: str) -> Record | None:
        return copy.deepcopy(self.rows.get(connector_id))

    def get_by_name(self, tenant_id: str, name: str) -> Record | None:
        found = [r for r in self.rows.values() if _matches(r, tenant_id=tenant_id, name=name)]
        return copy.deepcopy(found[0]) if found else None

    def find(self, query: ConnectorQuery) -> list[Record]:
        wanted = {"tenant_id": query.tenant_id, "status": query.status}
        found = [
            r
            for r in self.rows.values()
            if _matches(r, connector_type=query.connector_type, **wanted)
        ]
        found.sort(key=lambda r: (r["name"], r["connector_id"]))
        if query.after is not None:
            found = [r for r in found if (r["name"], r["connector_id"]) > query.after]
        return copy.deepcopy(found[query.offset : query.offset + query.limit])

    def update(
        self,
        connector_id: str,
        tenant_id: str | None,
        changes: Changes,
        increments: Increments,
        expected_revision: int | None = None,
    ) -> Record | None:
        record = self.rows.get(connector_id)
        if record is None or not _matches(record, tenant_id=tenant_id, revision=expected_revision):
            return None
        record.update(copy.deepcopy(dict(changes)))
        for field, amount in increments.items():
            record[field] += amount
        return copy.deepcopy(record)

    def delete(self, connector_id: str, tenant_id: str | None) -> bool:
        record = self.rows.get(connector_id)
        if record is None or not _matches(record, tenant_id=tenant_id):
            return False
        del self.rows[connector_id]
        return True

    def delete_tenant(self, tenant_id: str) -> int:
        doomed = [key for key, r in self.rows.items() if r["tenant_id"] == tenant_id]
        for key in doomed:
            del self.rows[key]
        return len(doomed)

    def count_groups(self, tenant_id: str | None) -> list[ConnectorGroupCount]:
        groups: dict[tuple[str, str], list[int]] = {}
        for r in self.rows.values():
            if _matches(r, tenant_id=tenant_id):
                sums = groups.setdefault((r["connector_type"], r["status"]), [0, 0, 0])
                for index, amount in enumerate((1, r["connection_count"], r["error_count"])):
                    sums[index] += amount
        return [ConnectorGroupCount(t, s, *sums) for (t, s), sums in sorted(groups.items())]


class DictResponses:
    def __init__(self) -> None:
        self.rows: dict[Any, Record] = {}

    def insert(self, record: Record) -> None:
        if record["id"] in self.rows:
            raise ConflictError("response id taken")
        self.rows[record["id"]] = copy.deepcopy(record)

    def insert_many(self, records: Sequence[Record]) -> None:
        ids = {r["id"] for r in records}
        if len(ids) < len(records) or ids & self.rows.keys():
            raise ConflictError("response id taken or repeated")
        for record in records:
            self.rows[record["id"]] = copy.deepcopy(record)

    def get(self, response_id: Any) -> Record | None:
        return copy.deepcopy(self.rows.get(response_id))

    def update(
        self,
        response_id: Any,
        changes: Mapping[str, Any],
        condition: ResponseCondition | None = None,
    ) -> Record | None:
        if response_id not in self.rows:
            return None
        if condition is not None and not condition.matches(self.rows[response_id]):
            return None
        self.rows[response_id].update(copy.deepcopy(dict(changes)))
        return self.get(response_id)

    def find_pending(
        self, interpretation_owner: str, limit: int, after: tuple[Any, Any] | None = None
    ) -> list[Record]:
        found = [
            r
            for r in self.rows.values()
            if r["interpretation_owner"] == interpretation_owner
            and r["interpreted_at"] is None
            and (after is None or (r["received_at"], r["id"].int) > (after[0], after[1].int))
        ]
        found.sort(key=lambda r: (r["received_at"], r["id"].int))
        return copy.deepcopy(found[:limit])


class DictWorkers:
    def __init__(self) -> None:
        self.workers: dict[str, Record] = {}
        self.configs: dict[tuple[str, str], Record] = {}

    def insert_worker(self, record: Record) -> None:
        if record["id"] in self.workers:
            raise ConflictError("worker id taken")
        self.workers[record["id"]] = copy.deepcopy(record)

    def get_worker(self, worker_id: str) -> Record | None:
        return copy.deepcopy(self.workers.get(worker_id))

    def find_workers(self, status: str | None, public_only: bool) -> list[Record]:
        found = [
            w
            for w in self.workers.values()
            if _matches(w, status=status) and (w["is_public"] or not public_only)
        ]
        return copy.deepcopy(sorted(found, key=lambda w: (w["name"], w["id"])))

    def update_worker(
        self,
        worker_id: str,
        changes: Changes,
        increments: Increments,
        expected_revision: int | None = None,
    ) -> Record | None:
        record = self.workers.get(worker_id)
        if record is None or not _matches(record, revision=expected_revision):
            return None
        _apply(record, changes, increments)
        return self.get_worker(worker_id)

    def get_config(self, tenant_id: str, worker_id: str) -> Record | None:
        return copy.deepcopy(self.configs.get((tenant_id, worker_id)))

    def upsert_config(self, insert: Record, changes: Changes, increments: Increments) -> Record:
        key = (insert["tenant_id"], insert["worker_id"])
        if key in self.configs:
            _apply(self.configs[key], changes, increments)
        else:
            self.configs[key] = copy.deepcopy(dict(insert))
        return copy.deepcopy(self.configs[key])

    def update_config(
        self,
        tenant_id: str,
        worker_id: str,
        changes: Changes,
        increments: Increments,
        expected_revision: int,
    ) -> Record | None:
        record = self.configs.get((tenant_id, worker_id))
        if record is None or record["revision"] != expected_revision:
            return None
        _apply(record, changes, increments)
        return copy.deepcopy(record)

    def find_configs(self, tenant_id: str) -> list[Record]:
        found = [c for (tenant, _), c in sorted(self.configs.items()) if tenant == tenant_id]
        return copy.deepcopy(found)


class DictBackend:
    capabilities: frozenset[str] = frozenset()
    thread_safe = False  # the store serialises calls

    def __init__(self) -> None:
        self.storages = Storages(DictConnectors(), DictResponses(), DictWorkers())

    def transaction(self) -> AbstractContextManager[Storages]:
        raise UnsupportedOperationError("dicts:// has no transactions")

    def create_schema(self) -> None:
        pass

    def clear_all(self) -> None:
        self.storages = Storages(DictConnectors(), DictResponses(), DictWorkers())

    def close(self) -> None:
        pass


class DictProvider:
    def open(self, url: str) -> DictBackend:
        return DictBackend()

    def embedded_test_urls(self) -> Sequence[str]:
        return ["dicts://"]

    @contextmanager
    def isolated_url(self, url: str) -> Iterator[str]:
        yield url


provider = DictProvider()

"""The differential state machine must fail against a backend that bends values or order.

Each test wraps the memory backend's storages in a fault (a JSON float truncated to an int, a
JSON list reversed, a list order broken, a counter lost) and runs the machine against it; the
machine must find a difference. This is what makes its passing runs worth something.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from integration_store.backends.memory import MemoryBackend
from integration_store.contract.differential import DifferenceFound, StepTally, run_differential
from integration_store.contract.profiles import FAULTS
from integration_store.services.context import Clock, IdFactory
from integration_store.store import Store

Record = dict[str, Any]
RecordFault = Callable[[Record], Record]
ListFault = Callable[[str, list[Record]], list[Record]]
Arguments = tuple[tuple[Any, ...], dict[str, Any]]
ArgumentFault = Callable[[str, tuple[Any, ...], dict[str, Any]], Arguments]


def _same_arguments(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Arguments:
    return args, kwargs


JSON_FIELDS = (
    "metadata",
    "config",
    "raw_response",
    "interpreted_value",
    "default_config",
    "input_schema",
    "output_schema",
    "brand",
)


def _map_json(
    value: Any, leaf: Callable[[Any], Any], lists: Callable[[list[Any]], list[Any]]
) -> Any:
    if isinstance(value, dict):
        return {key: _map_json(item, leaf, lists) for key, item in value.items()}
    if isinstance(value, list):
        return lists([_map_json(item, leaf, lists) for item in value])
    return leaf(value)


def json_fault(
    leaf: Callable[[Any], Any] = lambda v: v, lists: Callable[[list[Any]], list[Any]] = lambda v: v
) -> RecordFault:
    """A fault applied to every JSON field of every record read back."""

    def fault(record: Record) -> Record:
        return {
            key: _map_json(value, leaf, lists) if key in JSON_FIELDS else value
            for key, value in record.items()
        }

    return fault


class _FaultyStorage:
    """Delegates to a real storage, bending what it returns."""

    def __init__(
        self,
        inner: Any,
        record_fault: RecordFault,
        list_fault: ListFault,
        argument_fault: ArgumentFault = _same_arguments,
    ) -> None:
        self._inner = inner
        self._record_fault = record_fault
        self._list_fault = list_fault
        self._argument_fault = argument_fault

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            args, kwargs = self._argument_fault(name, args, kwargs)
            result = method(*args, **kwargs)
            if isinstance(result, dict):
                return self._record_fault(result)
            if isinstance(result, list) and all(isinstance(row, dict) for row in result):
                return self._list_fault(name, [self._record_fault(row) for row in result])
            return result

        return call


class _FaultyStorages:
    def __init__(
        self,
        inner: Any,
        record_fault: RecordFault,
        list_fault: ListFault,
        argument_fault: ArgumentFault,
        registry_argument_fault: ArgumentFault,
    ) -> None:
        self.connectors = _FaultyStorage(
            inner.connectors, record_fault, list_fault, registry_argument_fault
        )
        self.external_responses = _FaultyStorage(
            inner.external_responses, record_fault, list_fault, argument_fault
        )
        self.workers = _FaultyStorage(
            inner.workers, record_fault, list_fault, registry_argument_fault
        )
        self.vectors = _FaultyStorage(inner.vectors, record_fault, list_fault)
        self.invocations = _FaultyStorage(inner.invocations, record_fault, list_fault)


class FaultyBackend:
    """The memory backend with a fault injected into everything it returns."""

    def __init__(
        self,
        record_fault: RecordFault = lambda record: record,
        list_fault: ListFault = lambda name, rows: rows,
        argument_fault: ArgumentFault = _same_arguments,
        registry_argument_fault: ArgumentFault = _same_arguments,
    ) -> None:
        """``argument_fault`` bends the calls of the response storage,
        ``registry_argument_fault`` those of the connector and worker storages."""
        self._inner = MemoryBackend()
        self._faults = (record_fault, list_fault, argument_fault, registry_argument_fault)
        self._storages = _FaultyStorages(self._inner.storages, *self._faults)

    @property
    def capabilities(self) -> frozenset[str]:
        return self._inner.capabilities

    @property
    def storages(self) -> _FaultyStorages:
        return self._storages

    @contextmanager
    def transaction(self) -> Iterator[_FaultyStorages]:
        with self._inner.transaction() as storages:
            yield _FaultyStorages(storages, *self._faults)

    @property
    def thread_safe(self) -> bool:
        return self._inner.thread_safe

    def create_schema(self) -> None:
        self._inner.create_schema()

    def clear_all(self) -> None:
        self._inner.clear_all()

    def close(self) -> None:
        self._inner.close()


def _run_against(backend: FaultyBackend) -> tuple[str, StepTally]:
    """Run the machine against the faulty backend; returns the difference it reported."""

    def factory(clock: Clock, id_factory: IdFactory) -> Store:
        return Store(backend, clock=clock, id_factory=id_factory)  # type: ignore[arg-type]

    tally = StepTally()
    with pytest.raises(DifferenceFound) as caught:
        run_differential(factory, settings=FAULTS, tally=tally)
    return str(caught.value), tally


def _truncate_integral_float(value: Any) -> Any:
    # What a numeric JSON type does to 1.0 (PostgreSQL jsonb, MariaDB JSON functions).
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def test_a_json_float_truncated_to_an_int_is_caught() -> None:
    message, tally = _run_against(FaultyBackend(json_fault(leaf=_truncate_integral_float)))
    assert "int" in message and "float" in message, message
    assert tally.differed >= 1


def test_a_reversed_json_list_is_caught() -> None:
    message, _ = _run_against(FaultyBackend(json_fault(lists=lambda items: items[::-1])))
    assert "result" in message or "invariant" in message, message


def test_a_broken_list_order_is_caught() -> None:
    def by_id_only(name: str, rows: list[Record]) -> list[Record]:
        # Ignores the name: orders connectors by id alone (and workers by id, configs reversed).
        if name == "find":
            return sorted(rows, key=lambda row: row["connector_id"])
        if name == "find_workers":
            return sorted(rows, key=lambda row: row["id"])
        return rows

    message, _ = _run_against(FaultyBackend(list_fault=by_id_only))
    assert "list" in message or "pages" in message or "workers" in message, message


def test_a_lost_counter_increment_is_caught() -> None:
    def stuck_counter(record: Record) -> Record:
        if record.get("connection_count", 0) > 0:
            return {**record, "connection_count": record["connection_count"] - 1}
        return record

    message, _ = _run_against(FaultyBackend(stuck_counter))
    assert "connection_count" in message or "statistics" in message, message


def test_a_naive_datetime_is_caught() -> None:
    def naive(record: Record) -> Record:
        stamp = record.get("updated_at")
        return {**record, "updated_at": stamp.replace(tzinfo=None)} if stamp else record

    message, _ = _run_against(FaultyBackend(naive))
    assert "updated_at" in message, message


def test_a_second_interpretation_that_is_not_refused_is_caught() -> None:
    def ignore_conditions(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Arguments:
        # A storage writing an interpretation without testing what is stored first.
        if name == "update":
            return args[:2], {}
        return args, kwargs

    message, _ = _run_against(FaultyBackend(argument_fault=ignore_conditions))
    assert "interpret" in message or "release" in message, message


def test_a_claim_handing_out_live_leases_is_caught() -> None:
    def every_lease_expired(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Arguments:
        # A storage whose claim treats every lease as ended: two claimants share a response.
        if name == "claim":
            owner, claimant, now, expires, limit = args
            return (owner, claimant, now.replace(year=9999), expires, limit), kwargs
        return args, kwargs

    message, _ = _run_against(FaultyBackend(argument_fault=every_lease_expired))
    # The step that differed (a claim, alone or competing), or an invariant that found another
    # claimant holding a response.
    label = message.split(":", 1)[0]
    assert label.startswith("claim") or ".claimed_by:" in message, message


def test_an_update_that_ignores_the_expected_revision_is_caught() -> None:
    def ignore_revisions(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Arguments:
        # A storage writing a connector or worker without testing its revision first.
        if name == "update" and len(args) == 5:
            return args[:4], kwargs
        if name == "update_worker" and len(args) == 4:
            return args[:3], kwargs
        return args, kwargs

    message, _ = _run_against(FaultyBackend(registry_argument_fault=ignore_revisions))
    label = message.split(":", 1)[0]
    assert label.startswith(("update_", "deprecate_worker")), message


def test_vectors_loaded_out_of_code_point_order_are_caught() -> None:
    def case_insensitive(name: str, rows: list[Record]) -> list[Record]:
        # What a case-insensitive collation does to a page of vectors ("a" before "B").
        if name == "load":
            return sorted(rows, key=lambda row: row["vector_id"].casefold())
        return rows

    message, _ = _run_against(FaultyBackend(list_fault=case_insensitive))
    label = message.split(":", 1)[0]  # a load step, or the invariant comparing every vector
    assert label.startswith(("vectors.load", "invariant vectors")), message


def test_vector_values_read_back_as_another_type_are_caught() -> None:
    def as_memoryview(record: Record) -> Record:
        # What a driver handing out buffers instead of bytes (psycopg's memoryview) does.
        if isinstance(record.get("vector_values"), bytes):
            return {**record, "vector_values": memoryview(record["vector_values"])}
        return record

    message, _ = _run_against(FaultyBackend(as_memoryview))
    assert "vector_values" in message or "memoryview" in message, message

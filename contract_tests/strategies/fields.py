"""Strategies for the other fields of the records: paging, enums, worker statuses, connector
configs and capabilities."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from integration_store import ConnectorCapability, ConnectorConfig, ConnectorStatus, ConnectorType
from integration_store.values import MAX_LIMIT

from .json_documents import TRICKY_INTS, invalid_json_objects, json_objects
from .text import free_text


def limits() -> st.SearchStrategy[int]:
    """Valid page sizes, small ones often."""
    return st.one_of(st.integers(min_value=1, max_value=5), st.sampled_from([100, MAX_LIMIT]))


def offsets() -> st.SearchStrategy[int]:
    """Valid offsets, including far past the end."""
    return st.one_of(st.integers(min_value=0, max_value=6), st.just(10**6))


INVALID_LIMITS: list[Any] = [0, -1, MAX_LIMIT + 1, 2**64, True, 1.0, "5", None]
INVALID_OFFSETS: list[Any] = [-1, -(2**63) - 1, 2**64, False, 0.0, "0", None]

connector_types = st.sampled_from(list(ConnectorType))
connector_statuses = st.sampled_from(list(ConnectorStatus))
optional_connector_types = st.one_of(
    st.none(), connector_types, connector_types.map(lambda member: member.value)
)
optional_connector_statuses = st.one_of(
    st.none(), connector_statuses, connector_statuses.map(lambda member: member.value)
)


def _nested_list(depth: int) -> list[Any]:
    nested: list[Any] = []
    for _ in range(depth):
        nested = [nested]
    return nested


INVALID_ENUM_VALUES: list[Any] = [
    "VECTOR",
    "nope",
    "",
    1,
    b"vector",
    "x" * 100_000,
    _nested_list(1_000),
]
"""Including one too long to quote and one nested too deep to ``repr``."""

WORKER_STATUSES = ["available", "deprecated", "maintenance", "Available", "available ", "bogus"]
"""Worker status texts: known ones, and near misses that are refused."""

small_ints = st.one_of(st.sampled_from(TRICKY_INTS), st.integers(min_value=-5, max_value=100))


def connector_configs() -> st.SearchStrategy[ConnectorConfig | None]:
    """Connector configs with tricky JSON in ``credentials`` and ``options`` (or None)."""
    return st.one_of(
        st.none(),
        st.builds(
            ConnectorConfig,
            endpoint=st.one_of(st.none(), free_text()),
            timeout_seconds=small_ints,
            max_retries=small_ints,
            retry_delay_seconds=small_ints,
            auth_type=st.one_of(st.none(), free_text(10)),
            credentials=json_objects(6),
            rate_limit_enabled=st.booleans(),
            rate_limit_requests=small_ints,
            rate_limit_window_seconds=small_ints,
            options=json_objects(8),
        ),
    )


def invalid_connector_configs() -> st.SearchStrategy[Any]:
    """Configs with exactly one bad field."""
    return st.one_of(
        st.builds(lambda bad: ConnectorConfig(credentials=bad), invalid_json_objects()),
        st.builds(lambda bad: ConnectorConfig(options=bad), invalid_json_objects()),
        st.sampled_from(
            [
                ConnectorConfig(timeout_seconds=2**63),
                ConnectorConfig(max_retries=1.5),  # type: ignore[arg-type]
                ConnectorConfig(rate_limit_enabled=1),  # type: ignore[arg-type]
                ConnectorConfig(endpoint="a\x00"),
                ConnectorConfig(auth_type="\ud800"),
                {"endpoint": "not a ConnectorConfig"},
            ]
        ),
    )


capability_lists = st.lists(st.sampled_from(list(ConnectorCapability)), max_size=4)

"""What the library logs, through ``logging.getLogger("integration_store")``: each storage write
at DEBUG and each backend failure at WARNING — the operation and the identifiers it concerns,
never a payload, a config or a credential.

Every storage call passes through the store's router (``unit_of_work.CallRouter``), which calls
these two functions, so no backend and no service logs on its own.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Final
from uuid import UUID

from integration_store.errors import (
    BackendAccessError,
    BackendUnavailableError,
    IntegrationStoreError,
)

LOGGER: Final = logging.getLogger("integration_store")

READS: Final = frozenset(
    {
        "get",
        "get_by_name",
        "find",
        "find_pending",
        "count_groups",
        "get_worker",
        "find_workers",
        "get_config",
        "find_configs",
        "generation",
        "load",
    }
)
"""Storage methods that change nothing (every other one is a write)."""

_IDENTIFYING_FIELDS: Final = (
    "id",
    "connector_id",
    "worker_id",
    "tenant_id",
    "interpretation_owner",
    "request_id",
    "vector_id",
)
"""The fields of a record that name it; every other field (config, payloads) stays out."""


def identifiers(args: Sequence[object]) -> str:
    """The identifiers among a storage call's arguments, as ``name=value`` text: plain ids
    (text, UUIDs, integers) given positionally, the naming fields of a record, and how many
    records a batch holds. Nothing else of a record or a change is ever included."""
    parts: list[str] = []
    for position, value in enumerate(args):
        if isinstance(value, str | UUID | int) and not isinstance(value, bool):
            parts.append(f"arg{position}={value}")
        elif isinstance(value, Mapping):
            parts.extend(
                f"{name}={value[name]}"
                for name in _IDENTIFYING_FIELDS
                if value.get(name) is not None
            )
        elif isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
            parts.append(f"records={len(value)}")
    return " ".join(parts)


def write_done(operation: str, args: Sequence[object]) -> None:
    """Log a storage write that returned (at DEBUG; nothing is built unless that is enabled)."""
    if LOGGER.isEnabledFor(logging.DEBUG):
        LOGGER.debug("%s %s", operation, identifiers(args))


def is_backend_failure(error: BaseException) -> bool:
    """A failure of the backend — unreachable, refusing the store, or failing a statement (the
    plain ``IntegrationStoreError`` a backend raises) — not an outcome the domain expects (a
    taken key) nor a closed store."""
    return isinstance(error, BackendUnavailableError | BackendAccessError) or (
        type(error) is IntegrationStoreError
    )


def failed(operation: str, args: Sequence[object], error: BaseException) -> None:
    """Log a storage call the backend failed, at WARNING: the operation, the identifiers and the
    error classes — not the driver's message, which may quote stored values."""
    cause = error.__cause__
    LOGGER.warning(
        "%s failed: %s%s %s",
        operation,
        type(error).__name__,
        "" if cause is None else f" (from {type(cause).__module__}.{type(cause).__name__})",
        identifiers(args),
    )

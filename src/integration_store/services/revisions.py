"""Optimistic revisions, written once for every service: what a write adds to ``revision``,
how an ``expected_revision`` argument is checked, and the error a mismatch raises.

Every write of a connector, worker or worker config passes ``ONE_WRITE`` among its increments,
so the backend adds 1 to ``revision`` in the same atomic statement as the write; a write with an
``expected_revision`` is applied by the backend only where the stored revision equals it (the
test and the write are one statement), so two writers that read the same revision can never
both succeed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from integration_store import values
from integration_store.errors import StaleObjectError, ValidationError

FIELD: Final = "revision"
"""The stored field counting an object's writes."""

FIRST: Final = 1
"""The revision a new object is stored with (its creation is its first write)."""

ONE_WRITE: Final[Mapping[str, int]] = {FIELD: 1}
"""The increment every write of a revisioned object carries."""


def with_one_write(increments: Mapping[str, int]) -> dict[str, int]:
    """The increments of a write plus its revision step."""
    return {**increments, **ONE_WRITE}


def expected(value: object) -> int | None:
    """A checked ``expected_revision``: None (no check) or a non-negative int."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(
            "expected_revision", f"must be an int or None, not {type(value).__name__}"
        )
    if not 0 <= value <= values.INT64_MAX:
        raise ValidationError("expected_revision", "must be a non-negative 64-bit integer")
    return int(value)


def stale(what: str, expected_revision: int, found: Mapping[str, Any] | None) -> StaleObjectError:
    """The error for a write refused because ``what`` is not at ``expected_revision``;
    ``found`` is the stored record read after the refusal (None when there is none)."""
    revision = None if found is None else int(found[FIELD])
    now = "does not exist" if found is None else f"is at revision {revision}"
    return StaleObjectError(
        f"{what} {now}, not at the expected revision {expected_revision}",
        expected_revision=expected_revision,
        revision=revision,
    )

"""The checks of a lease's length and end (``claim_pending``), on top of ``values``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from integration_store.errors import ValidationError
from integration_store.values import floating, timestamp

MAX_LEASE_SECONDS: Final = 366 * 24 * 3600
"""Longest lease ``claim_pending`` grants (a year; a lease that long is a forgotten one)."""


def lease_duration(value: object, field: str) -> timedelta:
    """A lease length in seconds (an int or a finite float): at least one millisecond, the
    precision of stored times, and at most ``MAX_LEASE_SECONDS``."""
    seconds = floating(value, field)
    if not 0.001 <= seconds <= MAX_LEASE_SECONDS:
        raise ValidationError(field, f"must be between 0.001 and {MAX_LEASE_SECONDS} seconds")
    return timedelta(seconds=seconds)


def lease_end(now: datetime, lease: timedelta, field: str) -> datetime:
    """When a lease of ``lease`` taken at ``now`` ends, truncated to milliseconds like every
    stored time (``ValidationError`` on ``field`` when that is past the year 9999)."""
    try:
        return timestamp(now + lease, field)
    except OverflowError:
        raise ValidationError(field, "makes the lease end after the year 9999") from None

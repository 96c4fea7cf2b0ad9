"""Where services get time and ids: the store's injectable clock and id factory."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final
from uuid import UUID

import attrs

from integration_store import values
from integration_store.errors import UnsupportedOperationError

Clock = Callable[[], datetime]
"""Returns the current time as a timezone-aware datetime."""

IdFactory = Callable[[], UUID]
"""Returns a new UUID (connector ids are its ``str``)."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def system_clock() -> datetime:
    """The default clock: now, in UTC, to the millisecond — already what a store keeps, so
    ``ServiceContext.now`` takes it as it is (a third of the time of checking and truncating
    ``datetime.now(UTC)``). Calls within one millisecond share its datetime (immutable):
    making one was most of the call, and a store under load asks several times a millisecond."""
    global _last_reading
    milliseconds = time.time_ns() // 1_000_000
    last = _last_reading
    if last[0] == milliseconds:
        return last[1]
    now = datetime.fromtimestamp(milliseconds / 1000, UTC)
    if now.microsecond % 1000:  # the float was off by a microsecond (after the year 2109)
        now = _EPOCH + timedelta(milliseconds=milliseconds)
    _last_reading = (milliseconds, now)
    return now


_last_reading: tuple[int | None, datetime] = (None, _EPOCH)
"""The last millisecond ``system_clock`` read and its datetime (replaced whole: a thread
reads either the old pair or the new one)."""


@attrs.frozen
class ServiceContext:
    """The clock and id factory shared by the three services of a store.

    Only write calls draw from them, once each, after validation passed — so the same calls give
    the same ids and timestamps on every backend.
    """

    clock: Clock
    id_factory: IdFactory
    capabilities: Callable[[], frozenset[str]] = frozenset
    """The backend's capabilities, asked for by calls that need one (not at open: a server
    backend may learn them from its first round trip)."""

    def now(self) -> datetime:
        """The clock's time in UTC, truncated to milliseconds."""
        clock = self.clock
        if clock is system_clock:
            return system_clock()
        return values.timestamp(clock(), "clock()")

    def new_id(self) -> UUID:
        """The id factory's next UUID."""
        return values.uuid_value(self.id_factory(), "id_factory()")

    def require(self, capability: str, call: str) -> None:
        """Refuse ``call`` with ``UnsupportedOperationError`` unless the backend declares
        ``capability``."""
        if capability not in self.capabilities():
            raise UnsupportedOperationError(
                f"{call} needs the capability {capability!r}, which this backend lacks"
            )

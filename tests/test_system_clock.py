"""The default clock gives what a store keeps (UTC, whole milliseconds) without the check the
store runs on an injected clock's answer."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from integration_store import values
from integration_store.services.context import ServiceContext, system_clock

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def test_the_system_clock_is_already_checked_and_truncated() -> None:
    now = system_clock()
    assert type(now) is datetime and now.tzinfo is UTC
    assert values.timestamp(now, "now") == now and now.microsecond % 1000 == 0


@pytest.mark.parametrize(
    "milliseconds",
    [0, 1_764_131_234_567, 4_398_046_511_103, 23_838_955_643_339, 253_402_300_799_999],
)
def test_the_system_clock_is_exact_to_the_millisecond(
    monkeypatch: pytest.MonkeyPatch, milliseconds: int
) -> None:
    # 23_838_955_643_339 is a float division landing one microsecond off (year 2725).
    monkeypatch.setattr(time, "time_ns", lambda: milliseconds * 1_000_000 + 999_999)
    assert system_clock() - EPOCH == timedelta(milliseconds=milliseconds)


def test_an_injected_clock_is_still_checked_and_truncated() -> None:
    given = datetime(2026, 1, 2, 3, 4, 5, 678_901, tzinfo=UTC)
    service_context = ServiceContext(clock=lambda: given, id_factory=uuid4)
    assert service_context.now() == given.replace(microsecond=678_000)


def test_calls_in_one_millisecond_share_it_and_the_next_one_moves_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reading = [1_764_131_234_567 * 1_000_000]
    monkeypatch.setattr(time, "time_ns", lambda: reading[0])
    first = system_clock()
    reading[0] += 999_999  # the same millisecond
    assert system_clock() is first
    reading[0] += 1  # the next
    assert system_clock() - first == timedelta(milliseconds=1)


def test_the_millisecond_before_the_epoch_is_read_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time_ns", lambda: -1)
    assert system_clock() == EPOCH - timedelta(milliseconds=1)

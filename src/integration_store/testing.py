"""Deterministic helpers for tests: a settable clock, sequential ids, and an exact comparison."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

DEFAULT_START = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


class FixedClock:
    """A clock that stands still until told to move (``advance``/``set``), or moves by ``tick``
    after every reading. Thread-safe."""

    def __init__(self, start: datetime = DEFAULT_START, tick: timedelta = timedelta(0)) -> None:
        self._now = start
        self._tick = tick
        self._lock = threading.Lock()
        self.readings = 0

    def __call__(self) -> datetime:
        with self._lock:
            current = self._now
            self._now += self._tick
            self.readings += 1
            return current

    def advance(self, delta: timedelta = timedelta(milliseconds=1)) -> datetime:
        """Move forward by ``delta``; returns the new time."""
        with self._lock:
            self._now += delta
            return self._now

    def set(self, when: datetime) -> None:
        """Jump to ``when``."""
        with self._lock:
            self._now = when


class SequentialIds:
    """An id factory giving ``UUID(int=start)``, ``UUID(int=start + 1)``, … Thread-safe."""

    def __init__(self, start: int = 1) -> None:
        self._next = start
        self._lock = threading.Lock()

    def __call__(self) -> UUID:
        with self._lock:
            value = UUID(int=self._next)
            self._next += 1
            return value

    @property
    def drawn(self) -> int:
        """How many ids were handed out."""
        return self._next - 1


def identical_difference(actual: Any, expected: Any, path: str = "value") -> str | None:
    """Where two results differ in value *or type* (None when identical all the way down).

    ``1`` vs ``1.0``, ``0.0`` vs ``-0.0``, a subclass vs its base, a naive vs an aware datetime
    all count as differences; dict key order does not.
    """
    if type(actual) is not type(expected):
        return (
            f"{path}: {type(actual).__name__} {actual!r} != {type(expected).__name__} {expected!r}"
        )
    if isinstance(expected, float):
        same = repr(actual) == repr(expected)
        return None if same else f"{path}: {actual!r} != {expected!r}"
    if isinstance(expected, dict):
        if set(actual) != set(expected):
            return f"{path}: keys {sorted(map(repr, actual))} != {sorted(map(repr, expected))}"
        for key in expected:
            found = identical_difference(actual[key], expected[key], f"{path}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(expected, list | tuple):
        if len(actual) != len(expected):
            return f"{path}: length {len(actual)} != {len(expected)}"
        for index, (left, right) in enumerate(zip(actual, expected, strict=True)):
            found = identical_difference(left, right, f"{path}[{index}]")
            if found:
                return found
        return None
    if attrs.has(type(expected)):
        for field in attrs.fields(type(expected)):
            found = identical_difference(
                getattr(actual, field.name), getattr(expected, field.name), f"{path}.{field.name}"
            )
            if found:
                return found
        return None
    if isinstance(expected, datetime):
        if actual != expected or actual.utcoffset() != expected.utcoffset():
            return f"{path}: {actual!r} != {expected!r}"
        return None
    return None if actual == expected else f"{path}: {actual!r} != {expected!r}"


def assert_identical(actual: Any, expected: Any) -> None:
    """Fail with the first path where ``actual`` and ``expected`` differ in value or type."""
    difference = identical_difference(actual, expected)
    assert difference is None, difference

"""Time strategies: clock moves at millisecond edges, aware datetimes in foreign offsets, and
id starts that cross the 64- and 128-bit boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

MILLISECOND_EDGES = [
    timedelta(0),
    timedelta(microseconds=1),
    timedelta(microseconds=999),
    timedelta(milliseconds=1),
    timedelta(microseconds=1001),
    timedelta(microseconds=999_999),
    timedelta(seconds=1),
    timedelta(days=1, microseconds=-1),
]


def clock_advances() -> st.SearchStrategy[timedelta]:
    """How far to move the clocks: millisecond edges often, anything up to a year otherwise.

    Zero matters too: equal ``received_at`` makes the pending queue fall back to the id order.
    """
    return st.one_of(
        st.sampled_from(MILLISECOND_EDGES),
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=366)),
    )


ZONES = [
    UTC,
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=14)),
    timezone(timedelta(minutes=-1)),
]


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Aware datetimes for ``now=``: sub-millisecond edges, foreign offsets, old and far dates."""
    edges = st.builds(
        lambda base, micro, zone: base.replace(microsecond=micro, tzinfo=zone),
        st.sampled_from(
            [
                datetime(2026, 1, 2, 3, 4, 5),
                datetime(1970, 1, 1),
                datetime(1969, 12, 31, 23, 59, 59),
                datetime(2038, 1, 19, 3, 14, 7),
                datetime(2000, 2, 29, 23, 59, 59),
            ]
        ),
        st.sampled_from([0, 1, 999, 1000, 999_000, 999_999, 500_500]),
        st.sampled_from(ZONES),
    )
    wide = st.datetimes(
        min_value=datetime(1, 1, 2),
        max_value=datetime(9999, 12, 30),
        timezones=st.sampled_from(ZONES),
    )
    return st.one_of(edges, wide)


ID_STARTS = [1, 2**63 - 2, 2**64 - 2, 2**127 - 2, 2**128 - 2**20]
"""Where ``SequentialIds`` start: ids crossing the 64-bit halves and the sign bit of a 128-bit
integer catch backends that order UUIDs by anything but ``UUID.int`` (the last start leaves
room for 2**20 ids below 2**128)."""

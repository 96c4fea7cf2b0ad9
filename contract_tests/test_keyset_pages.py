"""Keyset pages: walking ``list_page`` / ``pending_page`` cursors gives the listing's own order,
without gaps or repeats, also while rows come and go; bad cursors are refused."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration_store import (
    Connector,
    ConnectorStatus,
    ConnectorType,
    ExternalResponse,
    FileConnector,
    Page,
    ValidationError,
)
from integration_store.paging import connector_cursor, encode_cursor, pending_cursor
from integration_store.store import Store
from integration_store.targets import StoreFactory
from integration_store.values import MAX_LIMIT

from .samples import TRICKY_IDENTIFIERS

T = TypeVar("T")

NAMES = [*TRICKY_IDENTIFIERS, "a", "a ", "A", "ä", "\uffff", "𝄞"]
"""Names in awkward code-point order, with ties (across tenants) broken by connector_id."""

AWKWARD_IDS = [2**128 - 1, 1, 2**127, 2**127 - 1, 255, 256, 2**64, 2**63, 0x80, 2]
"""Response ids whose ``UUID.int`` order differs from signed-byte or string orders."""


def _walk(fetch: Callable[[str | None], Page[T]], start: str | None = None) -> Iterator[Page[T]]:
    cursor = start
    for _ in range(1000):
        page = fetch(cursor)
        yield page
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
    raise AssertionError("the cursors never reached a last page")


def _ids(connectors: list[Connector]) -> list[str]:
    return [connector.connector_id for connector in connectors]


@pytest.fixture
def populated(store: Store) -> Store:
    statuses = [ConnectorStatus.READY, ConnectorStatus.ERROR, ConnectorStatus.REGISTERED]
    store.connectors.register_many(
        Connector(
            connector_id=f"id-{index:02d}{'z' if index % 2 else ''}",
            tenant_id=f"t{(index + index // len(NAMES)) % 3}",  # a name's two rows: two tenants
            name=name,
            connector_type=[ConnectorType.SQL, ConnectorType.HTTP][index % 2],
            status=statuses[index % 3],
        )
        for index, name in enumerate(NAMES * 2)
    )
    return store


FILTERS: list[dict[str, Any]] = [
    {},
    {"tenant_id": "t1"},
    {"connector_type": ConnectorType.SQL},
    {"tenant_id": "t0", "status": ConnectorStatus.READY},
    {"tenant_id": "nobody"},
]


@pytest.mark.parametrize("limit", [1, 2, 5, 7, 100])
@pytest.mark.parametrize("filters", FILTERS)
def test_walking_connector_pages_gives_the_offset_listing(
    populated: Store, limit: int, filters: dict[str, Any]
) -> None:
    registry = populated.connectors
    pages = list(_walk(lambda after: registry.list_page(**filters, limit=limit, after=after)))

    walked = [connector for page in pages for connector in page.items]
    assert _ids(walked) == _ids(registry.list(**filters, limit=MAX_LIMIT))
    assert all(len(page.items) == limit for page in pages[:-1])
    assert len(pages[-1].items) < limit


def test_list_after_a_cursor_continues_like_list_page(populated: Store) -> None:
    first = populated.connectors.list_page(limit=3)

    rest = populated.connectors.list(limit=MAX_LIMIT, after=first.next_cursor)

    assert _ids(first.items + rest) == _ids(populated.connectors.list(limit=MAX_LIMIT))


def test_a_full_last_page_is_followed_by_an_empty_one(store: Store) -> None:
    store.connectors.register_many([FileConnector("a", "t", "a"), FileConnector("b", "t", "b")])

    full = store.connectors.list_page(limit=2)
    empty = store.connectors.list_page(limit=2, after=full.next_cursor)

    assert full.next_cursor is not None
    assert empty == Page(items=[], next_cursor=None)


def test_rows_added_or_removed_between_pages_are_neither_repeated_nor_skipped(
    store: Store,
) -> None:
    registry = store.connectors
    registry.register_many(FileConnector(f"c{i}", "t", f"n{i:02d}") for i in range(0, 20, 2))
    first = registry.list_page(limit=4)  # n00 n02 n04 n06
    registry.delete("c2")  # already seen
    registry.delete("c10")  # not seen yet: gone
    registry.register_many([FileConnector("c1", "t", "n01"), FileConnector("c7", "t", "n07")])

    pages = _walk(lambda after: registry.list_page(limit=4, after=after), first.next_cursor)
    walked = first.items + [connector for page in pages for connector in page.items]

    # c1 sorts before the cursor and is not seen; c7 sorts after it and is.
    assert _ids(walked) == ["c0", "c2", "c4", "c6", "c7", "c8", "c12", "c14", "c16", "c18"]


# ---- the pending queue -------------------------------------------------------------------


@pytest.fixture
def queue(open_same_store: StoreFactory) -> Store:
    """Responses of owner ``o`` with awkward ids, several received at the same millisecond."""
    given_ids = iter(UUID(int=value) for value in [*AWKWARD_IDS, 12345])
    times = iter(
        [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(milliseconds=i // 4) for i in range(99)]
    )
    store = open_same_store(clock=lambda: next(times), id_factory=lambda: next(given_ids))
    store.external_responses.record_raw_responses(
        {"source": "s", "raw_response": {"i": i}, "interpretation_owner": "o"} for i in range(10)
    )
    store.external_responses.record_raw_response("s", {}, "other")
    return store


def _response_ids(responses: list[ExternalResponse]) -> list[int]:
    return [response.id.int for response in responses]


@pytest.mark.parametrize("limit", [1, 3, 4, 10, 11])
def test_walking_pending_pages_gives_the_pending_queue(queue: Store, limit: int) -> None:
    service = queue.external_responses
    pages = list(_walk(lambda after: service.pending_page("o", limit, after=after)))

    walked = [response for page in pages for response in page.items]
    assert _response_ids(walked) == _response_ids(service.get_pending_interpretations("o", 100))
    assert len(walked) == 10


def test_pending_ties_on_received_at_are_paged_in_uuid_int_order(queue: Store) -> None:
    service = queue.external_responses
    walked = [
        r for page in _walk(lambda a: service.pending_page("o", 1, after=a)) for r in page.items
    ]

    keys = [(response.received_at, response.id.int) for response in walked]
    assert keys == sorted(keys)
    assert len({response.received_at for response in walked}) < len(walked)  # there are ties


def test_interpreting_between_pages_shifts_nothing(queue: Store) -> None:
    service = queue.external_responses
    everything = service.get_pending_interpretations("o", 100)
    first = service.pending_page("o", 3)
    service.interpret(everything[1].id, {"done": True}, "o")  # seen already
    service.interpret(everything[5].id, {"done": True}, "o")  # not seen yet

    rest = service.get_pending_interpretations("o", 100, after=first.next_cursor)

    expected = [r for i, r in enumerate(everything) if i != 5]
    assert _response_ids(first.items + rest) == _response_ids(expected)


# ---- cursor validation --------------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor",
        "!!!",
        "W10",  # []
        encode_cursor("workers", "a", "b"),
        connector_cursor("a", "b") + "x",
        encode_cursor("connectors", "", "b"),
        encode_cursor("connectors", "a\x00", "b"),
        encode_cursor("connectors", "x" * 256, "b"),
        "x" * 5000,
    ],
)
def test_a_malformed_cursor_is_a_validation_error_naming_after(store: Store, cursor: str) -> None:
    with pytest.raises(ValidationError) as raised:
        store.connectors.list_page(after=cursor)

    assert raised.value.field == "after"


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor("pending", "2026-01-01T00:00:00", "0" * 32),  # naive
        encode_cursor("pending", "yesterday", "0" * 32),
        encode_cursor("pending", "2026-01-01T00:00:00+00:00", "0" * 31),
        encode_cursor("pending", "2026-01-01T00:00:00+00:00", "0" * 30 + "_1"),
        encode_cursor("pending", "2026-01-01T00:00:00+00:00", "G" * 32),
    ],
)
def test_a_malformed_pending_cursor_is_a_validation_error(store: Store, cursor: str) -> None:
    with pytest.raises(ValidationError) as raised:
        store.external_responses.pending_page("o", after=cursor)

    assert raised.value.field == "after"


def test_a_cursor_of_another_listing_is_refused(store: Store) -> None:
    pending = pending_cursor(datetime(2026, 1, 1, tzinfo=UTC), UUID(int=1))

    with pytest.raises(ValidationError, match="after"):
        store.connectors.list(after=pending)
    with pytest.raises(ValidationError, match="after"):
        store.external_responses.get_pending_interpretations("o", after=connector_cursor("a", "b"))


def test_after_with_an_offset_is_refused_naming_offset(store: Store) -> None:
    with pytest.raises(ValidationError) as raised:
        store.connectors.list(offset=1, after=connector_cursor("a", "b"))

    assert raised.value.field == "offset"


def test_a_cursor_that_is_not_text_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError, match="after"):
        store.connectors.list_page(after=b"abc")  # type: ignore[arg-type]


FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(
    cursor=st.one_of(
        st.text(),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_="),
        st.builds(encode_cursor, st.sampled_from(["connectors", "pending"]), st.text(), st.text()),
        st.builds(pending_cursor, st.datetimes(timezones=st.just(UTC)), st.uuids()),
    )
)
def test_any_text_as_a_cursor_gives_a_validation_error_or_a_page(
    populated: Store, cursor: str
) -> None:
    for call in (
        lambda: populated.connectors.list_page(limit=3, after=cursor),
        lambda: populated.external_responses.pending_page("o", 3, after=cursor),
    ):
        try:
            page = call()
        except ValidationError as error:
            assert error.field == "after"
        else:
            assert isinstance(page, Page) and len(page.items) <= 3

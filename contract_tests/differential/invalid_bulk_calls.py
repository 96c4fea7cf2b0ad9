"""Rows of the invalid-call table for bulk writes and cursors: one bad item in a batch, one bad
cursor or paging argument (``invalid_calls`` runs them with the others)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from integration_store import Connector, FileConnector
from integration_store.paging import connector_cursor, encode_cursor, pending_cursor

from .. import strategies as gen
from .call_templates import BAD, InvalidCall, given


def _item(**changes: Any) -> dict[str, Any]:
    return {"source": "src", "raw_response": {}, "interpretation_owner": "o", **changes}


def _connectors_with(bad: Connector | Any) -> list[Any]:
    return [FileConnector(connector_id="new-a", tenant_id="t", name="new a"), bad]


BAD_CONNECTOR_BATCHES = st.one_of(
    gen.invalid_identifiers().map(
        lambda value: _connectors_with(Connector(connector_id="new-b", tenant_id="t", name=value))
    ),
    gen.invalid_json_objects().map(
        lambda value: _connectors_with(
            Connector(connector_id="new-b", tenant_id="t", name="b", metadata=value)
        )
    ),
    st.sampled_from([_connectors_with("not a connector"), _connectors_with(None), "x", 7]),
)
BAD_RESPONSE_BATCHES = st.one_of(
    gen.invalid_json_objects().map(lambda value: [_item(), _item(raw_response=value)]),
    gen.invalid_identifiers().map(lambda value: [_item(interpretation_owner=value)]),
    st.sampled_from(
        [
            [_item(), {"source": "src", "raw_response": {}}],
            [_item(extra=1)],
            [_item(), "not a mapping"],
            {"source": "src"},
        ]
    ),
)
BAD_CURSORS = st.one_of(
    st.sampled_from(
        [
            "",
            "nope",
            "W10",
            b"abc",
            1,
            encode_cursor("connectors", "", "x"),
            encode_cursor("pending", "2026-01-01T00:00:00", "0" * 32),
        ]
    ),
    st.text(alphabet="ab=-_!", max_size=8),
)

BULK_AND_CURSOR_CALLS: tuple[InvalidCall, ...] = (
    InvalidCall(
        "register_many(item)", "connectors.register_many", given(BAD), BAD_CONNECTOR_BATCHES
    ),
    InvalidCall(
        "record_raw_responses(item)",
        "external_responses.record_raw_responses",
        given(BAD),
        BAD_RESPONSE_BATCHES,
    ),
    InvalidCall("list(after)", "connectors.list", given(after=BAD), BAD_CURSORS),
    InvalidCall(
        "list(pending cursor)",
        "connectors.list",
        given(after=BAD),
        st.just(pending_cursor(datetime(2026, 1, 1, tzinfo=UTC), UUID(int=1))),
    ),
    InvalidCall(
        "list(offset with after)",
        "connectors.list",
        given(offset=BAD, after=connector_cursor("a", "b")),
        st.integers(min_value=1, max_value=10),
    ),
    InvalidCall("list_page(after)", "connectors.list_page", given(after=BAD), BAD_CURSORS),
    InvalidCall(
        "list_page(limit)",
        "connectors.list_page",
        given(limit=BAD),
        st.sampled_from(gen.INVALID_LIMITS).filter(lambda v: v is not None),
    ),
    InvalidCall(
        "pending_page(after)",
        "external_responses.pending_page",
        given("o", after=BAD),
        st.one_of(BAD_CURSORS, st.just(connector_cursor("a", "b"))),
    ),
    InvalidCall(
        "get_pending_interpretations(after)",
        "external_responses.get_pending_interpretations",
        given("o", after=BAD),
        BAD_CURSORS,
    ),
)
"""The bulk-write and cursor calls the machine spoils, one argument at a time."""

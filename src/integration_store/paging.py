"""Keyset pages: ``Page`` and the opaque cursors that continue a listing after a position.

A cursor holds the sort key of a page's last item and the listing it belongs to, as URL-safe
base64 of a small JSON array. Continuing "strictly after that key" (instead of skipping
``offset`` rows) costs the same on every page and neither repeats nor skips a row when rows are
inserted or deleted between pages. Cursors are opaque: anything that does not decode to a key
of the expected listing raises ``ValidationError("after", ...)``.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Final, Generic, TypeVar
from uuid import UUID

import attrs

from integration_store import values
from integration_store.errors import ValidationError

T = TypeVar("T")

CONNECTORS: Final = "connectors"
"""The listing of ``ConnectorRegistry.list`` / ``list_page``, keyed by (name, connector_id)."""

PENDING: Final = "pending"
"""The pending queue of ``ExternalResponseService``, keyed by (received_at, id)."""

MAX_CURSOR_LENGTH: Final = 4096
"""Longer than any cursor this module makes (two 255-character identifiers, UTF-8, base64)."""

_FIELD: Final = "after"
_HEX_DIGITS: Final = frozenset("0123456789abcdef")


@attrs.frozen
class Page(Generic[T]):
    """One page of a listing, in the listing's order.

    ``next_cursor`` continues after the last item (pass it as ``after=``) when the page is full;
    it is None on a page shorter than its limit, which is the last one. A full page may still be
    followed by an empty last page.
    """

    items: list[T]
    next_cursor: str | None


def encode_cursor(listing: str, first: str, second: str) -> str:
    """An opaque cursor for the sort key (first, second) of ``listing``."""
    text = json.dumps([listing, first, second], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(cursor: object, listing: str) -> tuple[object, object]:
    if not isinstance(cursor, str):
        raise ValidationError(
            _FIELD, f"must be a cursor (str) or None, not {type(cursor).__name__}"
        )
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise ValidationError(_FIELD, "is not a cursor: too long")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError, RecursionError):
        raise ValidationError(_FIELD, "is not a cursor") from None
    if not (
        isinstance(decoded, list) and len(decoded) == 3 and decoded[0] in (CONNECTORS, PENDING)
    ):
        raise ValidationError(_FIELD, "is not a cursor")
    if decoded[0] != listing:
        raise ValidationError(_FIELD, f"is a cursor of the {decoded[0]} listing, not of {listing}")
    return decoded[1], decoded[2]


def connector_cursor(name: str, connector_id: str) -> str:
    """The cursor after the connector with this (name, connector_id)."""
    return encode_cursor(CONNECTORS, name, connector_id)


def decode_connector_cursor(cursor: object) -> tuple[str, str]:
    """The (name, connector_id) a connectors cursor continues after."""
    name, connector_id = _decode(cursor, CONNECTORS)
    try:
        return values.identifier(name, "name"), values.identifier(connector_id, "connector_id")
    except ValidationError:
        raise ValidationError(_FIELD, "is not a cursor: bad connector key") from None


def pending_cursor(received_at: datetime, response_id: UUID) -> str:
    """The cursor after the response with this (received_at, id)."""
    return encode_cursor(PENDING, received_at.isoformat(), response_id.hex)


def decode_pending_cursor(cursor: object) -> tuple[datetime, UUID]:
    """The (received_at, id) a pending cursor continues after."""
    received_at, response_id = _decode(cursor, PENDING)
    try:
        if not (isinstance(received_at, str) and isinstance(response_id, str)):
            raise ValueError("not text")
        when = values.timestamp(datetime.fromisoformat(received_at), "received_at")
        if len(response_id) != 32 or not set(response_id) <= _HEX_DIGITS:
            raise ValueError("not 32 lowercase hex digits")
        return when, UUID(hex=response_id)
    except (ValueError, OverflowError):  # ValidationError is a ValueError too
        raise ValidationError(_FIELD, "is not a cursor: bad pending key") from None


def check_after(after: object, offset: int) -> None:
    """A cursor continues from its own position: an ``offset`` on top of it is refused."""
    if after is not None and offset != 0:
        raise ValidationError("offset", "must be 0 when after= (a cursor) is given")


__all__ = [
    "CONNECTORS",
    "PENDING",
    "Page",
    "check_after",
    "connector_cursor",
    "decode_connector_cursor",
    "decode_pending_cursor",
    "encode_cursor",
    "pending_cursor",
]

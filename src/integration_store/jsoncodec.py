"""Exact JSON text for backends whose native JSON would change values.

``json.dumps`` keeps ``1`` and ``1.0`` apart, writes ``-0.0`` and ``1e+308`` as floats, writes every
int digit, and escapes ``"\\x00"`` as ``\\u0000``; keys such as ``"a.b"``, ``"$x"`` and ``""`` are
plain text. Values reaching here were already checked by ``integration_store.values``.

With the ``[fast]`` extra installed, orjson does the work where it writes and reads exactly what
``json`` would decode to the same value (several times faster: a 1 KB payload encodes in a tenth
of the time); anything it cannot vouch for takes ``json``.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from contextvars import ContextVar, Token
from types import TracebackType
from typing import Any, Final

# orjson, or None without the ``[fast]`` extra (tests set None to run ``json`` alone).
_orjson: Any
try:
    import orjson as _orjson
except ImportError:
    _orjson = None

_STRICT_INTEGER: Final = 0 if _orjson is None else _orjson.OPT_STRICT_INTEGER

_DECODER: Final = json.JSONDecoder()


def _chunk_encoder(encoder: json.JSONEncoder) -> Callable[[Any, int], Any] | None:
    """The C encoder ``encoder.encode`` builds on every call (called with the value and the
    indent level 0), built once for its settings (None
    without the C accelerator). No cycle markers: a cycle ends in ``RecursionError``, and the
    values reaching here are checked first (``integration_store.values`` catches that error)."""
    make: Callable[..., Any] | None = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    encode = make(
        None,
        encoder.default,
        json.encoder.encode_basestring,
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )
    return encode  # type: ignore[no-any-return]


def encoding_function(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """``encoder.encode`` (for ``ensure_ascii=False``, no indent), without the few hundred
    nanoseconds of setup it spends per call: most JSON values stored are small, so that setup
    was half of their encoding time."""
    if encoder.ensure_ascii or encoder.indent is not None or encoder.check_circular:
        raise ValueError("encoding_function supports compact, non-ASCII-escaping encoders only")
    chunks = _chunk_encoder(encoder)
    if chunks is None:
        return encoder.encode
    join = "".join
    return lambda value: join(chunks(value, 0))  # one frame: most values encoded are small


def decoding_function(decoder: json.JSONDecoder) -> Callable[[str], Any]:
    """``decoder.decode`` without its two whitespace scans (text written by ``dumps`` has no
    surrounding whitespace; any other text takes ``decode`` itself, so errors are the same)."""
    raw_decode = decoder.raw_decode
    decode = decoder.decode

    def decoded(text: str) -> Any:
        try:
            value, end = raw_decode(text)
        except ValueError:
            return decode(text)
        return value if end == len(text) else decode(text)

    return decoded


_COMPACT: Final = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, separators=(",", ":"), check_circular=False
)
_encode: Final = encoding_function(_COMPACT)

_KNOWN_TEXTS: Final[ContextVar[dict[int, tuple[object, str]] | None]] = ContextVar(
    "integration_store_known_json_texts", default=None
)
"""While a write call runs (``texts_reused``): the text each checked JSON copy was encoded to
by its check, by ``id`` (the entry holds the copy, so the id stays its own)."""


def dumps(value: Any) -> str:
    """Encode a checked JSON value as compact text: the text its check already made when the
    value is a copy that check returned during the current ``texts_reused`` call."""
    if value is None:  # an unset JSON field (a response's interpretation before it is made)
        return "null"
    known = _KNOWN_TEXTS.get()
    if known is not None:
        entry = known.get(id(value))
        if entry is not None and entry[0] is value:
            return entry[1]
    return encode_fresh(value)


def fast_text(value: Any) -> str | None:
    """``value``'s compact text by orjson; None without it, or where ``json`` must decide: a
    type orjson does not know, an int beyond ±2**53 (so orjson's text decodes to ints within the
    int64 range, every one of them), a cycle or a nesting deeper than orjson's limit.

    orjson writes NaN and the infinities as ``null``: pass checked values only, or compare the
    decoded text with the value (``integration_store.values`` does)."""
    fast = _orjson
    if fast is None:
        return None
    try:
        text: str = fast.dumps(value, option=_STRICT_INTEGER).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return None
    return text


json_text: Final = _encode
"""``json``'s own compact text of a value: refuses NaN, the infinities and unknown types."""


def encode_fresh(value: Any) -> str:
    """Encode a checked JSON value as compact text, never reusing a known text (for checks)."""
    text = fast_text(value)
    return _encode(value) if text is None else text


def remember_text(copy: object, text: str) -> None:
    """Note that ``copy``, a fresh JSON value nothing else holds yet, encodes to ``text`` (a
    no-op outside ``texts_reused``)."""
    known = _KNOWN_TEXTS.get()
    if known is not None:
        known[id(copy)] = (copy, text)


class texts_reused:  # named as the function it stands for: ``with texts_reused():``
    """Within a write call, encode each checked payload once: the check's text serves the
    write-size cap and the stored form. For calls that never change a checked copy between its
    check and its write (a changed copy would be stored as it was checked). A class, not a
    generator: it wraps calls of a few tens of microseconds."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token: Token[dict[int, tuple[object, str]] | None] = _KNOWN_TEXTS.set({})

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _KNOWN_TEXTS.reset(self._token)


_decode: Final = decoding_function(_DECODER)


def loads(text: str) -> Any:
    """Decode text written by ``dumps`` (an empty object or array, the most common JSON field
    value, without running the parser). orjson decodes it when installed: every int ``dumps``
    writes is within int64, which orjson reads exactly (it reads a longer one as a float, so it
    is no parser for other texts); anything but ``str`` takes ``json``, which refuses it."""
    if text == "{}":
        return {}
    if text == "[]":
        return []
    fast = _orjson
    if fast is not None and type(text) is str:
        return fast.loads(text)
    return _decode(text)

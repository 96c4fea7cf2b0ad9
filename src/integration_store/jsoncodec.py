"""Exact JSON text for backends whose native JSON would change values.

``json.dumps`` keeps ``1`` and ``1.0`` apart, writes ``-0.0`` and ``1e+308`` as floats, writes every
int digit, and escapes ``"\\x00"`` as ``\\u0000``; keys such as ``"a.b"``, ``"$x"`` and ``""`` are
plain text. Values reaching here were already checked by ``integration_store.values``.
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any, Final

_DECODER: Final = json.JSONDecoder()


def _chunk_encoder(encoder: json.JSONEncoder) -> Callable[[Any], Any] | None:
    """The C encoder ``encoder.encode`` builds on every call, built once for its settings (None
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
    return lambda value: encode(value, 0)


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
    return lambda value: join(chunks(value))


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
dumps: Final = encoding_function(_COMPACT)
"""Encode a checked JSON value as compact text."""

_decode: Final = decoding_function(_DECODER)


def loads(text: str) -> Any:
    """Decode text written by ``dumps`` (an empty object or array, the most common JSON field
    value, without running the parser)."""
    if text == "{}":
        return {}
    if text == "[]":
        return []
    return _decode(text)

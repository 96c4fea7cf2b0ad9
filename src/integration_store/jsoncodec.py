"""Exact JSON text for backends whose native JSON would change values.

``json.dumps`` keeps ``1`` and ``1.0`` apart, writes ``-0.0`` and ``1e+308`` as floats, writes every
int digit, and escapes ``"\\x00"`` as ``\\u0000``; keys such as ``"a.b"``, ``"$x"`` and ``""`` are
plain text. Values reaching here were already checked by ``integration_store.values``.
"""

from __future__ import annotations

import json
from typing import Any, Final

_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_DECODER: Final = json.JSONDecoder()


def dumps(value: Any) -> str:
    """Encode a checked JSON value as compact text (one encoder, built once)."""
    return _ENCODER.encode(value)


def loads(text: str) -> Any:
    """Decode text written by ``dumps`` (an empty object or array, the most common JSON field
    value, without running the parser)."""
    if text == "{}":
        return {}
    if text == "[]":
        return []
    return _DECODER.decode(text)

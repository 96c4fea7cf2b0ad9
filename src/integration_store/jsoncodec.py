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

_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_DECODER: Final = json.JSONDecoder()

# ``JSONEncoder.encode`` builds its C encoder again on every call, half the cost of encoding a
# small dict; this one is built once. No cycle check (``markers`` None): values were checked.
_C_MAKE_ENCODER: Final[Callable[..., Any] | None] = getattr(json.encoder, "c_make_encoder", None)
_ONE_SHOT: Final = (
    None
    if _C_MAKE_ENCODER is None
    else _C_MAKE_ENCODER(
        None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", False, False, False
    )
)


def dumps(value: Any) -> str:
    """Encode a checked JSON value as compact text (one encoder, built once)."""
    if _ONE_SHOT is None or isinstance(value, str):
        return _ENCODER.encode(value)
    return "".join(_ONE_SHOT(value, 0))


def loads(text: str) -> Any:
    """Decode text written by ``dumps`` (an empty object or array, the most common JSON field
    value, without running the parser)."""
    if text == "{}":
        return {}
    if text == "[]":
        return []
    return _DECODER.decode(text)

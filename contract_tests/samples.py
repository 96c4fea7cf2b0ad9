"""Values the suite stores on every backend: the tricky JSON and text that backends get wrong."""

from __future__ import annotations

from typing import Any

from integration_store import Connector, ConnectorConfig

TRICKY_JSON: dict[str, Any] = {
    "a.b": {"c.d": 1},
    "$x": {"$gt": 1, "$set": [1]},
    "": "empty key",
    "ключ ☃ 𝄞": "non-ASCII key",
    "nul": "a\x00b",
    "only_nul": "\x00",
    "int": 1,
    "float_one": 1.0,
    "neg_zero": -0.0,
    "big_float": 1e308,
    "tiny_float": 5e-324,
    "pi": 3.141592653589793,
    "int_max": 2**63 - 1,
    "int_min": -(2**63),
    "beyond_double": 2**53 + 1,
    "true": True,
    "false": False,
    "none": None,
    "empty_dict": {},
    "empty_list": [],
    "nested": {"list": [[], {}, [[]], {"k": []}], "deep": {"a": {"b": {"c": {"d": [1, 1.0]}}}}},
    "mixed_list": [1, 1.0, -0.0, "1", True, None, {"$y": 2}],
    "trailing space ": "key with trailing space",
    "emoji": "😀 and text",
    "escapes": 'quote " backslash \\ newline \n tab \t',
}
"""Every trap of DESIGN's value rules in one payload."""

INVALID_JSON: list[tuple[str, Any]] = [
    ("nan", float("nan")),
    ("inf", float("inf")),
    ("-inf", float("-inf")),
    ("2**64", 2**64),
    ("2**63", 2**63),
    ("-(2**63)-1", -(2**63) - 1),
    ("lone surrogate value", "\ud800"),
    ("lone surrogate key", {"\udfff": 1}),
    ("non-str key", {1: "x"}),
    ("tuple key", {(1, 2): "x"}),
    ("bytes", b"raw"),
    ("set", {1, 2}),
    ("object", object()),
]
"""Values no backend may accept inside a JSON field (name, value)."""

TRICKY_IDENTIFIERS = [
    "x" * 255,
    "ünïcödé ☃ 𝄞",
    "trailing ",
    " leading",
    "Docs",
    "docs",
    "a.b",
    "$dollar",
    "with'quote\"",
]
"""Identifiers every backend must keep exactly (and tell apart)."""

INVALID_IDENTIFIERS: list[tuple[str, Any]] = [
    ("empty", ""),
    ("256 chars", "x" * 256),
    ("NUL", "a\x00b"),
    ("lone surrogate", "a\ud800"),
    ("int", 7),
    ("bytes", b"id"),
]
"""Identifiers no backend may accept (name, value)."""


def any_connector(cls: type[Connector] = Connector, **fields: Any) -> Connector:
    """Connector ``c`` of tenant ``t`` named ``n`` with ``fields`` over it, of any type: the suite
    builds ill-typed connectors on purpose (attrs checks no types; the store must refuse them)."""
    return cls(connector_id="c", tenant_id="t", name="n", **fields)


def any_config(**fields: Any) -> ConnectorConfig:
    """A ``ConnectorConfig`` with ``fields`` of any type (ill-typed on purpose, to be refused)."""
    return ConnectorConfig(**fields)

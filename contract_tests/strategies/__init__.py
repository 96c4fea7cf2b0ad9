"""Hypothesis strategies for the values every backend must keep exactly, and for the ones every
backend must refuse.

Valid strategies lean on the corners backends get wrong (DESIGN, "Values every backend must keep
exactly"): JSON keys with ``.``/``$``/empty/non-ASCII text, ``"\\x00"`` in strings, ints at the
signed 64-bit bounds, ``-0.0``, subnormals and ``1e308``, deep nesting and empty containers,
identifiers at the 255-character limit and across the UTF-16 surrogate boundary, timestamps at
millisecond edges and in other time zones. Invalid strategies give one value that must make a
call raise ``ValidationError`` with nothing written.

By job: ``text`` (characters, names, identifiers), ``json_documents``, ``times`` (clock moves,
aware datetimes, id starts) and ``fields`` (paging, enums, connector configs).
"""

from __future__ import annotations

from .fields import (
    INVALID_ENUM_VALUES,
    INVALID_LIMITS,
    INVALID_OFFSETS,
    WORKER_STATUSES,
    capability_lists,
    connector_configs,
    connector_statuses,
    connector_types,
    invalid_connector_configs,
    limits,
    offsets,
    optional_connector_statuses,
    optional_connector_types,
    small_ints,
)
from .json_documents import (
    INVALID_JSON_LEAVES,
    INVALID_KEYS,
    LARGEST_FLOAT,
    SMALLEST_SUBNORMAL,
    TRICKY_FLOATS,
    TRICKY_INTS,
    TRICKY_KEYS,
    TRICKY_STRINGS,
    deeply_nested,
    invalid_json_objects,
    json_keys,
    json_objects,
    json_scalars,
    json_values,
)
from .text import (
    INVALID_IDENTIFIERS,
    INVALID_TEXT,
    LONG_TEXTS,
    POOL_NAMES,
    TRICKY_CHARACTERS,
    free_text,
    identifiers,
    invalid_identifiers,
    long_texts,
    text_characters,
)
from .times import (
    ID_STARTS,
    MILLISECOND_EDGES,
    ZONES,
    aware_datetimes,
    clock_advances,
)

__all__ = [
    "ID_STARTS",
    "INVALID_ENUM_VALUES",
    "INVALID_IDENTIFIERS",
    "INVALID_JSON_LEAVES",
    "INVALID_KEYS",
    "INVALID_LIMITS",
    "INVALID_OFFSETS",
    "INVALID_TEXT",
    "LARGEST_FLOAT",
    "LONG_TEXTS",
    "MILLISECOND_EDGES",
    "POOL_NAMES",
    "SMALLEST_SUBNORMAL",
    "TRICKY_CHARACTERS",
    "TRICKY_FLOATS",
    "TRICKY_INTS",
    "TRICKY_KEYS",
    "TRICKY_STRINGS",
    "WORKER_STATUSES",
    "ZONES",
    "aware_datetimes",
    "capability_lists",
    "clock_advances",
    "connector_configs",
    "connector_statuses",
    "connector_types",
    "deeply_nested",
    "free_text",
    "identifiers",
    "invalid_connector_configs",
    "invalid_identifiers",
    "invalid_json_objects",
    "json_keys",
    "json_objects",
    "json_scalars",
    "json_values",
    "limits",
    "long_texts",
    "offsets",
    "optional_connector_statuses",
    "optional_connector_types",
    "small_ints",
    "text_characters",
]

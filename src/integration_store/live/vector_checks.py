"""Checks of everything a vector client is given, before anything is written or searched.

Both providers (builtin and Qdrant) take their arguments through these checks, so a call that one
refuses the other refuses too, with the same ``ValidationError`` naming the same field
(``vectors[3].values``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt

from integration_store import values
from integration_store.errors import ValidationError
from integration_store.model.connectors import VectorConnector

MAX_DIMENSION: Final = 65_536
"""Most numbers a vector may have (Qdrant's own limit, so both providers take the same)."""

MAX_TOP_K: Final = values.MAX_LIMIT
"""Most results one search returns (the library's list limit, 10,000)."""

VECTOR_KEYS: Final = ("id", "values", "metadata")
"""The keys of one vector given to ``upsert_vectors`` (``metadata`` optional)."""

_FLOAT32_MAX: Final = float(np.finfo(np.float32).max)
_PLAIN_NUMBERS: Final = frozenset({float, int})


class Metric(str, Enum):
    """How a search scores a vector; the conventions are Qdrant's, so both providers agree."""

    COSINE = "cosine"
    """Cosine similarity, higher first; zero vectors are refused."""
    DOT = "dot"
    """Dot product, higher first."""
    EUCLIDEAN = "euclidean"
    """Euclidean distance, lower first."""

    @property
    def higher_first(self) -> bool:
        """Whether a higher score is a nearer vector."""
        return self is not Metric.EUCLIDEAN


@attrs.frozen
class VectorSettings:
    """A connector's vector settings, checked once when its client connects."""

    dimension: int
    metric: Metric


@attrs.frozen
class CheckedVector:
    """One vector ready to store: its values already rounded to float32, as they are kept."""

    vector_id: str
    values: npt.NDArray[np.float32]
    metadata: dict[str, Any]


def settings_of(connector: VectorConnector) -> VectorSettings:
    """The connector's dimension (1..65,536) and metric (cosine, dot, euclidean)."""
    dimension = values.integer(connector.vector_dimension, "vector_dimension")
    if not 1 <= dimension <= MAX_DIMENSION:
        raise ValidationError("vector_dimension", f"must be between 1 and {MAX_DIMENSION:,}")
    try:
        metric = Metric(connector.distance_metric)
    except ValueError:
        known = ", ".join(member.value for member in Metric)
        raise ValidationError(
            "distance_metric",
            f"must be one of {known}, not {values.quoted(connector.distance_metric)}",
        ) from None
    return VectorSettings(dimension, metric)


def vector_values(value: object, field: str, settings: VectorSettings) -> npt.NDArray[np.float32]:
    """A list of ``dimension`` finite numbers, as the float32 numbers they are kept as (a
    number beyond float32's range is refused rather than kept as infinity); for cosine, not all
    zero once rounded (it has no direction)."""
    if not isinstance(value, list | tuple | np.ndarray):
        raise ValidationError(field, f"must be a list of numbers, not {type(value).__name__}")
    if len(value) != settings.dimension:
        raise ValidationError(
            field, f"must hold exactly {settings.dimension} numbers, not {len(value)}"
        )
    if isinstance(value, np.ndarray):
        if value.ndim != 1 or value.dtype.kind not in "fiu":
            raise ValidationError(field, "must be a one-dimensional array of numbers")
        numbers = value.astype(np.float64)
    else:
        if not set(map(type, value)) <= _PLAIN_NUMBERS:  # one pass in C for the usual lists
            for index, number in enumerate(value):
                if isinstance(number, bool | np.bool_) or not isinstance(
                    number, int | float | np.number
                ):
                    raise ValidationError(
                        f"{field}[{index}]", f"must be a number, not {type(number).__name__}"
                    )
        try:
            numbers = np.asarray(value, dtype=np.float64)
        except OverflowError:
            raise ValidationError(field, "holds a number too large for a float") from None
    return _as_float32(numbers, field, settings)


def _as_float32(
    numbers: npt.NDArray[np.float64], field: str, settings: VectorSettings
) -> npt.NDArray[np.float32]:
    finite = np.isfinite(numbers)
    if not finite.all():
        index = int(np.flatnonzero(~finite)[0])
        raise ValidationError(f"{field}[{index}]", f"must be finite, not {numbers[index]!r}")
    too_large = np.abs(numbers) > _FLOAT32_MAX
    if too_large.any():
        index = int(np.flatnonzero(too_large)[0])
        raise ValidationError(
            f"{field}[{index}]", "is beyond float32's range (vectors are kept as float32)"
        )
    rounded = numbers.astype(np.float32)
    if settings.metric is Metric.COSINE and not rounded.any():
        raise ValidationError(field, "must not be a zero vector: cosine needs a direction")
    return rounded


def vectors(items: object, settings: VectorSettings) -> list[CheckedVector]:
    """The vectors of one ``upsert_vectors`` call, each checked, none twice, at most
    ``values.MAX_BATCH``."""
    batch = values.batch(items, "vectors")
    checked: list[CheckedVector] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(batch):
        field = f"vectors[{index}]"
        vector = _vector(item, field, settings)
        if vector.vector_id in seen:
            raise ValidationError(
                f"{field}.id",
                f"{values.quoted(vector.vector_id)} is also vectors[{seen[vector.vector_id]}]; "
                "give each id once per call",
            )
        seen[vector.vector_id] = index
        checked.append(vector)
    return checked


def _vector(item: object, field: str, settings: VectorSettings) -> CheckedVector:
    if not isinstance(item, Mapping):
        raise ValidationError(field, f"must be a dict, not {type(item).__name__}")
    unknown = [key for key in item if key not in VECTOR_KEYS]
    if unknown:
        raise ValidationError(
            field, f"unknown key {values.quoted(unknown[0])} (keys: {', '.join(VECTOR_KEYS)})"
        )
    for key in ("id", "values"):
        if key not in item:
            raise ValidationError(f"{field}.{key}", "is required")
    vector_id = values.identifier(item["id"], f"{field}.id")
    numbers = vector_values(item["values"], f"{field}.values", settings)
    metadata = values.json_object(item.get("metadata", {}), f"{field}.metadata")
    values.check_write_size({"metadata": metadata}, f"{field}.")
    return CheckedVector(vector_id, numbers, metadata)


def top_k(value: object) -> int:
    """How many results a search returns: 1..10,000."""
    result = values.integer(value, "top_k")
    if not 1 <= result <= MAX_TOP_K:
        raise ValidationError("top_k", f"must be between 1 and {MAX_TOP_K:,}")
    return result


def metadata_filter(value: object) -> dict[str, Any]:
    """Equality filters: a JSON object (None: no filter)."""
    return {} if value is None else values.json_object(value, "filter_metadata")


def vector_ids(items: object) -> list[str]:
    """The ids of one ``delete_vectors`` call, each an identifier, repeats dropped."""
    batch = values.batch(items, "ids")
    checked = [values.identifier(item, f"ids[{index}]") for index, item in enumerate(batch)]
    return list(dict.fromkeys(checked))


def metadata_pair(key: str, value: Any) -> str:
    """One metadata entry as canonical text: equal exactly when the key is the same and the
    values are equal JSON of the same types (1, 1.0 and true are three values; key order of
    nested objects does not count; -0.0 equals 0.0 as floats do). Filters of both providers
    compare these, so they agree on every JSON value."""
    return json.dumps([key, _canonical(value)], sort_keys=True, ensure_ascii=False)


def _canonical(value: Any) -> Any:
    if isinstance(value, float):
        return 0.0 if value == 0 else value
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


__all__ = [
    "MAX_DIMENSION",
    "MAX_TOP_K",
    "CheckedVector",
    "Metric",
    "VectorSettings",
    "metadata_filter",
    "metadata_pair",
    "settings_of",
    "top_k",
    "vector_ids",
    "vector_values",
    "vectors",
]

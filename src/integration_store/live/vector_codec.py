"""How a vector's values are stored: ``dimension`` float32 numbers, little-endian, packed
(``schema.VECTOR.vector_values``). Every backend keeps the bytes as given, so every backend loads
the very same numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

STORED_DTYPE: Final = np.dtype("<f4")
"""The stored number type: float32, little-endian whatever the machine's byte order."""

Matrix = npt.NDArray[np.float64]


def pack(values: npt.NDArray[np.float32]) -> bytes:
    """The stored bytes of one vector (already rounded to float32)."""
    return values.astype(STORED_DTYPE, copy=False).tobytes()


def unpack_matrix(blobs: Sequence[bytes], dimension: int) -> Matrix:
    """The vectors of ``blobs`` as the rows of one float64 matrix (one join, one
    ``frombuffer``: no per-vector numpy call). Scores are computed in float64 from the stored
    float32 numbers, so every backend ranks the same numbers the same way."""
    if not blobs:
        return np.zeros((0, dimension), dtype=np.float64)
    joined = b"".join(blobs)
    if len(joined) != len(blobs) * dimension * STORED_DTYPE.itemsize:
        raise ValueError(f"stored vectors are not all of dimension {dimension}")
    stored = np.frombuffer(joined, dtype=STORED_DTYPE).reshape(len(blobs), dimension)
    return stored.astype(np.float64)


__all__ = ["STORED_DTYPE", "Matrix", "pack", "unpack_matrix"]

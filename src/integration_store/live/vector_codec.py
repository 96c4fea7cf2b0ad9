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

UNPACK_CHUNK: Final = 4096
"""Vectors converted per step when building a matrix."""


def pack(values: npt.NDArray[np.float32]) -> bytes:
    """The stored bytes of one vector (already rounded to float32)."""
    return values.astype(STORED_DTYPE, copy=False).tobytes()


def unpack_matrix(blobs: Sequence[bytes], dimension: int) -> Matrix:
    """The vectors of ``blobs`` as the rows of one float64 matrix. Scores are computed in
    float64 from the stored float32 numbers, so every backend ranks the same numbers the same
    way.

    Filled in chunks: each chunk's bytes are joined and read by one ``frombuffer``, then
    converted straight into the matrix, so the only large allocation is the matrix itself (a
    whole-set join and float32 copy would double the memory touched)."""
    matrix = np.empty((len(blobs), dimension), dtype=np.float64)
    width = dimension * STORED_DTYPE.itemsize
    for start in range(0, len(blobs), UNPACK_CHUNK):
        chunk = blobs[start : start + UNPACK_CHUNK]
        joined = b"".join(chunk)
        if len(joined) != len(chunk) * width:
            raise ValueError(f"stored vectors are not all of dimension {dimension}")
        stored = np.frombuffer(joined, dtype=STORED_DTYPE).reshape(len(chunk), dimension)
        matrix[start : start + len(chunk)] = stored
    return matrix


__all__ = ["STORED_DTYPE", "Matrix", "pack", "unpack_matrix"]

"""Text and identifier strategies: characters where collations, encodings and UTF-16 order
disagree, names that collide, text beyond 64 KiB, and identifiers every backend must refuse."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from integration_store.values import MAX_IDENTIFIER_LENGTH

TRICKY_CHARACTERS = [
    "a",
    "A",
    "z",
    " ",
    ".",
    "$",
    "'",
    '"',
    "\\",
    "%",
    "_",
    "\t",
    "\n",
    "é",
    "\u0301",  # combining accent: "e" + it is not "é"
    "ß",
    "\u0131",  # dotless i: upper-cases to "I"
    "☃",
    "\u00a0",
    "\ud7ff",  # last code point before the surrogates
    "\ue000",  # first after them: sorts above U+10000 in UTF-16, below it by code point
    "\uffff",
    "\U00010000",
    "𝄞",
    "😀",
    "\U0010ffff",
    "\r",
    "\x7f",
    "\x1b",
    "\u2028",
    "\ufeff",  # byte order mark
    "\u200b",  # zero-width space
]
"""Characters where collations, encodings and UTF-16 order disagree with code-point order."""

_plain_characters = st.characters(
    codec="utf-8", exclude_characters="\x00", exclude_categories=["Cs"]
)
text_characters = st.one_of(st.sampled_from(TRICKY_CHARACTERS), _plain_characters)
"""Any character of valid text (no NUL, no lone surrogate), the tricky ones often."""

POOL_NAMES = ["Docs", "docs", "docs ", " docs", "DOCS", "Dócs", "a", "b", "ß", "ss", "𝄞", "\ue000"]
"""Names that collide often and sort differently under case-, accent- or space-insensitive rules."""


LONG_TEXTS = [("x", 70_000), ("𝄞", 17_000), ("é", 33_000)]
"""Free text beyond 64 KiB (MariaDB ``TEXT``) or 65,535 characters, as (character, count):
no length cap applies. (Built on demand: a literal would bloat every strategy's repr.)"""

long_texts = st.sampled_from(LONG_TEXTS).map(lambda spec: spec[0] * spec[1] + "end")


def free_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text without NUL or lone surrogates; now and then longer than 64 KiB (no cap applies)."""
    short = st.text(text_characters, max_size=max_size)
    return st.integers(min_value=0, max_value=15).flatmap(
        lambda roll: long_texts if roll == 0 else short
    )


def identifiers() -> st.SearchStrategy[str]:
    """Valid identifiers: a small colliding pool, random text, and 255 characters exactly."""
    return st.one_of(
        st.sampled_from(POOL_NAMES),
        st.text(text_characters, min_size=1, max_size=12),
        st.builds(
            lambda head, fill: (head + fill * MAX_IDENTIFIER_LENGTH)[:MAX_IDENTIFIER_LENGTH],
            st.text(text_characters, max_size=3),
            st.sampled_from(["x", "é", "𝄞"]),
        ),
    )


INVALID_IDENTIFIERS: list[Any] = [
    "",
    "x" * (MAX_IDENTIFIER_LENGTH + 1),
    "𝄞" * (MAX_IDENTIFIER_LENGTH + 1),
    "a\x00b",
    "\x00",
    "a\ud800",
    "\udfff",
    7,
    b"id",
    1.5,
    ["id"],
]
"""Identifier values every backend must refuse (the 256th character, NUL, a lone surrogate,
non-str)."""


def invalid_identifiers() -> st.SearchStrategy[Any]:
    """One identifier value that must raise ``ValidationError``."""
    return st.sampled_from(INVALID_IDENTIFIERS)


INVALID_TEXT: list[Any] = ["a\x00", "\ud800x", 3, b"text"]
"""Free-text values every backend must refuse."""

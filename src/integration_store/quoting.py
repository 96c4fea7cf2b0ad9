"""How an error message shows a bad value: short, and never the whole of a huge one.

Re-exported by ``integration_store.values``, where the checks that quote values live.
"""

from __future__ import annotations

import reprlib
from typing import Final

MAX_QUOTED_CHARACTERS: Final = 40
"""Most characters of a bad value an error message quotes (``quoted``)."""

_QUOTER: Final = reprlib.Repr()
_QUOTER.maxlevel = 2
_QUOTER.maxstring = _QUOTER.maxother = MAX_QUOTED_CHARACTERS
_QUOTER.maxlist = _QUOTER.maxtuple = _QUOTER.maxdict = _QUOTER.maxset = 4


def quoted(value: object) -> str:
    """A bad value as an error message shows it: its ``repr`` when short, else a short prefix
    and its size. Never the whole value, which may be huge or nested too deep to ``repr``; the
    one way every ``ValidationError`` quotes a value."""
    if isinstance(value, str):
        if len(value) <= MAX_QUOTED_CHARACTERS:
            return repr(value)
        return f"{value[:MAX_QUOTED_CHARACTERS]!r}... ({len(value):,} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an int of {value.bit_length():,} bits"
    shown = _QUOTER.repr(value)
    if len(shown) > 2 * MAX_QUOTED_CHARACTERS:
        shown = shown[: 2 * MAX_QUOTED_CHARACTERS] + "..."
    return shown

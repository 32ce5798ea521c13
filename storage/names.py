"""What a stored person's name may contain: one rule for the API, the bot and the admin commands."""
from __future__ import annotations

import unicodedata

# Letters (or a blank symbol) that render as nothing: they pass the "two letters" test while
# showing an empty or impersonating name. Format characters (U+200B, U+202E, U+FEFF...) are
# refused by category already.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")


def clean_name(text: object, max_len: int) -> str | None:
    """The name with its spaces collapsed; None unless it is visible text, at most `max_len` long, with two letters."""
    if not isinstance(text, str) or len(text) > max_len:
        return None
    for char in text:
        category = unicodedata.category(char)
        # C*: controls, format (bidi overrides, zero-width), surrogates, private use, unassigned.
        if category[0] == "C" or category in ("Zl", "Zp") or char in _INVISIBLE:
            return None
    name = " ".join(text.split())  # any run of spaces (U+00A0 and friends too) becomes one space
    if sum(char.isalpha() for char in name) < 2:
        return None
    return name

"""Case- and accent-insensitive comparison of what people type ('Amanhã' == 'amanha')."""
from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lowercase, without accents, with runs of white space made single spaces."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()

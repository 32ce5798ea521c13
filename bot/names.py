"""What counts as a person's name."""
from __future__ import annotations

import re

from bot import choices
from storage.names import clean_name

_FORBIDDEN = re.compile(r"[<>{}\[\]|\\/@#$%^&*=+_~`\"0-9:;]|https?|www\.", re.IGNORECASE)
_NOT_NAMES = choices.YES | choices.NO | choices.GLOBAL_WORDS | choices.GREETINGS | {
    "agendar", "marcar", "cancelar", "remarcar", "teste", "nome", "meu nome", "quero agendar"}


def valid_name(text: str | None) -> str | None:
    """The name, tidied, when it is 2-60 characters with at least two letters; else None."""
    if not text:
        return None
    name = " ".join(str(text).split())
    name = re.sub(r"^(?:meu nome (?:e|é)|me chamo|sou (?:a|o)?)\s+", "", name, flags=re.IGNORECASE).strip()
    name = clean_name(name, 60)  # the rule every way in shares: visible text with two letters
    if name is None or _FORBIDDEN.search(name) or choices.clean(name) in _NOT_NAMES:
        return None
    if name.islower():
        name = " ".join(part[:1].upper() + part[1:] for part in name.split(" "))
    return name

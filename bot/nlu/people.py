"""A person's name in the words they answer with: "Não, é Roberto", "meu nome é Ana", "sou a Ana Paula"."""
from __future__ import annotations

import datetime as dt
import re

from bot.names import valid_name
from bot.nlu.intents import detect_intent
from bot.nlu.text import MAX_CHARS, normalize
from bot.nlu.when import read_when

# Openers answered before the name ("Não, ...", "Oi! ..."), and the words that introduce it.
_OPENERS = r"(?:(?:n[aã]o|sim|ops|opa|oi+|ol[aá]|bom\s+dia|boa\s+tarde|boa\s+noite|na\s+verdade|desculp[ae])\b[\s,.!;:-]*)*"
_INTRO = (r"(?:(?:o\s+)?meu\s+nome\s+(?:eh|[eé]|seria)|me\s+chamo|(?:eu\s+)?sou\s+(?:[ao]\s+)?|"
          r"(?:pode\s+)?me\s+chamar?\s+de|(?:eh|[eé])\s+(?:[ao]\s+)?|aqui\s+(?:eh|[eé])\s+(?:[ao]\s+)?|"
          r"(?:o\s+)?nome\s+(?:eh|[eé])|(?:o\s+)?certo\s+(?:eh|[eé]))")
_NAME = re.compile(rf"^\s*{_OPENERS}(?:{_INTRO}\s*)?(?P<name>.*)$", re.IGNORECASE | re.DOTALL)
# Where the name ends: punctuation, or the rest of the sentence ("... e quero marcar").
_AFTER_NAME = re.compile(r"[,.;!?()\n]|\s(?:e|mas|aqui|quero|queria|gostaria|preciso|tudo|obrigad[oa])\s", re.IGNORECASE)
_TRAILING = re.compile(r"[^\w]+$")
# "Não é Roberto, é Roberta": the first name said is the one turned down.
_TURNED_DOWN = re.compile(r"^\s*n[aã]o\s+(?:eh|[eé]|sou|me\s+chamo)\b[^,;.]*[,;.]\s*(?P<rest>\S.*)$",
                          re.IGNORECASE | re.DOTALL)
# In normalized text: the words where customers introduce themselves ("sou o João", "aqui é a Ana"),
# so that their own name is not read as a professional's.
_SELF = re.compile(r"\b(?:(?:eu\s+)?sou|me\s+chamo|(?:o\s+)?meu\s+nome\s+(?:e|eh)|aqui\s+(?:e|eh))\s+(?:o\s+|a\s+)?[a-z]+"
                   r"(?:\s+(?!(?:e|quero|queria|gostaria|preciso|tudo|tem|vou|to|estou|pode|com)\b)[a-z]+){0,3}")
_MAX_WORDS = 6
_ANY_DAY = dt.date(2000, 1, 3)  # reading "amanhã" needs a today; which one does not matter


def introductions(folded: str) -> list[tuple[int, int]]:
    """Where, in normalized text, people say who they are ("sou o João"): (start, end) spans."""
    return [match.span() for match in _SELF.finditer(folded)]


def person_name(text: str) -> str | None:
    """The name alone, tidied ("Ana Paula"), when the message gives one; else None."""
    if not isinstance(text, str):
        return None
    text = text[:MAX_CHARS]
    corrected = _TURNED_DOWN.match(text)
    match = _NAME.match(corrected["rest"] if corrected else text)
    if match is None:
        return None
    name = _AFTER_NAME.split(match["name"] + " ", maxsplit=1)[0]
    name = _TRAILING.sub("", name.strip())
    if not name or len(name.split()) > _MAX_WORDS:
        return None
    folded = normalize(name)
    if detect_intent(folded, normalized=True) is not None or not read_when(name, _ANY_DAY).empty:
        return None  # "quero marcar", "amanhã": a request, not a name
    return valid_name(name)


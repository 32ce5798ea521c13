"""What every reader shares: the message folded to plain words, and numbers written as words."""
from __future__ import annotations

import re

from storage.folding import fold

# The longest message read. A request fits in far less; a pasted essay stays cheap.
MAX_CHARS = 400

# WhatsApp spellings of the words the readers look for, replaced by the dictionary word. Applied to
# folded text (lowercase, no accents), each as a whole word.
_SPELLINGS = (
    (r"hj|hje|hoj", "hoje"),
    (r"amanh|amnh|amnha|amanhan|amanah|amanhaa|amanhah", "amanha"),
    (r"dps|dpois|dpoi|depoi|despois|depos", "depois"),
    (r"q|qe|ke", "que"),
    (r"d", "de"),
    (r"prox|prx|proxim", "proxima"),
    (r"qro|qero|kero|quro|qer|quer", "quero"),
    (r"qria|keria|qeria", "queria"),
    (r"vc|vse", "voce"),
    (r"vcs|vces", "voces"),
    (r"pfv|pf|pfvr|porfavor|pls", "por favor"),
    (r"tb|tbm|tmb", "tambem"),
    (r"agd|agnd|agend", "agendar"),
    (r"hr|hrs", "horario"),
    (r"hrios", "horarios"),
)
_SPELLING = re.compile(r"\b(?:" + "|".join(pattern for pattern, _ in _SPELLINGS) + r")\b")
_SPELLING_OF = {spelling: word for pattern, word in _SPELLINGS for spelling in pattern.split("|")}

# "meio-dia", "meiodia", "meia-noite" as two words; "a.m."/"p.m." and "8pm" as "8 pm".
_JOINED = (
    (re.compile(r"\bmeio\s?-?\s?dia\b"), "meio dia"),
    (re.compile(r"\bmeia\s?-?\s?noite\b"), "meia noite"),
    (re.compile(r"\b([ap])\.\s?m\b\.?"), r"\1m"),
    (re.compile(r"(?<=[0-9])([ap]m)\b"), r" \1"),
    (re.compile(r"(?<=[0-9])\s?(?:hrs?|hs|h)(?=[0-9])"), "h"),
)


def normalize(text: str, limit: int = MAX_CHARS) -> str:
    """The first `limit` characters, folded, with WhatsApp spellings replaced by dictionary words
    (and no longer than `limit` after that: "q q q" grows)."""
    folded = fold(text[:limit]) if isinstance(text, str) else ""
    # "hr"/"hrs" after a number is an hour suffix ("15hrs"), not "horário"
    folded = re.sub(r"(?<=[0-9])\s?(hrs?|hs)\b", r"\1", folded)
    folded = _SPELLING.sub(lambda match: _SPELLING_OF[match.group(0)], folded)
    for pattern, replacement in _JOINED:
        folded = pattern.sub(replacement, folded)
    return folded[:limit]


# --- numbers written as words ---------------------------------------------------------------------

_UNITS = {
    "zero": 0, "um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6,
    "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12, "treze": 13, "catorze": 14,
    "quatorze": 14, "quinze": 15, "dezesseis": 16, "dezasseis": 16, "dezessete": 17, "dezoito": 18,
    "dezenove": 19,
}
_TENS = {"vinte": 20, "trinta": 30, "quarenta": 40, "cinquenta": 50}


def _number_words() -> dict[str, int]:
    words = dict(_UNITS) | dict(_TENS)
    for ten, tens in _TENS.items():
        for unit, units in _UNITS.items():
            if 1 <= units <= 9:
                words[f"{ten} e {unit}"] = tens + units
    return words


NUMBER_WORDS = _number_words()


def number_words(low: int, high: int, *, exclude: tuple[str, ...] = ()) -> str:
    """A regex alternation of the number words worth `low`..`high`, longest first."""
    chosen = [w for w, v in NUMBER_WORDS.items() if low <= v <= high and w not in exclude]
    return "|".join(sorted(chosen, key=len, reverse=True)).replace(" ", r"\s")


def number_value(text: str) -> int:
    """The value of digits or of number words ("15", "quinze", "vinte e um")."""
    text = " ".join(text.split())
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


# --- negation -------------------------------------------------------------------------------------

# "não posso sexta", "sexta não dá", "nem amanhã": a day or time the person turns down. A "não"
# closed by punctuation ("Não, sexta") answers the previous question and negates nothing after it.
_NEGATION_BEFORE = re.compile(r"\b(?:nao|n|nem|nunca)\b(?:\s+[a-z]+){0,3}\s*$")
_NEGATION_AFTER = re.compile(r"^\s*(?:nao|n|nem)\b")


def turned_down(text: str, start: int, end: int) -> bool:
    """Whether the words at text[start:end] are turned down in their clause ("não posso sexta")."""
    before = text[max(0, start - 40):start]
    clause = re.split(r"[,.;!?]", before)[-1]
    return bool(_NEGATION_BEFORE.search(clause) or _NEGATION_AFTER.match(text[end:end + 12]))

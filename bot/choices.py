"""Reading a person's answer to a numbered question: a number, or the words of an option."""
from __future__ import annotations

import re
from collections.abc import Sequence

from storage.folding import fold

_KEYCAPS = {f"{d}\ufe0f\u20e3": d for d in "0123456789"} | {"🔟": "10"}
# "1", "1.", "1)", "*1*", "opção 1", "numero 2", "nº 3"
_NUMBER = re.compile(r"^(?:op[cç][aã]o|opcao|numero|número|n[ºo°]\.?)?\s*\*?(\d{1,3})\*?\s*[.)\-]?$")
_PUNCTUATION = re.compile(r"[^\w\s]", re.UNICODE)

YES = {"sim", "s", "ss", "yes", "confirmar", "confirmo", "confirma", "ok", "okay", "certo", "isso",
       "pode", "pode ser", "claro", "com certeza", "beleza", "blz", "👍", "sim confirmar", "sim, confirmar"}
NO = {"nao", "n", "no", "negativo", "nao quero", "outro", "outro horario", "mudar"}

GLOBAL_WORDS = {"menu", "ajuda", "sair", "parar", "voltar"}
GREETINGS = {"oi", "ola", "oie", "opa", "bom dia", "boa tarde", "boa noite", "e ai", "eai", "hello", "hi",
             "inicio", "comecar", "start"}


def clean(text: str) -> str:
    """Folded text without punctuation, for matching words."""
    return " ".join(_PUNCTUATION.sub(" ", fold(text)).split())


def number(text: str) -> int | None:
    """The option number a person typed, if the message is just a number."""
    stripped = text.strip()
    for keycap, digits in _KEYCAPS.items():
        stripped = stripped.replace(keycap, digits)
    match = _NUMBER.match(fold(stripped))
    return int(match.group(1)) if match else None


def pick(text: str, count: int) -> int | None:
    """A 0-based index when the text is a number between 1 and `count`."""
    n = number(text)
    return n - 1 if n is not None and 1 <= n <= count else None


def match_option(text: str, options: Sequence[Sequence[str]]) -> int | None:
    """The index of the option the text names, by its number or by its words."""
    index = pick(text, len(options))
    return index if index is not None else match_words(text, options)


def match_words(text: str, options: Sequence[Sequence[str]]) -> int | None:
    """The index of the option whose keywords the text names.

    `options` lists, per option, its keywords (folded, without punctuation); a keyword matches
    as the whole message or as whole words inside it. Earlier options win ties.
    """
    words = clean(text)
    if not words:
        return None
    padded = f" {words} "
    for i, keywords in enumerate(options):
        for keyword in keywords:
            if words == keyword or f" {keyword} " in padded:
                return i
    return None


def yes_no(text: str) -> bool | None:
    """True for 1/sim, False for 2/não, None otherwise."""
    n = number(text)
    if n == 1:
        return True
    if n == 2:
        return False
    words = clean(text)
    if words in YES or text.strip() in YES:
        return True
    if words in NO:
        return False
    first = words.split(" ", 1)[0] if words else ""
    if first in ("sim", "confirmar", "confirmo"):
        return True
    if first in ("nao",):
        return False
    return None


def global_word(text: str) -> str | None:
    """menu / ajuda / sair / parar / voltar, when that is the whole message."""
    if text.strip() == "?":
        return "ajuda"
    words = clean(text)
    if words in GLOBAL_WORDS:
        return words
    if words in ("help", "socorro"):
        return "ajuda"
    if words in ("cancelar tudo", "desistir", "sai"):
        return "sair"
    return None


def is_greeting(text: str) -> bool:
    """'oi', 'bom dia', 'olá, tudo bem?': a message that starts with a greeting."""
    words = clean(text).split()
    return bool(words) and (words[0] in GREETINGS or " ".join(words[:2]) in GREETINGS)

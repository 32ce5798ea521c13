"""Reading a person's answer to a numbered question: a number, or the words of an option."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

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


# --- names typed with typos ------------------------------------------------------------------------

SURE_SCORE = 85  # rapidfuzz ratio (0-100) from which a name is taken without asking
GUESS_SCORE = 70  # from here up to SURE_SCORE the name is only offered back ("did you mean X?")
_MIN_FUZZY = 3  # shorter words must match a name exactly: "s" never picks "Sobrancelha"

# Words that never name a service or a person, left out before matching so that "marcar" is not
# read as "Marcos", nor "com a" as "Ana".
STOPWORDS = frozenset(str.split("""
    a o as os e de da do das dos em no na nos nas um uma uns umas com para pra pro pros pras por pelo pela
    que se me mim eu voce voces vc ele ela meu minha seu sua ai la aqui isso esse essa este esta
    quero queria gostaria preciso pode podia poderia vou vai tem ter fazer faz marcar marco agendar
    reservar horario horarios hora horas hoje amanha dia dias semana sim nao ok oi ola bom boa tarde noite
    manha obrigado obrigada favor tambem so mais menos muito quanto qual quais quando onde como
    barbearia salao loja estudio
"""))

# Verb and plural forms people use for a service's noun ("quero cortar" for "Corte").
_FORMS = {"cortar": "corte", "corta": "corte", "cortes": "corte", "cortando": "corte", "barbear": "barba",
          "barbas": "barba", "sobrancelhas": "sobrancelha"}


@dataclass(frozen=True)
class NameMatch:
    """The option a text names: its index, how close (0-100), and whether that is close enough to
    take it without asking back."""

    index: int
    score: float
    sure: bool


def _words(text: str) -> list[str]:
    return [_FORMS.get(word, word) for word in clean(text).split() if word not in STOPWORDS]


def find_name(text: str, names: Sequence[str], *, aliases: bool = False) -> NameMatch | None:
    """The name (service, professional...) a text says, allowing for typos.

    Every run of words in the text is compared with each name (rapidfuzz ratio); the name that
    covers the most words at the best score wins. Sure from SURE_SCORE, a guess to confirm from
    GUESS_SCORE, else None; two names said, or words fitting two names as well, is only a guess.
    With `aliases`, a name's first word counts alone ("Ana" for "Ana Paula"), below a whole name."""
    words = _words(text)
    targets = _targets(names, aliases)
    if not words or not targets:
        return None
    longest = max(len(target.split()) for target, _, _ in targets) + 1
    found: list[_Found] = []
    for size in range(1, min(longest, len(words)) + 1):
        for first in range(len(words) - size + 1):
            said = " ".join(words[first:first + size])
            for target, index, alias in targets:
                score = _score(said, target)
                if score >= GUESS_SCORE:
                    found.append(_Found(score, size, first, index, alias))
    if not found:
        return None
    best = max(found, key=lambda f: (f.score, f.size, not f.alias))
    rivals = [f for f in found if f.index != best.index and f.score >= SURE_SCORE and (
        f.apart(best) or (f.score, f.size, f.alias) == (best.score, best.size, best.alias))]
    return NameMatch(best.index, best.score, sure=best.score >= SURE_SCORE and not rivals)


@dataclass(frozen=True)
class _Found:
    score: float
    size: int  # words covered
    first: int  # the first of them
    index: int
    alias: bool

    def apart(self, other: _Found) -> bool:
        """Whether two matches cover different words ("corte e sobrancelha": two names said)."""
        return self.first + self.size <= other.first or other.first + other.size <= self.first


def _score(said: str, target: str) -> float:
    if said == target:
        return 100.0
    if len(said) < _MIN_FUZZY or len(target) < _MIN_FUZZY:
        return 0.0
    return fuzz.ratio(said, target)


def _targets(names: Sequence[str], aliases: bool) -> list[tuple[str, int, bool]]:
    """(words to compare, index, whether it is only a first name) for every name."""
    targets = [(" ".join(_words(name)) or clean(name), i, False) for i, name in enumerate(names)]
    if aliases:
        for i, name in enumerate(names):
            words = clean(name).split()
            if len(words) > 1 and words[0] not in STOPWORDS:
                targets.append((words[0], i, True))
    return [target for target in targets if target[0]]

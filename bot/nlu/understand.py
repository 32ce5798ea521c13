"""Everything one message says, read at once: `understand(text, now, catalog) -> Reading`.

"quero marcar corte com o João sexta às 15h" gives the intent (book), the service, the
professional, the day and the time, in any order. Whatever is unsure is left out (the caller asks
again) and kept aside for the question: the days or times it may be, the name it may be."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from bot import choices
from bot.nlu.catalog import Catalog, Offer
from bot.nlu.intents import CLEAR, Intent, IntentFound, detect_intent
from bot.nlu.people import introductions
from bot.nlu.text import normalize
from bot.nlu.when import When, Window, read_normalized

_CLAUSE = re.compile(r"[^,.;!?]+")
_NEGATION = re.compile(r"\b(?:nao|n|nem)\b")

# "quero corte", "preciso de uma barba": wanting a service is asking to book it
_WANTS = re.compile(r"\b(?:quero|queria|gostaria|preciso|pode\s+ser|seria|vou\s+querer)\b")


@dataclass(frozen=True)
class Choice:
    """A service or professional read in the message, and how close the words were (0-100)."""

    offer: Offer
    score: float

    @property
    def id(self) -> int:
        return self.offer.id

    @property
    def name(self) -> str:
        return self.offer.name


@dataclass(frozen=True)
class Reading:
    """What a message says. `service` and `professional` are set only when sure; a close but
    unsure name is in `service_guess` / `professional_guess` ("did you mean X?"). `when` holds the
    day, time and window, or the days and times it may mean when unsure."""

    intent: Intent | None = None
    confidence: float = 0.0  # of the intent, 0-1: follow it from CLEAR
    service: Choice | None = None
    professional: Choice | None = None
    when: When = When()
    service_guess: Choice | None = None
    professional_guess: Choice | None = None
    closed: bool = False  # the day named has no opening hours

    @property
    def day(self) -> dt.date | None:
        return self.when.day

    @property
    def time(self) -> dt.time | None:
        return self.when.time

    @property
    def window(self) -> Window | None:
        return self.when.window

    @property
    def clear_intent(self) -> Intent | None:
        """The intent when it is clear enough to act on, else None."""
        return self.intent if self.confidence >= CLEAR else None

    def as_dict(self, explain: bool = False) -> dict[str, Any]:
        """The contract's JSON object (`flask understand`); `explain` adds what was left unsure."""
        result: dict[str, Any] = {
            "intent": self.clear_intent.value if self.clear_intent else None,
            "service": self.service.name if self.service else None,
            "professional": self.professional.name if self.professional else None,
            "date": self.day.isoformat() if self.day else None,
            "time": self.time.strftime("%H:%M") if self.time else None,
            "window": list(self.window.labels()) if self.window else None,
        }
        if explain:
            result |= {
                "intent_seen": self.intent.value if self.intent else None,
                "confidence": self.confidence,
                "service_guess": self.service_guess.name if self.service_guess else None,
                "professional_guess": self.professional_guess.name if self.professional_guess else None,
                "date_options": [d.isoformat() for d in self.when.day_options],
                "time_options": [t.strftime("%H:%M") for t in self.when.time_options],
                "invalid": self.when.invalid,
                "past": self.when.past,
                "closed": self.closed,
            }
        return result


def understand(text: str, now: dt.datetime, catalog: Catalog) -> Reading:
    """Reads one message against the business's catalog. `now` is aware (or naive business time)."""
    local = now.astimezone(catalog.timezone).replace(tzinfo=None) if now.tzinfo else now
    folded = normalize(text) if isinstance(text, str) else ""
    when, mentions = read_normalized(folded, local, catalog.hours)
    # The words that said a day or time are not names ("5 de março" is not "Marcos"), nor is the
    # customer's own ("sou o João"), nor a name turned down ("com o Tiago não, com o Marcos").
    rest = list(folded)
    spans = [(m.start, m.end) for m in mentions] + introductions(folded) + _negated_clauses(folded)
    for start, end in spans:
        rest[start:end] = " " * (end - start)
    words = "".join(rest)
    service, service_guess = _pick(words, catalog.services, aliases=False)
    professional, professional_guess = _pick(words, catalog.professionals, aliases=True)
    found = detect_intent(folded, normalized=True) or _implied(folded, service, when)
    return Reading(
        intent=found.intent if found else None, confidence=found.confidence if found else 0.0,
        service=service, professional=professional, when=when, service_guess=service_guess,
        professional_guess=professional_guess,
        closed=when.day is not None and bool(catalog.hours) and catalog.closed_on(when.day))


def _negated_clauses(folded: str) -> list[tuple[int, int]]:
    """The clauses that turn something down ("não quero com o João"): no name is taken from them."""
    return [clause.span() for clause in _CLAUSE.finditer(folded) if _NEGATION.search(clause.group(0))]


def _pick(words: str, offers: tuple[Offer, ...], *, aliases: bool) -> tuple[Choice | None, Choice | None]:
    """(sure choice, guess) among the offers the words name."""
    found = choices.find_name(words, [offer.name for offer in offers], aliases=aliases)
    if found is None:
        return None, None
    choice = Choice(offers[found.index], found.score)
    return (choice, None) if found.sure else (None, choice)


def _implied(folded: str, service: Choice | None, when: When) -> IntentFound | None:
    """A request with no verb: "corte amanhã 15h", "quero barba" ask to book."""
    if service is None:
        return None
    if when.day or when.time or when.window or _WANTS.search(folded):
        return IntentFound(Intent.BOOK, 0.85)
    return None

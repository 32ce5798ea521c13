"""WhatsApp-native replies: a reply whose options are numbered (`*1* - Agendar`, one per line, as
every step writes them) goes out as quick-reply buttons (up to three short options) or as a list
picker (up to ten), built from the same text, so a typed number or word works exactly as a tap.

Twilio sends these only through its REST API, with a `ContentSid` created through the Content
API. A handful of generic shapes serve every menu (`list-N`, `buttons-N`); their variables carry
the body, the titles and the ids.

A tap comes back as `ButtonPayload`/`ListId`: the id says which state offered it and which
option (`book_day:3`). In that state it reads as the number; in any other (an old list) it reads
as the words on it, so an old tap never picks the option with the same number in a new list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot import texts

MAX_ITEMS = 10  # a list picker holds up to ten items
MAX_BUTTONS = 3  # quick replies without an approved template
TITLE_LIMIT = 24  # a list item's title
BUTTON_LIMIT = 20  # a button's title
DESCRIPTION_LIMIT = 72
BODY_LIMIT = 1024

_OPTION = re.compile(r"^\*(\d{1,2})\* - (.+)$")


@dataclass(frozen=True)
class Option:
    id: str  # what a tap sends back: "<state>:<number>"
    title: str
    description: str = ""


@dataclass(frozen=True)
class Menu:
    """A reply as WhatsApp shows it: a body, and its options as buttons or a list."""

    kind: str  # "buttons" or "list"
    body: str
    options: tuple[Option, ...]

    @property
    def shape(self) -> str:
        """The generic Content API shape this menu needs: `list-5`, `buttons-2`."""
        return f"{self.kind}-{len(self.options)}"

    def variables(self) -> dict[str, str]:
        """The Content variables for the shape: the body, then each option's fields in turn."""
        values = [self.body]
        if self.kind == "list":
            values.append(texts.LIST_BUTTON)
            for option in self.options:
                values += [option.title, option.id, option.description or option.title]
        else:
            for option in self.options:
                values += [option.title, option.id]
        return {str(i): value for i, value in enumerate(values, 1)}


def shape_types(shape: str) -> dict:
    """The Content API `types` of a generic shape, every text a variable."""
    kind, count = shape.split("-")
    count = int(count)
    if kind == "list":
        items = [{"item": f"{{{{{3 + 3 * i}}}}}", "id": f"{{{{{4 + 3 * i}}}}}", "description": f"{{{{{5 + 3 * i}}}}}"}
                 for i in range(count)]
        return {"twilio/list-picker": {"body": "{{1}}", "button": "{{2}}", "items": items},
                "twilio/text": {"body": "{{1}}"}}
    actions = [{"title": f"{{{{{2 + 2 * i}}}}}", "id": f"{{{{{3 + 2 * i}}}}}"} for i in range(count)]
    return {"twilio/quick-reply": {"body": "{{1}}", "actions": actions}, "twilio/text": {"body": "{{1}}"}}


def _short(label: str, limit: int) -> str:
    plain = label.replace("*", "")
    return plain if len(plain) <= limit else plain[:limit - 1].rstrip() + "…"


def menu_of(text: str, state: str) -> Menu | None:
    """The reply as buttons or a list, when it offers numbered options 1..N (N <= 10) in one
    block; None for a reply without options (it goes out as plain text)."""
    lines = text.split("\n")
    numbered = [(i, _OPTION.match(line)) for i, line in enumerate(lines)]
    found = [(i, m) for i, m in numbered if m]
    if not found or len(found) > MAX_ITEMS:
        return None
    positions = [i for i, _ in found]
    if positions != list(range(positions[0], positions[0] + len(found))):
        return None  # not one block
    if [int(m.group(1)) for _, m in found] != list(range(1, len(found) + 1)):
        return None
    labels = [m.group(2).strip() for _, m in found]
    body = "\n".join(lines[:positions[0]] + lines[positions[-1] + 1:]).strip() or texts.CHOOSE_ONE
    if len(body) > BODY_LIMIT:
        return None
    if len(labels) <= MAX_BUTTONS and all(len(label.replace("*", "")) <= BUTTON_LIMIT for label in labels):
        return Menu("buttons", body, tuple(Option(f"{state}:{n}", label.replace("*", ""))
                                          for n, label in enumerate(labels, 1)))
    return Menu("list", body, tuple(Option(f"{state}:{n}", _short(label, TITLE_LIMIT),
                                           _short(label, DESCRIPTION_LIMIT) if len(label) > TITLE_LIMIT else "")
                                    for n, label in enumerate(labels, 1)))


def read_tap(payload: str, title: str, state: str) -> str:
    """What a tapped button or list item says in the current state: its number when this state
    offered it, else the words on it."""
    offered, _, number = payload.rpartition(":")
    if offered == state and number.isdigit():
        return number
    return title or payload

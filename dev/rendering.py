"""What a WhatsApp client shows for a message the business sent: its text, or the Content API
message that its ContentSid and ContentVariables make (a list picker: a body and a button that
opens a sheet of items; quick replies: a body with buttons under it).

The simulators draw what was sent, not the text the bot started from: the shape is looked up by
its SID among the shapes created through the Content API (`content_templates`), and its
`{{n}}` placeholders are filled with the variables, as Twilio fills them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot import interactive, texts
from storage.models import ContentTemplate

_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


@dataclass(frozen=True)
class Choice:
    """A list item or a button: what a tap sends back (`id`) and the words on it."""

    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Shown:
    """A message as the customer's phone shows it."""

    text: str
    kind: str = "text"  # "text", "list", "buttons" or "template" (an approved one we cannot draw)
    button: str | None = None  # a list's button, which opens the sheet
    choices: tuple[Choice, ...] = field(default=())

    def as_lines(self) -> str:
        """For a terminal: the body, then each option on its own numbered line (a typed number
        answers like a tap)."""
        if not self.choices:
            return self.text
        lines = [self.text, ""]
        if self.button:
            lines.append(f"☰ {self.button}")
        for number, choice in enumerate(self.choices, 1):
            extra = f" ({choice.description})" if choice.description else ""
            lines.append(f"*{number}* - {choice.title}{extra}")
        return "\n".join(lines)

    def as_json(self) -> dict:
        return {"text": self.text, "type": self.kind, "button": self.button,
                "choices": [choice.__dict__ for choice in self.choices]}


def _fill(value, variables: dict[str, str]):
    """The shape with every `{{n}}` replaced by variable n (missing ones left empty)."""
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: str(variables.get(m[1], "")), value)
    if isinstance(value, list):
        return [_fill(item, variables) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, variables) for key, item in value.items()}
    return value


def shown(body: str | None, content_sid: str | None, variables: dict | None) -> Shown:
    """What the phone shows for a sent message (needs a database connection for content)."""
    if not content_sid:
        return Shown(body or "")
    values = {str(k): str(v) for k, v in (variables or {}).items()}
    row = ContentTemplate.get_or_none(ContentTemplate.sid == content_sid)
    if row is None:
        return Shown(texts.simulator_template(content_sid, values), "template")
    types = _fill(interactive.shape_types(row.name), values)
    if "twilio/list-picker" in types:
        picker = types["twilio/list-picker"]
        return Shown(picker["body"], "list", picker["button"],
                     tuple(Choice(item["id"], item["item"],
                                  "" if item.get("description") == item["item"] else item.get("description", ""))
                           for item in picker["items"]))
    if "twilio/quick-reply" in types:
        reply = types["twilio/quick-reply"]
        return Shown(reply["body"], "buttons", None,
                     tuple(Choice(action["id"], action["title"]) for action in reply["actions"]))
    return Shown(types.get("twilio/text", {}).get("body", ""))

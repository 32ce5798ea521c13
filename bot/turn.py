"""The types every step shares: the message in (`Inbound`), what a step sees (`Turn`) and what it
answers (`Reply`). The engine, the routing table and the flows all import them from here."""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.nlu.catalog import Catalog, load_catalog
from bot.nlu.understand import Reading, understand
from bot.states import State
from config import Settings
from storage.availability import Rules
from storage.models import Professional, User

MAX_INPUT = 1000  # characters: a longer message is not read (a customer is asked to summarise)


@dataclass(frozen=True)
class Inbound:
    """One message as Twilio delivered it, from a phone, a WhatsApp user id, or both."""

    phone: str | None
    whatsapp_id: str | None
    text: str
    sid: str
    profile_name: str | None = None
    has_media: bool = False
    media_url: str | None = None  # the first attachment, when it is audio (a voice note)
    media_type: str | None = None
    tap: str | None = None  # a tapped button's or list item's id (ButtonPayload / ListId)
    tap_title: str | None = None  # the words on it (ButtonText / ListTitle)
    replied_to: str | None = None  # the message it answers, swiped or tapped (OriginalRepliedMessageSid)

    @property
    def voice(self) -> bool:
        return bool(self.media_url) and (self.media_type or "").startswith("audio/")


@dataclass
class Turn:
    """Everything a step needs to answer one message."""

    contact: User  # who wrote (known since their first message)
    text: str
    user: User | None  # the same person once registered, else None
    state: State
    data: dict[str, Any]
    now: dt.datetime
    settings: Settings
    profile_name: str | None = None
    has_media: bool = False
    voice: bool = False  # a voice note (with no transcription service configured)
    tap: str | None = None  # the id of a tapped button or list item, as Twilio sent it
    replied_to: str | None = None  # the business's message this one answers (OriginalRepliedMessageSid)
    is_admin: bool = False
    staff: Professional | None = None  # the professional writing from their own phone
    last_inbound_at: dt.datetime | None = None  # the person's previous message
    recent: int = 0  # messages from this person in the last minute, before this one
    idle_since: dt.datetime | None = None  # when the person last wrote, or the conversation last moved

    @property
    def rules(self) -> Rules:
        return Rules.from_settings(self.settings)

    @functools.cached_property
    def catalog(self) -> Catalog:
        """The business's services, professionals and hours, read once per turn when needed."""
        return load_catalog(self.settings.business_name, self.settings.timezone)

    @functools.cached_property
    def reading(self) -> Reading:
        """Everything the message says (intent, service, professional, day, time...), read once."""
        return understand(self.text, self.now, self.catalog)

    def retell(self, text: str) -> None:
        """Takes up another message in this turn (a request kept through registration)."""
        self.text = text
        self.__dict__.pop("reading", None)

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.timezone

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.settings.timezone).date()

    @property
    def business(self) -> str:
        return self.settings.business_name

    @property
    def name(self) -> str | None:
        return self.user.name if self.user else None


@dataclass
class Reply:
    """What to answer, and where the conversation goes next."""

    text: str
    state: State
    data: dict[str, Any] = field(default_factory=dict)
    unclear: bool = False  # the bot did not understand the message (twice in a row: it offers a person)


def stay(turn: Turn, text: str) -> Reply:
    """Answers without moving the conversation."""
    return Reply(text, turn.state, turn.data)


def unclear(turn: Turn, text: str, state: State | None = None) -> Reply:
    """Says the message was not understood and asks again, staying in the step."""
    return Reply(text, state or turn.state, turn.data, unclear=True)


# A step answers a message; a filter or fallback may also pass (None) to the next route.
Step = Callable[[Turn], Reply]
Route = Callable[[Turn], Reply | None]

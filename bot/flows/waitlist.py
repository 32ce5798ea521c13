"""The customer's side of the waitlist: joining from the booking flow when a day (or part of it)
has no free time, seeing and leaving their entries (`lista de espera`, `sair da lista`), and
answering an offer of a freed slot (`sim`/`1`, `não`/`2`, or its buttons). The rules are
storage/waitlist.py's."""
from __future__ import annotations

import datetime as dt
from typing import Any

from bot import choices, texts
from bot.display import day_label, time_label
from bot.states import IDLE, State
from bot.turn import Reply, Turn
from storage import waitlist
from storage.models import Professional, Service, WaitlistEntry, WaitlistStatus

# An answer to an offer counts within this long after it was made (a late "sim" is told kindly).
REPLY_WINDOW = dt.timedelta(hours=24)
# The offer's buttons (the interactive ones, and those of TWILIO_OFFER_CONTENT_SID) send these.
OFFER_BUTTONS = {"offer:1": True, "offer:2": False}
_LEAVE = ("sair da lista", "sair da lista de espera", "sair da fila", "sair da espera")
_SHOW = ("lista de espera", "minha lista de espera", "minha lista", "ver lista de espera", "ver lista")
_JOIN = ("lista de espera", "entrar na lista de espera", "entrar na lista", "lista", "fila", "quero esperar")


# --- joining, from the booking flow -------------------------------------------------------------

def wish(turn: Turn, day: dt.date) -> dict[str, Any]:
    """What the booking flow was looking for, kept so `lista de espera` can join it."""
    chosen = turn.data.get("professional_id")
    return {"service": turn.data.get("service_id"), "day": day.isoformat(),
            "professional": chosen if isinstance(chosen, int) else None, "window": turn.data.get("window")}


def option_label(turn: Turn, day: dt.date) -> str:
    window = turn.data.get("window")
    return texts.join_waitlist_option(day.strftime("%d/%m"), texts.window_label(*window) if window else None)


def chosen(turn: Turn, count: int) -> bool:
    """Whether the message picks the waitlist offered as option `count + 1` (or names it)."""
    if not turn.data.get("waitlist"):
        return False
    return choices.pick(turn.text, count + 1) == count or choices.clean(turn.text) in _JOIN


def join(turn: Turn) -> Reply:
    """Puts the customer in line for the day (and part of it) the booking flow found full."""
    wanted = turn.data.get("waitlist") or {}
    service = Service.get_or_none(Service.id == wanted.get("service"))
    if service is None or not wanted.get("day"):
        return Reply(texts.menu(turn.name), State.MENU)
    day, window = dt.date.fromisoformat(wanted["day"]), wanted.get("window")
    entry, new = waitlist.join(user_id=turn.user.id, service_id=service.id, day=day, now=turn.now,
                               professional_id=wanted.get("professional"), window=tuple(window) if window else None)
    label = day_label(day, turn.tz)
    if not new:
        return Reply(texts.waitlist_already(service.name, label), State.MENU)
    minutes = int(turn.settings.waitlist_hold.total_seconds() // 60)
    return Reply(texts.waitlist_joined(service.name, label, _window(entry), minutes), State.MENU)


def _window(entry: WaitlistEntry) -> str | None:
    return texts.window_label(entry.window_start, entry.window_end) if entry.window_start is not None else None


# --- seeing and leaving --------------------------------------------------------------------------

def lines(turn: Turn) -> list[str]:
    """The customer's entries still in line, as they read them."""
    return [texts.waitlist_line(entry.service.name, day_label(dt.date.fromisoformat(entry.day), turn.tz),
                                _window(entry), entry.status == WaitlistStatus.OFFERED)
            for entry in waitlist.active_of(turn.user.id, turn.today)]


def listing(turn: Turn) -> str:
    """The waitlist part of "Meus agendamentos" (empty when they are in no line)."""
    found = lines(turn)
    return "\n\n" + texts.waitlist_list(found) if found else ""


def words(turn: Turn) -> Reply | None:
    """`lista de espera` shows the customer's entries (or joins, when the booking flow just
    offered it); `sair da lista [n]` leaves them all (or the n-th). None for anything else."""
    if turn.user is None:
        return None
    text = choices.clean(turn.text)
    if turn.data.get("waitlist") and text in _JOIN:
        return join(turn)
    leave = next((word for word in sorted(_LEAVE, key=len, reverse=True) if text.startswith(word)), None)
    if leave is not None:
        rest = text[len(leave):].strip()
        if rest and choices.number(rest) is None:
            return None
        entries = waitlist.active_of(turn.user.id, turn.today)
        if not entries:
            return Reply(texts.NO_WAITLIST, State.MENU)
        index = choices.pick(rest, len(entries)) if rest else None
        if rest and index is None:
            return Reply(texts.waitlist_list(lines(turn)), State.MENU)
        left = waitlist.leave(turn.user.id, turn.now, [entries[index].id] if index is not None else None)
        return Reply(texts.waitlist_left(left), State.MENU)
    if text in _SHOW:
        found = lines(turn)
        return Reply(texts.waitlist_list(found) if found else texts.NO_WAITLIST, State.MENU)
    return None


# --- answering an offer -----------------------------------------------------------------------------

def offer_reply(turn: Turn) -> Reply | None:
    """`sim`/`1` or `não`/`2` (or a tap on the offer's buttons) answering the customer's latest
    offer: the first message after it, or a worded `sim`/`não` while the hold is live and no flow
    is under way.
    Accepting books the held slot; after the hold ran out the customer is told kindly and nothing
    changes. None for anything else."""
    if turn.user is None:
        return None
    tapped = OFFER_BUTTONS.get(turn.tap or "")
    answer = tapped if tapped is not None else choices.yes_no(turn.text)
    if answer is None:
        return None
    entry = waitlist.latest_offer(turn.user.id, turn.now - REPLY_WINDOW)
    if entry is None or entry.status not in (WaitlistStatus.OFFERED, WaitlistStatus.EXPIRED):
        return None
    first_after = turn.last_inbound_at is None or turn.last_inbound_at < entry.offered_at
    live = entry.status == WaitlistStatus.OFFERED and entry.hold_until > turn.now
    # A bare number later on answers the menu on screen, not the offer; a "sim" still does.
    worded = choices.number(turn.text) is None
    if not (tapped is not None or first_after or (live and worded and turn.state in IDLE)):
        return None
    if answer is False:
        waitlist.decline(entry.id, turn.user.id, turn.now)
        return Reply(texts.OFFER_DECLINED, State.MENU)
    result, made = waitlist.accept(entry.id, turn.user.id, rules=turn.rules, now=turn.now)
    if result is not waitlist.Answer.BOOKED:
        return Reply(texts.OFFER_EXPIRED, State.MENU)
    professional = Professional.get_by_id(made.professional_id).name if Professional.several() else None
    return Reply(texts.offer_booked(made.type, day_label(made.date, turn.tz), time_label(made.date, turn.tz),
                                    turn.business, professional), State.MENU)

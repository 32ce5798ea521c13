"""Talking to a person: a customer's chat handed to the staff (the owners, or the professional
of the customer's next appointment when that professional has their own phone).

While a person has the chat, the bot does not talk over them: each customer message is relayed
to the staff, a burst batched into one message. The staff answer by swiping to reply to a
relayed message, or with `responder`; `encerrar`, or HANDOFF_TIMEOUT of staff silence, gives the
chat back to the bot. Every message either way goes through the outbox.
"""
from __future__ import annotations

import datetime as dt

from bot import choices, texts
from bot.display import contact as shown_contact
from bot.display import customer_line, day_label, time_label
from bot.nlu.intents import Intent
from bot.states import State
from bot.turn import Reply, Turn
from config import Settings
from storage import outbox
from storage.availability import Calendar
from storage.models import Handoff, InboundMessage, OutboundMessage, OutboxKind, OutboxStatus, Professional, User

RELAY_BATCH = dt.timedelta(seconds=5)  # messages of a burst within this go to the staff as one
RELAY_LINES = 10  # a longer burst goes in several messages
LINE_LIMIT = 300  # characters of each message quoted to the staff
LAST_MESSAGES = 5

_ASKS = ("falar com atendente", "falar com um atendente", "falar com uma atendente", "atendente", "humano",
         "falar com humano", "falar com um humano", "falar com uma pessoa", "falar com alguem", "quero falar com alguem",
         "quero falar com uma pessoa", "quero falar com atendente", "quero um atendente", "pessoa de verdade",
         "falar com o dono", "falar com a dona", "falar com gente")


def asks_for_a_person(text: str) -> bool:
    """`falar com atendente`, `humano`, `quero falar com alguém`..."""
    words = choices.clean(text)
    return any(words == ask or words.startswith(ask + " ") or f" {ask}" in f" {words}" and len(words) <= 60
               for ask in _ASKS)


def staff_for(handoff: Handoff, settings: Settings) -> list[str]:
    """Who gets a handoff's messages: its professional's own phone, else every owner."""
    if handoff.professional_id:
        professional = Professional.get_or_none(Professional.id == handoff.professional_id)
        if professional is not None and professional.phone:
            return [professional.phone]
    return list(settings.admin_phones)


def _on_duty(person: User, now: dt.datetime) -> int | None:
    """The professional of the customer's next appointment, when they have their own phone and the
    customer could choose between professionals."""
    upcoming = person.upcoming(now).first()
    if upcoming is None or not Professional.several():
        return None
    professional = Professional.get_or_none(Professional.id == upcoming.professional_id)
    return professional.id if professional is not None and professional.phone else None


def _when_answered(turn: Turn) -> str:
    """Inside opening hours: now; outside: the next opening."""
    rules = turn.rules
    today = turn.today
    calendar = Calendar(rules, [p.id for p in Professional.active_ones()], today, today + dt.timedelta(days=7))
    for day_offset in range(8):
        day = today + dt.timedelta(days=day_offset)
        for professional_id in calendar.professional_ids:
            for start, end in calendar.open_intervals(professional_id, day):
                if start <= turn.now < end:
                    return texts.ANSWER_SOON
                if start > turn.now:
                    return texts.answer_at(day_label(start, turn.tz), time_label(start, turn.tz))
    return texts.ANSWER_LATER


def open_for(turn: Turn, reason: str) -> Reply:
    """Hands the chat to a person: the customer is told who answers and when; the staff get who
    it is, their next appointments and the last messages."""
    person = turn.contact
    professional_id = _on_duty(person, turn.now)
    handoff, new = Handoff.start(person.id, reason, professional_id, turn.now)
    if new:
        alert = texts.handoff_alert(_who(person, turn), _upcoming(person, turn), _last_messages(person), person.id)
        for address in staff_for(handoff, turn.settings):
            outbox.enqueue(OutboxKind.STAFF_ALERT, address, params={"text": alert, "handoff": handoff.id})
    who = texts.PROFESSIONAL_WILL_ANSWER.format(name=handoff.professional.name) if handoff.professional_id \
        else texts.TEAM_WILL_ANSWER
    return Reply(texts.handed_over(who, _when_answered(turn)), State.MENU)


def _who(person: User, turn: Turn) -> str:
    return f"{person.name or turn.profile_name or texts.NO_NAME} ({shown_contact(person)})"


def _upcoming(person: User, turn: Turn) -> list[str]:
    return [customer_line(a, turn.tz, Professional.several()) for a in person.upcoming(turn.now).limit(3)]


def _last_messages(person: User) -> list[str]:
    rows = (InboundMessage.select(InboundMessage.body).where((InboundMessage.user == person.id)
                                                          & InboundMessage.body.is_null(False))
            .order_by(InboundMessage.id.desc()).limit(LAST_MESSAGES).tuples())
    return [body[:LINE_LIMIT] for (body,) in reversed(list(rows))]


# --- routes ---------------------------------------------------------------------------------------

def asked(turn: Turn) -> Reply | None:
    """A customer asking for a person, in any state ("falar com atendente", "humano")."""
    if turn.is_admin or turn.staff is not None or not turn.text or choices.number(turn.text) is not None:
        return None
    if not asks_for_a_person(turn.text) and turn.reading.clear_intent is not Intent.HUMAN:
        return None
    return open_for(turn, "asked")


def relayed(turn: Turn) -> Reply | None:
    """While a person has the chat: the message goes to the staff and the bot says nothing. After
    HANDOFF_TIMEOUT of staff silence the bot takes the chat back, and says so."""
    handoff = Handoff.open_of(turn.contact.id)
    if handoff is None:
        return None
    if turn.now - handoff.staff_seen_at > turn.settings.handoff_timeout:
        handoff.close("timeout", turn.now)
        return Reply(texts.HANDOFF_BACK + "\n\n" + texts.menu(turn.name), State.MENU)
    line = (turn.text or texts.MEDIA_PLACEHOLDER)[:LINE_LIMIT]
    for address in staff_for(handoff, turn.settings):
        _relay(handoff, address, line, turn.now)
    return Reply("", State.MENU)


def _relay(handoff: Handoff, address: str, line: str, now: dt.datetime) -> None:
    """Adds the line to the pending relay for this staff member, or starts one (sent after
    RELAY_BATCH, so a burst goes as one message)."""
    m = OutboundMessage
    pending = (m.select().where((m.recipient == address) & (m.kind == OutboxKind.STAFF_ALERT)
                                & (m.status == OutboxStatus.PENDING) & (m.dedupe_key == f"relay:{handoff.id}:{address}"))
               .first())
    if pending is not None:
        if len(pending.params["lines"]) < RELAY_LINES:
            params = {**pending.params, "lines": [*pending.params["lines"], line]}
            if m.update(params=params).where((m.id == pending.id) & (m.status == OutboxStatus.PENDING)).execute():
                return
        m.update(dedupe_key=None).where(m.id == pending.id).execute()  # full, or on its way: start the next one
    person = User.get_by_id(handoff.user_id)
    who = f"{person.name or texts.NO_NAME} ({shown_contact(person)})"
    outbox.enqueue(OutboxKind.STAFF_ALERT, address, due=now + RELAY_BATCH, dedupe_key=f"relay:{handoff.id}:{address}",
                   params={"handoff": handoff.id, "customer": handoff.user_id, "who": who, "lines": [line]})


def swiped(turn: Turn) -> Reply | None:
    """A staff member swiping to reply to a relayed message: their text goes to that customer."""
    if not (turn.is_admin or turn.staff is not None) or not turn.replied_to:
        return None
    relayed_row = (OutboundMessage.select().where((OutboundMessage.twilio_sid == turn.replied_to)
                                                  & (OutboundMessage.kind == OutboxKind.STAFF_ALERT)).first())
    if relayed_row is None or not (relayed_row.params or {}).get("handoff"):
        return None
    if relayed_row.recipient not in (turn.contact.phone, turn.contact.whatsapp_id):
        return None
    handoff = Handoff.get_or_none(Handoff.id == relayed_row.params["handoff"])
    if handoff is None or handoff.open_for is None:
        return Reply(texts.HANDOFF_ALREADY_CLOSED, turn.state, turn.data)
    answer(handoff, turn.text, turn.now)
    return Reply(texts.staff_answer_sent(User.get_by_id(handoff.user_id).name or texts.NO_NAME), turn.state, turn.data)


def answer(handoff: Handoff, text: str, now: dt.datetime) -> None:
    """The staff's words to the customer, from the business number."""
    Handoff.update(staff_seen_at=now).where(Handoff.id == handoff.id).execute()
    outbox.enqueue(OutboxKind.STAFF_MESSAGE, User.get_by_id(handoff.user_id), params={"text": text, "reply": True})


def close(handoff: Handoff, by: str, now: dt.datetime) -> bool:
    """Gives the chat back to the bot and tells the customer (once, whoever closes it)."""
    if not handoff.close(by, now):
        return False
    outbox.enqueue(OutboxKind.STAFF_MESSAGE, User.get_by_id(handoff.user_id),
                   params={"text": texts.HANDOFF_BACK, "reply": True}, dedupe_key=f"handoff-closed:{handoff.id}")
    return True


def close_silent(now: dt.datetime, settings: Settings) -> int:
    """Closes the handoffs whose staff said nothing for HANDOFF_TIMEOUT (the worker's pass)."""
    closed = 0
    for handoff in Handoff.open_ones().where(Handoff.staff_seen_at < now - settings.handoff_timeout):
        closed += close(handoff, "timeout", now)
    return closed


def offer(turn: Turn) -> Reply:
    """HANDOFF_OFFER: after two answers the bot did not understand, 'sim' hands the chat to a
    person; 'não' goes back to where the customer was."""
    answer_ = choices.yes_no(turn.text)
    if answer_ is True:
        return open_for(turn, "offered")
    back = State.parse(turn.data.get("back_state"))
    if answer_ is False:
        return Reply(texts.carry_on(turn.data.get("back_text", "")), back, turn.data.get("back_data") or {})
    return Reply(texts.unknown_option(texts.OFFER_PERSON), State.HANDOFF_OFFER, turn.data)


def offered(reply: Reply, turn: Turn) -> Reply:
    """The reply after the second answer in a row the bot did not understand: the offer of a
    person, remembering where to go back to."""
    return Reply(texts.OFFER_PERSON, State.HANDOFF_OFFER,
                 {"back_state": reply.state.value, "back_data": reply.data, "back_text": reply.text})

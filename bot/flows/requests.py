"""Free text understood in any state: a clear request to book, list, cancel or move leaves the
current flow and is acted on, with whatever the message already said (service, professional,
day, time, part of the day); questions the business's data answers are answered; thanks and
greetings get a short word, not the menu again.

A request leaves the current flow only when it is clear (bot/nlu: `Reading.clear_intent`) and
not what the current step is already doing (a "cancelar" in a cancellation is the step's), and
never when the message is a number or a yes/no answering the step's question.
"""
from __future__ import annotations

from bot import choices, texts
from bot.admin.agenda import week_hours
from bot.dates import weekday_name
from bot.flows import appointments, handoff
from bot.flows import booking as booking_flow
from bot.nlu.intents import Intent
from bot.nlu.understand import Reading
from bot.states import REGISTRATION, State
from bot.turn import Reply, Turn, stay
from storage.availability import weekly_hours
from storage.models import Service

# The states whose own step answers a request of this kind (their options are its words).
_FLOW = {
    Intent.BOOK: {State.BOOK_SERVICE, State.BOOK_PROFESSIONAL, State.BOOK_DAY, State.BOOK_TIME, State.BOOK_CONFIRM},
    Intent.RESCHEDULE: {State.RESCHEDULE_PICK, State.RESCHEDULE_DAY, State.RESCHEDULE_TIME, State.RESCHEDULE_CONFIRM,
                        State.APPOINTMENT_ACTION, State.REMINDER_PICK},
    Intent.CANCEL: {State.CANCEL_PICK, State.CANCEL_CONFIRM, State.APPOINTMENT_ACTION, State.REMINDER_PICK},
}
# States asking a yes/no question: a "sim"/"ok"/"pode ser" is their answer.
_QUESTIONS = {State.BOOK_CONFIRM, State.RESCHEDULE_CONFIRM, State.CANCEL_CONFIRM, State.CONFIRM_NAME,
              State.ADMIN_CONFIRM, State.HANDOFF_OFFER}
_ACTIONS = {Intent.BOOK, Intent.LIST, Intent.CANCEL, Intent.RESCHEDULE}


def act(turn: Turn, reading: Reading) -> Reply | None:
    """Does what the message asks for; None when it asks for nothing clear."""
    intent = reading.clear_intent
    if intent is Intent.BOOK:
        return booking_flow.start(turn, reading)
    if intent is Intent.LIST:
        return appointments.list_appointments(turn)
    if intent is Intent.CANCEL:
        return appointments.start_cancel(turn, reading)
    if intent is Intent.RESCHEDULE:
        return appointments.start_reschedule(turn, reading)
    if intent is Intent.HUMAN:
        return handoff.open_for(turn, "asked")
    answer = answer_question(turn, intent, reading)
    return stay(turn, answer) if answer else None


def answer_question(turn: Turn, intent: Intent | None, reading: Reading) -> str | None:
    """The answer to a question the business's data answers, or a short word for thanks."""
    if intent is Intent.HOURS:
        hours = weekly_hours([]).get(None, {})
        if reading.day is not None:
            intervals = sorted(hours.get(reading.day.weekday(), []))
            return texts.open_on(weekday_name(reading.day), intervals)
        return texts.opening_hours(week_hours(hours))
    if intent is Intent.ADDRESS:
        return texts.address(turn.settings.business_address)
    if intent is Intent.SERVICES:
        return texts.services_and_prices([(s.name, s.duration, s.price_cents)
                                          for s in Service.offered()])
    if intent is Intent.THANKS:
        return texts.YOU_ARE_WELCOME
    return None


def follow(turn: Turn) -> Reply | None:
    """A clear request or question typed in the middle of a flow (the menu reads its own)."""
    if not turn.text or turn.tap or choices.number(turn.text) is not None:
        return None
    if turn.state == State.MENU or (turn.user is not None and turn.state in REGISTRATION):
        return None  # the menu (and the greeting of someone known) reads requests itself
    asking = turn.state in _QUESTIONS or (turn.state == State.BOOK_SERVICE and "guess" in turn.data)
    if asking and choices.yes_no(turn.text) is not None:
        return None
    reading = turn.reading
    intent = reading.clear_intent
    if intent is None or intent is Intent.HUMAN or turn.state in _FLOW.get(intent, ()):
        return None
    if turn.user is None:  # registration first; a request is kept and followed right after it
        if turn.state not in REGISTRATION or intent is Intent.GREETING:
            return None
        if intent in _ACTIONS:
            turn.data["pending"] = turn.text
            return None if turn.state == State.START else Reply(texts.NAME_FIRST, turn.state, turn.data)
        if intent not in (Intent.HOURS, Intent.ADDRESS, Intent.SERVICES):
            return None
        answer = answer_question(turn, intent, reading)
        return Reply(answer + "\n\n" + texts.ASK_NAME, State.ASK_NAME, turn.data)
    if intent is Intent.GREETING:
        return stay(turn, texts.hello_again(turn.name))
    return act(turn, reading)

"""The whole conversation in one table, read top to bottom (drawn in bot/conversation.md).

For each message, after the engine has locked the phone's conversation:

1. the filters, in order: the first that answers ends the turn;
2. the fallbacks, in order: the ways out that work in every state, so they come before the
   state's own step (which would take any text as its answer);
3. the step of the state the conversation is in.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot import admin
from bot.flows import appointments, booking, guards, handoff, loyalty, marketing, menu, registration, requests, waitlist
from bot.states import State
from bot.turn import Reply, Route, Step, Turn


@dataclass(frozen=True)
class Routes:
    filters: tuple[tuple[str, Route], ...]
    fallbacks: tuple[tuple[str, Route], ...]
    states: dict[State, Step]


ROUTES = Routes(
    filters=(
        ("rate limit", guards.rate_limit),
        ("staff answer by swipe", handoff.swiped),
        ("marketing reply", marketing.reply),
        ("waitlist offer reply", waitlist.offer_reply),
        ("reminder reply", appointments.reminder_reply),
        ("parar / voltar", guards.opt_out),
        ("in a handoff", handoff.relayed),
        ("media or too long", guards.unreadable),
        ("admin command", admin.command),
        ("asks for a person", handoff.asked),
        ("waitlist words", waitlist.words),
        ("a clear request", requests.follow),
    ),
    fallbacks=(
        ("menu / ajuda / sair", menu.global_words),
        ("idle timeout", menu.after_silence),
    ),
    states={
        State.START: registration.start,
        State.ASK_NAME: registration.ask_name,
        State.CONFIRM_NAME: registration.confirm_name,
        State.MENU: menu.choose,
        State.BOOK_SERVICE: booking.choose_service,
        State.BOOK_PROFESSIONAL: booking.choose_professional,
        State.BOOK_DAY: booking.book_day,
        State.BOOK_TIME: booking.book_time,
        State.BOOK_CONFIRM: booking.book_confirm,
        State.CANCEL_PICK: appointments.cancel_pick,
        State.CANCEL_CONFIRM: appointments.cancel_confirm,
        State.RESCHEDULE_PICK: appointments.reschedule_pick,
        State.RESCHEDULE_DAY: booking.reschedule_day,
        State.RESCHEDULE_TIME: booking.reschedule_time,
        State.RESCHEDULE_CONFIRM: booking.reschedule_confirm,
        State.ADMIN_CONFIRM: admin.confirm,
        State.HANDOFF_OFFER: handoff.offer,
        State.APPOINTMENT_PICK: appointments.appointment_pick,
        State.APPOINTMENT_ACTION: appointments.appointment_action,
        State.REMINDER_PICK: appointments.reminder_pick,
        State.MARKETING_CONSENT: loyalty.consent_answer,
    },
)


def route(turn: Turn) -> Reply:
    """The reply to one message: the first filter or fallback that answers, else the state's step."""
    for _, check in ROUTES.filters + ROUTES.fallbacks:
        reply = check(turn)
        if reply is not None:
            return reply
    return ROUTES.states[turn.state](turn)

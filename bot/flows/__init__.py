"""The conversation's steps: one function per state, all in one table (see bot/conversation.md)."""
from __future__ import annotations

from bot import admin
from bot.engine import Handler
from bot.flows import appointments, booking, registration
from bot.flows.appointments import greet_known, menu_choice, might_list, opt_out, reminder_reply
from bot.states import State

HANDLERS: dict[State, Handler] = {
    State.START: registration.start,
    State.ASK_NAME: registration.ask_name,
    State.CONFIRM_NAME: registration.confirm_name,
    State.MENU: appointments.menu,
    State.BOOK_SERVICE: booking.choose_service,
    State.BOOK_PROFESSIONAL: booking.choose_professional,
    State.BOOK_DAY: booking.choose_day,
    State.BOOK_TIME: booking.choose_time,
    State.BOOK_CONFIRM: booking.confirm,
    State.CANCEL_PICK: appointments.cancel_pick,
    State.CANCEL_CONFIRM: appointments.cancel_confirm,
    State.RESCHEDULE_PICK: appointments.reschedule_pick,
    State.RESCHEDULE_DAY: booking.choose_day,
    State.RESCHEDULE_TIME: booking.choose_time,
    State.RESCHEDULE_CONFIRM: booking.confirm,
    State.ADMIN_CONFIRM: admin.confirm,
}

__all__ = ["HANDLERS", "greet_known", "menu_choice", "might_list", "opt_out", "reminder_reply"]

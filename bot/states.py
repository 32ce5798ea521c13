"""The conversation's states, as stored in the Conversation table (see bot/conversation.md)."""
from __future__ import annotations

import enum


class State(str, enum.Enum):
    START = "start"
    ASK_NAME = "ask_name"
    CONFIRM_NAME = "confirm_name"
    MENU = "menu"
    BOOK_SERVICE = "book_service"
    BOOK_PROFESSIONAL = "book_professional"
    BOOK_DAY = "book_day"
    BOOK_TIME = "book_time"
    BOOK_CONFIRM = "book_confirm"
    CANCEL_PICK = "cancel_pick"
    CANCEL_CONFIRM = "cancel_confirm"
    RESCHEDULE_PICK = "reschedule_pick"
    RESCHEDULE_DAY = "reschedule_day"
    RESCHEDULE_TIME = "reschedule_time"
    RESCHEDULE_CONFIRM = "reschedule_confirm"
    ADMIN_CONFIRM = "admin_confirm"
    HANDOFF_OFFER = "handoff_offer"
    APPOINTMENT_PICK = "appointment_pick"
    APPOINTMENT_ACTION = "appointment_action"
    REMINDER_PICK = "reminder_pick"
    MARKETING_CONSENT = "marketing_consent"

    @classmethod
    def parse(cls, value: str | None) -> State:
        try:
            return cls(value)
        except ValueError:
            return cls.START


REGISTRATION = {State.START, State.ASK_NAME, State.CONFIRM_NAME}
IDLE = {State.START, State.MENU}

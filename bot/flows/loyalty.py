"""No-show rules and marketing consent on the customer's side: what a booking that needs the
owner's approval says and whom it alerts, and the one question about marketing messages asked
after a customer's first booking."""
from __future__ import annotations

import logging

from bot import choices, texts
from bot.display import contact, day_label, time_label
from bot.states import State
from bot.turn import Reply, Turn
from storage import booking, outbox
from storage.models import Appointment, AppointmentStatus, OutboxKind, User

logger = logging.getLogger(__name__)


def after_booking(turn: Turn, made: Appointment, booked: Reply, professional: str | None) -> Reply:
    """What the customer reads once a booking is made: a request (the no-show rule) is told
    kindly and the owners are alerted; the first booking of someone never asked about marketing
    messages ends with that question, asked once (a conditional update decides)."""
    if made.status == AppointmentStatus.REQUESTED:
        ask_owners(turn, made)
        reply = Reply(texts.booking_requested(made.type, day_label(made.date, turn.tz), time_label(made.date, turn.tz),
                                              turn.business, professional), State.MENU)
    else:
        reply = booked
    asked = (User.update(marketing_asked_at=turn.now)
             .where((User.id == turn.user.id) & User.marketing_asked_at.is_null()
                    & User.marketing_consent.is_null() & User.opted_out_at.is_null())
             .execute())
    if asked != 1:
        return reply
    return Reply(reply.text + "\n\n" + texts.consent_question(), State.MARKETING_CONSENT)


def ask_owners(turn: Turn, made: Appointment) -> None:
    """Every owner (ADMIN_PHONES) gets the request with `aprovar #id` / `recusar #id`, once."""
    if not turn.settings.admin_phones:
        logger.warning("booking request #%s: no ADMIN_PHONES to approve it", made.id)
    counted = booking.counted_no_shows(turn.user.id, turn.now)
    text = texts.approval_alert(made.id, turn.user.name, contact(turn.user), made.type,
                                day_label(made.date, turn.tz), time_label(made.date, turn.tz), counted)
    for phone in turn.settings.admin_phones:
        outbox.enqueue(OutboxKind.STAFF_ALERT, phone, appointment_id=made.id, params={"text": text},
                       dedupe_key=f"approval:{made.id}:{phone}")


def set_consent(user_id: int, consent: bool, turn: Turn) -> None:
    """Stores the customer's yes or no to marketing messages, and when."""
    User.update(marketing_consent=consent, marketing_consent_at=turn.now).where(User.id == user_id).execute()


def consent_answer(turn: Turn) -> Reply:
    """MARKETING_CONSENT: stores the yes or no (`sim`/`não`, or a tap) to marketing messages;
    anything else is read as if it came from the menu (the question is not asked again)."""
    # A typed number still means the menu's option (the question follows a booking, when "2"
    # is often "Meus agendamentos"); the words, or a tap on the question's buttons, answer it.
    typed_number = choices.number(turn.text) is not None and not turn.tap
    answer = None if typed_number else choices.yes_no(turn.text)
    if answer is None:
        from bot.flows import menu  # the menu reaches every flow; imported here, where it is needed

        turn.state = State.MENU
        return menu.choose(turn)
    set_consent(turn.user.id, answer, turn)
    return Reply(texts.CONSENT_YES if answer else texts.CONSENT_NO, State.MENU)

"""The customer's own appointments: listing them, cancelling one, picking one to move, and
answering a reminder about one."""
from __future__ import annotations

import datetime as dt

from bot import choices, texts
from bot.display import customer_line, day_label, time_label
from bot.flows import booking as booking_flow
from bot.states import State
from bot.turn import Reply, Turn, unclear
from storage import booking
from storage.models import Appointment, AppointmentStatus, OutboundMessage, Professional

MAX_LISTED = 10
REMINDER_REPLY_WINDOW = dt.timedelta(hours=24)


def _upcoming(turn: Turn) -> list[Appointment]:
    return list(turn.user.upcoming(turn.now).limit(MAX_LISTED))


def _lines(turn: Turn, appointments: list[Appointment]) -> list[str]:
    named = Professional.several()
    return [customer_line(a, turn.tz, named) for a in appointments]


def list_appointments(turn: Turn) -> Reply:
    """Lists the upcoming appointments (or offers to book when there are none)."""
    appointments = _upcoming(turn)
    if not appointments:
        return Reply(texts.NO_APPOINTMENTS, State.MENU)
    return Reply(texts.my_appointments(_lines(turn, appointments)), State.MENU)


def _changeable(turn: Turn, appointment: Appointment) -> Reply | None:
    """Why this appointment cannot be cancelled or moved by the customer now, if it cannot."""
    if appointment.user_id != turn.user.id or appointment.status != AppointmentStatus.BOOKED \
            or appointment.date <= turn.now:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    try:
        booking.check_change(appointment, rules=turn.rules, now=turn.now, policy=booking.CUSTOMER)
    except booking.TooLateToChange:
        return booking_flow.too_late(turn)
    return None


def _start_pick(turn: Turn, single, prompt, state: State) -> Reply:
    """Lists the upcoming appointments to pick from; with just one, goes on with it."""
    appointments = _upcoming(turn)
    if not appointments:
        return Reply(texts.NO_APPOINTMENTS, State.MENU)
    if len(appointments) == 1:
        return single(turn, appointments[0])
    return Reply(prompt(_lines(turn, appointments)), state, {"appointments": [a.id for a in appointments]})


def _picked(turn: Turn) -> Appointment | None:
    ids = turn.data.get("appointments") or []
    index = choices.pick(turn.text, len(ids))
    return Appointment.get_or_none(Appointment.id == ids[index]) if index is not None else None


def _pick_again(turn: Turn, prompt) -> Reply:
    lines = _lines(turn, Appointment.in_order(turn.data.get("appointments") or []))
    return unclear(turn, texts.unknown_option(prompt(lines)))


# --- cancel --------------------------------------------------------------------------------------

def start_cancel(turn: Turn) -> Reply:
    """Lists the upcoming appointments to cancel; with just one, asks about it directly."""
    return _start_pick(turn, ask_cancel, texts.pick_to_cancel, State.CANCEL_PICK)


def cancel_pick(turn: Turn) -> Reply:
    """CANCEL_PICK: stores which appointment to cancel and asks for confirmation."""
    appointment = _picked(turn)
    if appointment is None:
        return _pick_again(turn, texts.pick_to_cancel)
    return ask_cancel(turn, appointment)


def ask_cancel(turn: Turn, appointment: Appointment) -> Reply:
    refusal = _changeable(turn, appointment)
    if refusal is not None:
        return refusal
    line = customer_line(appointment, turn.tz, Professional.several())
    return Reply(texts.confirm_cancel(line), State.CANCEL_CONFIRM, {"appointment_id": appointment.id})


def cancel_confirm(turn: Turn) -> Reply:
    """CANCEL_CONFIRM: cancels on 'sim' (the notice is checked again), keeps it on 'não'."""
    appointment = Appointment.get_or_none(Appointment.id == turn.data.get("appointment_id"))
    if appointment is None or appointment.user_id != turn.user.id:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    answer = choices.yes_no(turn.text)
    line = customer_line(appointment, turn.tz, Professional.several())
    if answer is None:
        return unclear(turn, texts.unknown_option(texts.confirm_cancel(line)))
    if answer is False:
        return Reply(texts.KEPT, State.MENU)
    try:
        booking.cancel(appointment.id, rules=turn.rules, now=turn.now, reason=texts.CANCELLED_BY_CUSTOMER)
    except booking.TooLateToChange:
        return booking_flow.too_late(turn)
    except booking.BookingError:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    return Reply(texts.cancelled(line), State.MENU)


# --- reschedule ------------------------------------------------------------------------------------

def start_reschedule(turn: Turn) -> Reply:
    """Lists the upcoming appointments to move; with just one, goes on to the day."""
    return _start_pick(turn, _reschedule, texts.pick_to_reschedule, State.RESCHEDULE_PICK)


def reschedule_pick(turn: Turn) -> Reply:
    """RESCHEDULE_PICK: stores which appointment to move and offers days for it."""
    appointment = _picked(turn)
    if appointment is None:
        return _pick_again(turn, texts.pick_to_reschedule)
    return _reschedule(turn, appointment)


def _reschedule(turn: Turn, appointment: Appointment) -> Reply:
    refusal = _changeable(turn, appointment)
    if refusal is not None:
        return refusal
    return booking_flow.start_reschedule(turn, appointment)


# --- replies to a reminder ---------------------------------------------------------------------------

_REMINDER_OPTIONS = (("confirmar", "confirmo", "confirmado", "sim", "ok", "vou", "estarei"),
                     ("cancelar", "desmarcar", "nao vou"),
                     ("remarcar", "reagendar", "mudar"))


# The buttons of the reminder template (TWILIO_REMINDER_CONTENT_SID) send these payloads; Twilio
# says which message was tapped (OriginalRepliedMessageSid), so the tap answers that reminder's
# appointment whatever came after it.
REMINDER_BUTTONS = ("confirmar", "cancelar", "remarcar")


def reminder_reply(turn: Turn) -> Reply | None:
    """1/confirmar, 2/cancelar, 3/remarcar as the first message after a reminder (within 24
    hours), or a tap on one of the reminder's buttons; None for anything else, which goes on to
    the rest of the table."""
    if turn.user is None:
        return None
    tapped = OutboundMessage.reminder_of(turn.replied_to) if turn.tap in REMINDER_BUTTONS else None
    if tapped is not None:
        choice, reminded = REMINDER_BUTTONS.index(turn.tap), [tapped]
    else:
        choice = choices.match_option(turn.text, _REMINDER_OPTIONS)
        if choice is None:
            return None
        since = turn.now - REMINDER_REPLY_WINDOW
        if turn.last_inbound_at is not None:
            since = max(since, turn.last_inbound_at)
        reminded = OutboundMessage.reminded(turn.contact.id, since)
        if not reminded:
            return None
    appointment = Appointment.get_or_none(Appointment.id == reminded[0])
    if appointment is None or appointment.user_id != turn.user.id \
            or appointment.status != AppointmentStatus.BOOKED or appointment.date <= turn.now:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    if choice == 0:
        booking.confirm(appointment.id, now=turn.now)
        return Reply(texts.reminder_confirmed(day_label(appointment.date, turn.tz),
                                              time_label(appointment.date, turn.tz)), State.MENU)
    if choice == 1:
        return ask_cancel(turn, appointment)
    return _reschedule(turn, appointment)

"""The customer's own appointments: listing them, cancelling one, picking one to move, and
answering a reminder about one."""
from __future__ import annotations

import dataclasses
import datetime as dt

from bot import choices, texts
from bot.dates import When
from bot.display import customer_line, day_label, time_label
from bot.flows import booking as booking_flow
from bot.flows import waitlist as waitlist_flow
from bot.nlu.understand import Reading
from bot.states import State
from bot.turn import Reply, Turn, unclear
from storage import booking
from storage.models import Appointment, AppointmentStatus, OutboundMessage, Professional

MAX_LISTED = 10
REMINDER_REPLY_WINDOW = dt.timedelta(hours=24)


def _upcoming(turn: Turn) -> list[Appointment]:
    """The customer's appointments ahead: booked ones and requests waiting for the owner."""
    return list(Appointment.select()
                .where((Appointment.user == turn.user.id) & (Appointment.date > turn.now)
                       & Appointment.status.in_([AppointmentStatus.BOOKED.value, AppointmentStatus.REQUESTED.value]))
                .order_by(Appointment.date, Appointment.id).limit(MAX_LISTED))


def _lines(turn: Turn, appointments: list[Appointment]) -> list[str]:
    named = Professional.several()
    return [customer_line(a, turn.tz, named)
            + (f" {texts.REQUEST_PENDING}" if a.status == AppointmentStatus.REQUESTED else "") for a in appointments]


def list_appointments(turn: Turn) -> Reply:
    """Lists the upcoming appointments, numbered so one can be picked to move or cancel (or
    offers to book when there are none)."""
    appointments = _upcoming(turn)
    waiting = waitlist_flow.listing(turn)  # their waitlist entries, below
    if not appointments:
        return Reply(texts.NO_APPOINTMENTS + waiting, State.MENU)
    return Reply(texts.my_appointments(_lines(turn, appointments)) + waiting, State.APPOINTMENT_PICK,
                 {"appointments": [a.id for a in appointments]})


def appointment_pick(turn: Turn) -> Reply:
    """APPOINTMENT_PICK: a listed appointment picked: move it or cancel it?"""
    appointment = _picked(turn)
    if appointment is None:
        return _pick_again(turn, texts.my_appointments)
    refusal = _changeable(turn, appointment)
    if refusal is not None:
        return refusal
    line = customer_line(appointment, turn.tz, Professional.several())
    return Reply(texts.appointment_actions(line), State.APPOINTMENT_ACTION, {"appointment_id": appointment.id})


_ACTIONS = (("remarcar", "mudar", "trocar", "reagendar"), ("cancelar", "desmarcar"))


def appointment_action(turn: Turn) -> Reply:
    """APPOINTMENT_ACTION: moves or cancels the appointment picked from the list."""
    appointment = Appointment.get_or_none(Appointment.id == turn.data.get("appointment_id"))
    if appointment is None or appointment.user_id != turn.user.id:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    choice = choices.match_option(turn.text, _ACTIONS)
    if choice == 0:
        return _reschedule(turn, appointment)
    if choice == 1:
        return ask_cancel(turn, appointment)
    line = customer_line(appointment, turn.tz, Professional.several())
    return unclear(turn, texts.unknown_option(texts.appointment_actions(line)))


def _changeable(turn: Turn, appointment: Appointment) -> Reply | None:
    """Why this appointment cannot be cancelled or moved by the customer now, if it cannot (a
    request waiting for the owner may be cancelled, at any time)."""
    if appointment.user_id == turn.user.id and appointment.status == AppointmentStatus.REQUESTED \
            and appointment.date > turn.now:
        return None
    if appointment.user_id != turn.user.id or appointment.status != AppointmentStatus.BOOKED \
            or appointment.date <= turn.now:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    try:
        booking.check_change(appointment, rules=turn.rules, now=turn.now, policy=booking.CUSTOMER)
    except booking.TooLateToChange:
        return booking_flow.too_late(turn)
    return None


def _start_pick(turn: Turn, single, prompt, state: State, hint: Reading | None = None) -> Reply:
    """Lists the upcoming appointments to pick from (those the message points at, when it names
    a service or a day: "desmarcar o corte de amanhã"); with just one, goes on with it."""
    appointments = _upcoming(turn)
    if not appointments:
        return Reply(texts.NO_APPOINTMENTS, State.MENU)
    if hint is not None:
        pointed = [a for a in appointments
                   if (hint.service is None or a.service_id == hint.service.id)
                   and (hint.day is None or a.date.astimezone(turn.tz).date() == hint.day)]
        if pointed:
            appointments = pointed
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

def start_cancel(turn: Turn, hint: Reading | None = None) -> Reply:
    """Lists the upcoming appointments to cancel; with just one (or one the message points at),
    asks about it directly."""
    return _start_pick(turn, ask_cancel, texts.pick_to_cancel, State.CANCEL_PICK, hint)


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

def start_reschedule(turn: Turn, hint: Reading | None = None) -> Reply:
    """Lists the upcoming appointments to move; with just one, goes on to the new day (straight
    to it when the message said one: "trocar para sexta")."""
    target = hint.when if hint is not None else None
    pick_by = dataclasses.replace(hint, when=When()) if hint is not None else None  # the day said is the new one

    def single(turn: Turn, appointment: Appointment) -> Reply:
        return _reschedule(turn, appointment, target)

    return _start_pick(turn, single, texts.pick_to_reschedule, State.RESCHEDULE_PICK, pick_by)


def reschedule_pick(turn: Turn) -> Reply:
    """RESCHEDULE_PICK: stores which appointment to move and offers days for it."""
    appointment = _picked(turn)
    if appointment is None:
        return _pick_again(turn, texts.pick_to_reschedule)
    return _reschedule(turn, appointment)


def _reschedule(turn: Turn, appointment: Appointment, target: When | None = None) -> Reply:
    if appointment.status == AppointmentStatus.REQUESTED:
        return Reply(texts.REQUEST_STILL_PENDING, State.MENU)
    refusal = _changeable(turn, appointment)
    if refusal is not None:
        return refusal
    return booking_flow.start_reschedule(turn, appointment, target)


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
    the rest of the table. After two reminders, it asks which appointment (or confirms them all
    when the customer says so)."""
    if turn.user is None:
        return None
    tapped = OutboundMessage.reminder_of(turn.replied_to) if turn.tap in REMINDER_BUTTONS else None
    if tapped is not None:
        choice, reminded = REMINDER_BUTTONS.index(turn.tap), [tapped]
    else:
        choice = choices.match_option(turn.text, _REMINDER_OPTIONS)
        if choice is None and _all_of_them(turn.text):
            choice = 0  # "confirmo os dois"
        if choice is None:
            return None
        since = turn.now - REMINDER_REPLY_WINDOW
        if turn.last_inbound_at is not None:
            since = max(since, turn.last_inbound_at)
        reminded = [a.id for a in Appointment.in_order(OutboundMessage.reminded(turn.contact.id, since))
                    if _still_ahead(turn, a)]
        if not reminded:
            return None
        if len(reminded) > 1:
            if choice == 0 and _all_of_them(turn.text):
                return _confirm_all(turn, reminded)
            return _which_reminded(turn, choice, reminded)
    return _answer_reminder(turn, choice, reminded[0])


def _still_ahead(turn: Turn, appointment: Appointment) -> bool:
    return appointment.user_id == turn.user.id and appointment.status == AppointmentStatus.BOOKED \
        and appointment.date > turn.now


_ALL = ("os dois", "as duas", "ambos", "ambas", "todos", "todas", "tudo")


def _all_of_them(text: str) -> bool:
    return choices.match_words(text, [_ALL]) is not None


def _answer_reminder(turn: Turn, choice: int, appointment_id: int) -> Reply:
    appointment = Appointment.get_or_none(Appointment.id == appointment_id)
    if appointment is None or not _still_ahead(turn, appointment):
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    if choice == 0:
        booking.confirm(appointment.id, now=turn.now)
        return Reply(texts.reminder_confirmed(day_label(appointment.date, turn.tz),
                                              time_label(appointment.date, turn.tz)), State.MENU)
    if choice == 1:
        return ask_cancel(turn, appointment)
    return _reschedule(turn, appointment)


def _which_reminded(turn: Turn, choice: int, reminded: list[int]) -> Reply:
    """Two reminders are pending: which appointment does the answer mean?"""
    appointments = sorted(Appointment.in_order(reminded), key=lambda a: a.date)
    lines = _lines(turn, appointments) + ([texts.ALL_OF_THEM] if choice == 0 else [])
    return Reply(texts.which_reminder(choice, lines), State.REMINDER_PICK,
                 {"choice": choice, "appointments": [a.id for a in appointments]})


def _confirm_all(turn: Turn, reminded: list[int]) -> Reply:
    appointments = [a for a in Appointment.in_order(reminded) if _still_ahead(turn, a)]
    for appointment in appointments:
        booking.confirm(appointment.id, now=turn.now)
    return Reply(texts.all_confirmed(_lines(turn, appointments)), State.MENU)


def reminder_pick(turn: Turn) -> Reply:
    """REMINDER_PICK: which of the reminded appointments the answer was about (or all of them)."""
    ids = turn.data.get("appointments") or []
    choice = int(turn.data.get("choice", 0))
    index = choices.pick(turn.text, len(ids) + (1 if choice == 0 else 0))
    if (index == len(ids) and choice == 0) or (index is None and choice == 0 and _all_of_them(turn.text)):
        return _confirm_all(turn, ids)
    if index is None:
        lines = _lines(turn, Appointment.in_order(ids)) + ([texts.ALL_OF_THEM] if choice == 0 else [])
        return unclear(turn, texts.unknown_option(texts.which_reminder(choice, lines)))
    return _answer_reminder(turn, choice, ids[index])

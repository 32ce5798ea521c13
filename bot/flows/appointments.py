"""The main menu, my appointments, cancelling, picking what to reschedule, reminder replies and
the opt-out words."""
from __future__ import annotations

from bot import choices, texts
from bot.dates import parse_when
from bot.display import appointment_line, day_label, several_professionals, time_label
from bot.engine import Reply, Turn
from bot.flows import booking as booking_flow
from bot.states import State
from storage import booking
from storage.db import database
from storage.models import Appointment, AppointmentStatus, User

AGENDAR, MEUS, REMARCAR, CANCELAR, AJUDA = range(5)

# Keywords per menu option, checked in this order so "cancelar agendamento" is a cancellation.
_MENU_KEYWORDS = (
    (CANCELAR, ("cancelar", "desmarcar", "cancela", "cancelamento")),
    (REMARCAR, ("remarcar", "reagendar", "mudar", "trocar", "alterar", "remarca")),
    (MEUS, ("meus agendamentos", "meus", "agendamentos", "meus horarios", "ver", "listar", "consultar",
            "minha agenda")),
    (AGENDAR, ("agendar", "marcar", "agenda", "horario", "horarios", "reservar", "agendamento")),
    (AJUDA, ("ajuda",)),
)
MAX_LISTED = 10


def menu_choice(text: str) -> int | None:
    """Which main-menu option the text names (by number or words), if any."""
    index = choices.pick(text, len(texts.MENU_OPTIONS))
    if index is not None:
        return index
    found = choices.match_words(text, [keywords for _, keywords in _MENU_KEYWORDS])
    return _MENU_KEYWORDS[found][0] if found is not None else None


_LISTING = {MEUS, CANCELAR, REMARCAR}


def might_list(text: str) -> bool:
    """Whether a message may well show the upcoming appointments (so they are read up front):
    a listing word, or a bare number (a menu choice, or an answer to a reminder)."""
    return menu_choice(text) in _LISTING or choices.number(text) is not None


def greet_known(turn: Turn) -> Reply:
    """Greets a registered person by name; a menu choice in the same message is followed."""
    if menu_choice(turn.text) is not None or parse_when(turn.text, turn.today).day is not None:
        turn.state = State.MENU
        return menu(turn)
    return Reply(texts.greeting_known(turn.name, turn.business), State.MENU)


def menu(turn: Turn) -> Reply:
    """Follows the option chosen in the main menu."""
    choice = menu_choice(turn.text)
    when = parse_when(turn.text, turn.today)
    if choice is None and (when.day is not None or when.time is not None):
        choice = AGENDAR  # "amanhã às 15h" straight from the menu means booking
    if choice == AGENDAR:
        return booking_flow.start(turn, when)
    if choice == MEUS:
        return list_appointments(turn)
    if choice == REMARCAR:
        return start_reschedule(turn)
    if choice == CANCELAR:
        return start_cancel(turn)
    if choice == AJUDA:
        return Reply(texts.help_text(), State.MENU)
    if choices.is_greeting(turn.text):
        return Reply(texts.greeting_known(turn.name, turn.business), State.MENU)
    return Reply(texts.unknown_menu(turn.name), State.MENU)


_UPCOMING = ("SELECT id, user_id, professional_id, type, date, duration, status FROM appointments"
             " WHERE user_id = {p} AND status = 'booked' AND date > {p} ORDER BY date LIMIT {limit}")


def upcoming(turn: Turn) -> list[Appointment]:
    """The person's booked appointments that have not started yet, soonest first.

    Written as SQL, with just the columns the lists show: it runs on the menu's hot path, where
    building the query with peewee cost more than running it (see bench/RESULTS.md)."""
    if turn.upcoming is not None:  # read along with the conversation (the fast path)
        return [a for a in turn.upcoming if a.date > turn.now][:MAX_LISTED]
    sql = _UPCOMING.format(p=database.param, limit=MAX_LISTED)
    return list(Appointment.raw(sql, turn.user.id, Appointment.date.db_value(turn.now)))


def _lines(turn: Turn, appointments: list[Appointment]) -> list[str]:
    named = turn.memo("several", several_professionals)
    return [appointment_line(a, turn.tz, named) for a in appointments]


def list_appointments(turn: Turn) -> Reply:
    """Lists the upcoming appointments (or offers to book when there are none)."""
    appointments = upcoming(turn)
    if not appointments:
        return Reply(texts.NO_APPOINTMENTS, State.MENU)
    return Reply(texts.my_appointments(_lines(turn, appointments)), State.MENU)


def _too_late(turn: Turn, appointment: Appointment) -> Reply | None:
    """Inside the minimum notice the bot refuses changes and points to the business."""
    notice = turn.settings.cancel_min_notice
    if appointment.date - turn.now < notice:
        hours = texts.minutes_label(int(notice.total_seconds() // 60))
        return Reply(texts.too_late_to_change(hours) + "\n\n" + texts.menu(), State.MENU)
    return None


# --- cancel --------------------------------------------------------------------------------------

def _start_pick(turn: Turn, single, prompt, state: State) -> Reply:
    """Lists the upcoming appointments to pick from; with just one, goes on with it."""
    appointments = upcoming(turn)
    if not appointments:
        return Reply(texts.NO_APPOINTMENTS, State.MENU)
    if len(appointments) == 1:
        return single(turn, appointments[0])
    return Reply(prompt(_lines(turn, appointments)), state, {"appointments": [a.id for a in appointments]})


def start_cancel(turn: Turn) -> Reply:
    """Lists the upcoming appointments to cancel; with just one, asks about it directly."""
    return _start_pick(turn, ask_cancel, texts.pick_to_cancel, State.CANCEL_PICK)


def _picked(turn: Turn) -> Appointment | None:
    ids = turn.data.get("appointments") or []
    index = choices.pick(turn.text, len(ids))
    if index is None:
        return None
    return Appointment.get_or_none(Appointment.id == ids[index])


def _pick_again(turn: Turn, prompt) -> Reply:
    lines = _lines(turn, Appointment.in_order(turn.data.get("appointments") or []))
    return Reply(texts.unknown_option(prompt(lines)), turn.state, turn.data)


def cancel_pick(turn: Turn) -> Reply:
    """Stores which appointment to cancel and asks for confirmation."""
    appointment = _picked(turn)
    if appointment is None:
        return _pick_again(turn, texts.pick_to_cancel)
    return ask_cancel(turn, appointment)


def ask_cancel(turn: Turn, appointment: Appointment) -> Reply:
    if appointment.status != AppointmentStatus.BOOKED or appointment.date <= turn.now:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    refusal = _too_late(turn, appointment)
    if refusal is not None:
        return refusal
    line = appointment_line(appointment, turn.tz, turn.memo("several", several_professionals))
    return Reply(texts.confirm_cancel(line), State.CANCEL_CONFIRM, {"appointment_id": appointment.id})


def cancel_confirm(turn: Turn) -> Reply:
    """Cancels on 'sim' (still respecting the notice), keeps it on 'não'."""
    appointment = Appointment.get_or_none(Appointment.id == turn.data.get("appointment_id"))
    if appointment is None or appointment.user_id != turn.user.id:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    answer = choices.yes_no(turn.text)
    line = appointment_line(appointment, turn.tz, turn.memo("several", several_professionals))
    if answer is None:
        return Reply(texts.unknown_option(texts.confirm_cancel(line)), State.CANCEL_CONFIRM, turn.data)
    if answer is False:
        return Reply(texts.KEPT, State.MENU)
    refusal = _too_late(turn, appointment)
    if refusal is not None:
        return refusal
    try:
        booking.cancel(appointment.id, now=turn.now, reason="pelo cliente")
    except booking.BookingError:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    return Reply(texts.cancelled(line), State.MENU)


# --- reschedule ------------------------------------------------------------------------------------

def start_reschedule(turn: Turn) -> Reply:
    """Lists the upcoming appointments to move; with just one, goes on to the day."""
    return _start_pick(turn, _reschedule, texts.pick_to_reschedule, State.RESCHEDULE_PICK)


def reschedule_pick(turn: Turn) -> Reply:
    """Stores which appointment to move and offers days for it."""
    appointment = _picked(turn)
    if appointment is None:
        return _pick_again(turn, texts.pick_to_reschedule)
    return _reschedule(turn, appointment)


def _reschedule(turn: Turn, appointment: Appointment) -> Reply:
    if appointment.status != AppointmentStatus.BOOKED or appointment.date <= turn.now \
            or appointment.user_id != turn.user.id:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    refusal = _too_late(turn, appointment)
    if refusal is not None:
        return refusal
    return booking_flow.start_reschedule(turn, appointment)


# --- reminder replies and opt-out ---------------------------------------------------------------------

_REMINDER_OPTIONS = (("confirmar", "confirmo", "confirmado", "sim", "ok", "vou", "estarei"),
                     ("cancelar", "desmarcar", "nao vou"),
                     ("remarcar", "reagendar", "mudar"))


def reminder_reply(turn: Turn, appointment_id: int) -> Reply | None:
    """1/confirmar, 2/cancelar, 3/remarcar right after a reminder; None for anything else."""
    choice = choices.match_option(turn.text, _REMINDER_OPTIONS)
    if choice is None:
        return None
    appointment = Appointment.get_or_none(Appointment.id == appointment_id)
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


def opt_out(turn: Turn, stop: bool) -> Reply | None:
    """'parar' stops reminders and notices, 'voltar' brings them back; None when 'voltar' has
    nothing to undo (then it means 'back to the menu')."""
    if turn.user is None:
        return Reply(texts.NOT_REGISTERED_OPT_OUT, turn.state, turn.data) if stop else None
    if stop:
        if turn.user.opted_out_at is None:
            User.update(opted_out_at=turn.now).where(User.id == turn.user.id).execute()
        return Reply(texts.OPTED_OUT, turn.state, turn.data)
    if turn.user.opted_out_at is None:
        return None
    User.update(opted_out_at=None).where(User.id == turn.user.id).execute()
    return Reply(texts.OPTED_IN + "\n\n" + texts.menu(turn.name), State.MENU)

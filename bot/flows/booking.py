"""Booking and rescheduling: service, (professional), day, time, confirmation.

Both flows share the day, time and confirmation steps; `data["flow"]` says which one is running
("book" or "reschedule") and which states it moves through.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot import choices, texts
from bot.dates import When, parse_when
from bot.display import appointment_line, day_label, several_professionals, time_label
from bot.engine import Reply, Turn
from bot.states import State
from storage import booking
from storage.availability import Calendar
from storage.models import Appointment, Professional, Service

PAGE_SIZE = 10
DAYS_OFFERED = 6
NEAREST = 5
ANY = "any"

STATES = {
    "book": (State.BOOK_DAY, State.BOOK_TIME, State.BOOK_CONFIRM),
    "reschedule": (State.RESCHEDULE_DAY, State.RESCHEDULE_TIME, State.RESCHEDULE_CONFIRM),
}
MORE = {"mais", "ver mais", "mais horarios", "outros", "outros horarios", "proximos"}


@dataclass
class Need:
    """What a flow is looking for: a duration, among these professionals."""

    duration: dt.timedelta
    professional_ids: list[int]
    exclude: int | None = None

    def calendar(self, turn: Turn, first: dt.date, last: dt.date) -> Calendar:
        return Calendar(turn.rules, self.professional_ids, first, last, exclude_appointment=self.exclude)

    def free(self, calendar: Calendar, day: dt.date, now: dt.datetime) -> list[dt.datetime]:
        """Free starts of the day for any of the professionals (the union, in order)."""
        starts: set[dt.datetime] = set()
        for pid in self.professional_ids:
            starts.update(calendar.free_starts(pid, day, self.duration, now))
        return sorted(starts)

    def open_days(self, turn: Turn, first: dt.date | None = None, limit: int = DAYS_OFFERED) -> list[dt.date]:
        """The next days with a free start, reading the calendar a week at a time (the first
        week nearly always has enough)."""
        day = max(first or turn.today, turn.today)
        last = turn.rules.last_day(turn.now)
        days: list[dt.date] = []
        while day <= last and len(days) < limit:
            week_end = min(day + dt.timedelta(days=6), last)
            calendar = self.calendar(turn, day, week_end)
            while day <= week_end and len(days) < limit:
                if self.free(calendar, day, turn.now):
                    days.append(day)
                day += dt.timedelta(days=1)
        return days


def _flow(turn: Turn) -> str:
    return turn.data.get("flow", "book")


def _states(turn: Turn) -> tuple[State, State, State]:
    return STATES[_flow(turn)]


def _service(turn: Turn) -> Service | None:
    service_id = turn.data.get("service_id")
    return turn.memo(("service", service_id), lambda: Service.get_or_none(Service.id == service_id))


def _rescheduled(turn: Turn) -> Appointment | None:
    appointment_id = turn.data.get("appointment_id")
    return turn.memo(("appointment", appointment_id),
                     lambda: Appointment.get_or_none(Appointment.id == appointment_id))


def professionals_for(turn: Turn, service: Service) -> list[Professional]:
    """Active professionals who perform the service."""
    from storage.staff import performing

    return turn.memo(("performing", service.id), lambda: performing(service.id))


def _need(turn: Turn) -> Need | None:
    if _flow(turn) == "reschedule":
        appointment = _rescheduled(turn)
        if appointment is None:
            return None
        return Need(dt.timedelta(minutes=appointment.duration), [appointment.professional_id], appointment.id)
    service = _service(turn)
    if service is None:
        return None
    chosen = turn.data.get("professional_id")
    if isinstance(chosen, int):
        ids = [chosen]
    else:
        ids = [p.id for p in professionals_for(turn, service)]
    return Need(dt.timedelta(minutes=service.duration), ids)


def _subject(turn: Turn) -> str:
    if _flow(turn) == "reschedule":
        appointment = _rescheduled(turn)
        return appointment.type if appointment else ""
    service = _service(turn)
    return service.name if service else ""


def _lost(turn: Turn) -> Reply:
    """The service or appointment went away mid-flow."""
    return Reply(texts.APPOINTMENT_GONE if _flow(turn) == "reschedule" else texts.menu(turn.name), State.MENU)


def _when_data(when: When) -> dict[str, Any] | None:
    if when.day is None and when.time is None:
        return None
    return {"day": when.day.isoformat() if when.day else None,
            "time": when.time.strftime("%H:%M") if when.time else None}


# --- service and professional --------------------------------------------------------------------

def start(turn: Turn, when: When | None = None) -> Reply:
    """Lists the services, or skips ahead when there is only one."""
    services = list(Service.select().where(Service.active == True).order_by(Service.id))  # noqa: E712
    if not services:
        return Reply(texts.NO_SERVICES + "\n\n" + texts.menu(turn.name), State.MENU)
    data: dict[str, Any] = {"flow": "book"}
    carried = _when_data(when) if when else None
    if carried:
        data["when"] = carried
    if len(services) == 1:
        turn.data = data
        return after_service(turn, services[0])
    data["services"] = [s.id for s in services]
    return Reply(_service_prompt(services), State.BOOK_SERVICE, data)


def _service_prompt(services: list[Service]) -> str:
    return texts.choose_service([(s.name, s.duration) for s in services])


def choose_service(turn: Turn) -> Reply:
    """Stores the chosen service and asks for the professional or the day."""
    services = Service.in_order(turn.data.get("services") or [])
    index = choices.pick(turn.text, len(services))
    if index is None:
        index = _by_name(turn.text, [s.name for s in services])
    if index is None:
        return Reply(texts.unknown_option(_service_prompt(services)), State.BOOK_SERVICE, turn.data)
    service = services[index]
    if not service.active:
        return start(turn)
    return after_service(turn, service)


def after_service(turn: Turn, service: Service) -> Reply:
    """With the service known: asks for a professional when there is a choice, else the day."""
    data = {k: v for k, v in turn.data.items() if k in ("flow", "when")}
    data["service_id"] = service.id
    turn.data = data
    turn.cache[("service", service.id)] = service
    professionals = professionals_for(turn, service)
    if not professionals:
        return Reply(texts.no_days(service.name), State.MENU)
    if len(professionals) > 1:
        data["professionals"] = [p.id for p in professionals]
        return Reply(_professional_prompt(service.name, professionals), State.BOOK_PROFESSIONAL, data)
    data["professional_id"] = professionals[0].id
    return _continue_with_when(turn)


def _professional_prompt(service_name: str, professionals: list[Professional]) -> str:
    return texts.choose_professional(service_name, [p.name for p in professionals] + [texts.ANY_PROFESSIONAL])


def choose_professional(turn: Turn) -> Reply:
    """Stores the professional (or 'any') and asks for the day."""
    ordered = Professional.in_order(turn.data.get("professionals") or [])
    index = choices.pick(turn.text, len(ordered) + 1)
    if index is None:
        wanted = choices.clean(turn.text)
        if wanted in ("qualquer", "qualquer um", "tanto faz", "qualquer uma", "o primeiro livre"):
            index = len(ordered)
        else:
            index = _by_name(turn.text, [p.name for p in ordered])
    if index is None:
        service = _service(turn)
        prompt = _professional_prompt(service.name if service else "", ordered)
        return Reply(texts.unknown_option(prompt), State.BOOK_PROFESSIONAL, turn.data)
    turn.data["professional_id"] = ordered[index].id if index < len(ordered) else ANY
    turn.data.pop("professionals", None)
    return _continue_with_when(turn)


def _by_name(text: str, names: list[str]) -> int | None:
    """The index of the name the text says: exactly, or as the only name containing it."""
    wanted = choices.clean(text)
    if not wanted:
        return None
    cleaned = [choices.clean(name) for name in names]
    if wanted in cleaned:
        return cleaned.index(wanted)
    partial = [i for i, name in enumerate(cleaned) if wanted in name]
    return partial[0] if len(partial) == 1 else None


def _continue_with_when(turn: Turn) -> Reply:
    """Uses a day/time the person already typed (from the menu), else offers days."""
    carried = turn.data.pop("when", None)
    if carried and carried.get("day"):
        day = dt.date.fromisoformat(carried["day"])
        if carried.get("time"):
            return try_exact(turn, day, dt.time.fromisoformat(carried["time"]))
        return offer_times(turn, day)
    if carried and carried.get("time"):
        turn.data["time"] = carried["time"]
    return offer_days(turn)


# --- day ---------------------------------------------------------------------------------------

def offer_days(turn: Turn, intro: str | None = None) -> Reply:
    """Offers the next open days, numbered."""
    day_state = _states(turn)[0]
    need = _need(turn)
    if need is None:
        return _lost(turn)
    days = need.open_days(turn)
    if not days:
        return Reply(texts.no_days(_subject(turn)), State.MENU)
    data = _keep(turn, "days")
    data["days"] = [d.isoformat() for d in days]
    labels = [day_label(d, turn.tz) for d in days]
    if _flow(turn) == "reschedule":
        text = texts.reschedule_day(appointment_line(_rescheduled(turn), turn.tz), labels)
    else:
        text = texts.choose_day(_subject(turn), labels)
    return Reply(f"{intro}\n\n{text}" if intro else text, day_state, data)


def _keep(turn: Turn, *also: str) -> dict[str, Any]:
    """The flow's identity (and the named keys) without the previous step's options."""
    keep = {"flow", "service_id", "professional_id", "appointment_id", "time", *also}
    return {k: v for k, v in turn.data.items() if k in keep}


def choose_day(turn: Turn) -> Reply:
    """Stores the day picked or typed, then offers its times (or confirms a typed time)."""
    days = [dt.date.fromisoformat(d) for d in turn.data.get("days", [])]
    index = choices.pick(turn.text, len(days))
    if index is not None:
        pending = turn.data.get("time")
        if pending:
            return try_exact(turn, days[index], dt.time.fromisoformat(pending))
        return offer_times(turn, days[index])
    when = parse_when(turn.text, turn.today)
    reply = _typed_when(turn, when)
    if reply is not None:
        return reply
    labels = [day_label(d, turn.tz) for d in days]
    return Reply(texts.unknown_option(texts.numbered(labels)) if labels else texts.menu(turn.name),
                 turn.state, turn.data)


def _typed_when(turn: Turn, when: When, current_day: dt.date | None = None) -> Reply | None:
    """Answers a typed date and/or time; None when nothing date-like was typed."""
    if when.invalid:
        bad_time = when.day is not None or (when.time is None and _looks_like_time(turn.text))
        return Reply(texts.INVALID_TIME if bad_time else texts.INVALID_DAY, turn.state, turn.data)
    if when.past:
        return Reply(texts.PAST_DAY, turn.state, turn.data)
    day = when.day or current_day
    if when.time is not None:
        if day is None:
            pending = when.time.strftime("%H:%M")
            turn.data["time"] = pending
            return Reply(texts.ask_day_for_time(pending), _states(turn)[0], turn.data)
        return try_exact(turn, day, when.time)
    if when.day is not None:
        pending = turn.data.get("time")
        if pending:
            return try_exact(turn, when.day, dt.time.fromisoformat(pending))
        return offer_times(turn, when.day)
    return None


def _looks_like_time(text: str) -> bool:
    return "h" in text.lower() or ":" in text


# --- time --------------------------------------------------------------------------------------

def _free_on(turn: Turn, day: dt.date) -> tuple[Need, list[dt.datetime]] | Reply:
    """The free starts of a day, or the reply saying why that day cannot be offered."""
    day_state = _states(turn)[0]
    need = _need(turn)
    if need is None:
        return _lost(turn)
    if day < turn.today:
        return Reply(texts.PAST_DAY, day_state, turn.data)
    last = turn.rules.last_day(turn.now)
    if day > last:
        return Reply(texts.day_too_far(day_label(last, turn.tz)), day_state, turn.data)
    return need, need.free(need.calendar(turn, day, day), day, turn.now)


def _nearest(turn: Turn, day: dt.date, target: dt.datetime, starts: list[dt.datetime],
             render) -> Reply:
    """Offers the free starts nearest to `target`; `render(day, time, times)` words it."""
    nearest = sorted(sorted(starts, key=lambda s: abs(s - target))[:NEAREST])
    data = _keep(turn)
    data.pop("time", None)
    data.update(day=day.isoformat(), page=0, times=[s.isoformat() for s in nearest])
    text = render(day_label(day, turn.tz), time_label(target, turn.tz), [time_label(s, turn.tz) for s in nearest])
    return Reply(text, _states(turn)[1], data)


def offer_times(turn: Turn, day: dt.date, page: int = 0) -> Reply:
    """Offers the free start times of the day, ten at a time."""
    found = _free_on(turn, day)
    if isinstance(found, Reply):
        return found
    need, starts = found
    if not starts:
        return _day_closed(turn, need, day)
    pages = (len(starts) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(page, pages - 1)
    shown = starts[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    data = _keep(turn)
    data.pop("time", None)
    data.update(day=day.isoformat(), page=page, times=[s.isoformat() for s in shown])
    text = texts.choose_time(day_label(day, turn.tz), [time_label(s, turn.tz) for s in shown],
                             more=page + 1 < pages)
    return Reply(text, _states(turn)[1], data)


def _day_closed(turn: Turn, need: Need, day: dt.date) -> Reply:
    days = need.open_days(turn, first=day + dt.timedelta(days=1))
    data = _keep(turn)
    data["days"] = [d.isoformat() for d in days]
    return Reply(texts.day_closed(day_label(day, turn.tz), [day_label(d, turn.tz) for d in days]),
                 _states(turn)[0], data)


def choose_time(turn: Turn) -> Reply:
    """Stores the time picked (or typed) and asks for confirmation; 'mais' pages on."""
    times = [dt.datetime.fromisoformat(t) for t in turn.data.get("times", [])]
    day = dt.date.fromisoformat(turn.data["day"]) if turn.data.get("day") else None
    if choices.clean(turn.text) in MORE and day is not None:
        reply = offer_times(turn, day, page=int(turn.data.get("page", 0)) + 1)
        if reply.data.get("page") == turn.data.get("page") and reply.state == turn.state:
            return Reply(texts.NO_MORE_TIMES, turn.state, turn.data)
        return reply
    index = choices.pick(turn.text, len(times))
    if index is not None:
        return ask_confirm(turn, times[index])
    reply = _typed_when(turn, parse_when(turn.text, turn.today), current_day=day)
    if reply is not None:
        return reply
    labels = [time_label(t, turn.tz) for t in times]
    return Reply(texts.unknown_option(texts.numbered(labels)), turn.state, turn.data)


def try_exact(turn: Turn, day: dt.date, time: dt.time) -> Reply:
    """Goes straight to confirmation when that exact time is free, else offers the nearest."""
    found = _free_on(turn, day)
    if isinstance(found, Reply):
        return found
    need, starts = found
    target = dt.datetime.combine(day, time, tzinfo=turn.tz).astimezone(dt.UTC)
    if target in starts:
        return ask_confirm(turn, target)
    if not starts:
        return _day_closed(turn, need, day)
    return _nearest(turn, day, target, starts, texts.time_unavailable)


# --- confirmation ----------------------------------------------------------------------------------

def ask_confirm(turn: Turn, start: dt.datetime) -> Reply:
    """Shows what will be booked (or moved) and asks for a yes."""
    confirm_state = _states(turn)[2]
    data = _keep(turn, "day")
    data["start"] = start.isoformat()
    day, time = day_label(start, turn.tz), time_label(start, turn.tz)
    if _flow(turn) == "reschedule":
        appointment = _rescheduled(turn)
        if appointment is None:
            return _lost(turn)
        return Reply(texts.confirm_reschedule(appointment_line(appointment, turn.tz), day, time),
                     confirm_state, data)
    return Reply(texts.confirm_booking(_subject(turn), day, time, _professional_name(turn)),
                 confirm_state, data)


def _professional_name(turn: Turn) -> str | None:
    chosen = turn.data.get("professional_id")
    if isinstance(chosen, int) and turn.memo("several", several_professionals):
        professional = Professional.get_or_none(Professional.id == chosen)
        return professional.name if professional else None
    return None


def _confirm_prompt(turn: Turn) -> Reply:
    start = dt.datetime.fromisoformat(turn.data["start"])
    reply = ask_confirm(turn, start)
    return Reply(texts.unknown_option(reply.text), reply.state, reply.data)


def confirm(turn: Turn) -> Reply:
    """Books (or moves) on 'sim'; on 'não' offers the day's times again."""
    answer = choices.yes_no(turn.text)
    start = dt.datetime.fromisoformat(turn.data["start"])
    day = start.astimezone(turn.tz).date()
    if answer is None:
        reply = _typed_when(turn, parse_when(turn.text, turn.today), current_day=day)
        return reply if reply is not None else _confirm_prompt(turn)
    if answer is False:
        return offer_times(turn, day)
    try:
        if _flow(turn) == "reschedule":
            moved = booking.reschedule(turn.data["appointment_id"], start, rules=turn.rules, now=turn.now)
            return Reply(texts.rescheduled(moved.type, day_label(moved.date, turn.tz),
                                           time_label(moved.date, turn.tz)), State.MENU)
        made = _book(turn, start)
    except booking.NotBooked:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    except booking.NotFound:
        return _lost(turn)
    except booking.BookingError:
        return _taken(turn, start)
    professional = made.professional.name if turn.memo("several", several_professionals) else None
    return Reply(texts.booked(made.type, day_label(made.date, turn.tz), time_label(made.date, turn.tz),
                              turn.business, professional), State.MENU)


def _book(turn: Turn, start: dt.datetime) -> Appointment:
    service = _service(turn)
    if service is None or not service.active:
        raise booking.NotFound("service")
    chosen = turn.data.get("professional_id")
    if isinstance(chosen, int):
        return booking.book(user_id=turn.user.id, service=service, start=start, rules=turn.rules,
                            now=turn.now, professional_id=chosen)
    return booking.book(user_id=turn.user.id, service=service, start=start, rules=turn.rules,
                        now=turn.now, professional_ids=[p.id for p in professionals_for(turn, service)])


def _taken(turn: Turn, start: dt.datetime) -> Reply:
    """The slot went between the offer and the yes: say so and offer the nearest free times."""
    day = start.astimezone(turn.tz).date()
    found = _free_on(turn, day)
    if isinstance(found, Reply):
        return found
    need, starts = found
    if not starts:
        closed = _day_closed(turn, need, day)
        text = texts.slot_taken(day_label(day, turn.tz), time_label(start, turn.tz), [])
        return Reply(f"{text}\n\n{closed.text}", closed.state, closed.data)
    return _nearest(turn, day, start, starts, texts.slot_taken)


def start_reschedule(turn: Turn, appointment: Appointment) -> Reply:
    """Begins moving an appointment: offers days for it."""
    turn.data = {"flow": "reschedule", "appointment_id": appointment.id}
    return offer_days(turn)

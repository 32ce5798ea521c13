"""Booking (service, professional, day, time, confirmation) and rescheduling (day, time,
confirmation for an appointment already booked).

Each state has its own step function. The day, time and confirmation steps of the two flows
work the same way, so they share the functions below, given the `Flow` their state belongs to.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from bot import choices, texts
from bot.dates import When
from bot.display import customer_line, day_label, time_label
from bot.flows import loyalty
from bot.flows import waitlist as waitlist_flow
from bot.nlu.understand import Reading
from bot.states import State
from bot.turn import Reply, Turn, unclear
from storage import booking
from storage.availability import Calendar
from storage.models import Appointment, Professional, Service

PAGE_SIZE = 10
DAYS_OFFERED = 6
NEAREST = 5
ANY = "any"
MORE = {"mais", "ver mais", "mais horarios", "outros", "outros horarios", "proximos"}
ANY_WORDS = {"qualquer", "qualquer um", "tanto faz", "qualquer uma", "o primeiro livre"}


@dataclass
class Need:
    """What a flow is looking for: a duration, among these professionals."""

    duration: dt.timedelta
    professional_ids: list[int]
    exclude: int | None = None  # the appointment being moved, which frees its own time

    def calendar(self, turn: Turn, first: dt.date, last: dt.date) -> Calendar:
        return Calendar(turn.rules, self.professional_ids, first, last, exclude_appointment=self.exclude,
                        holder=turn.user.id if turn.user else None, now=turn.now)

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


class Flow:
    """What differs between booking and rescheduling; the shared steps below ask it."""

    day: State
    time: State
    confirm: State
    keep = ("service_id", "professional_id", "appointment_id", "time", "window")  # survives between steps

    def need(self, turn: Turn) -> Need | None:
        raise NotImplementedError

    def subject(self, turn: Turn) -> str:
        raise NotImplementedError

    def lost(self, turn: Turn) -> Reply:
        """The service or appointment went away mid-flow."""
        raise NotImplementedError

    def day_prompt(self, turn: Turn, days: list[str]) -> str:
        raise NotImplementedError

    def confirm_prompt(self, turn: Turn, day: str, time: str) -> str | None:
        raise NotImplementedError

    def commit(self, turn: Turn, start: dt.datetime) -> Reply:
        """Books or moves on 'sim'; raises the booking rule's refusal."""
        raise NotImplementedError


class Booking(Flow):
    day, time, confirm = State.BOOK_DAY, State.BOOK_TIME, State.BOOK_CONFIRM

    def need(self, turn: Turn) -> Need | None:
        service = _service(turn)
        if service is None:
            return None
        chosen = turn.data.get("professional_id")
        ids = [chosen] if isinstance(chosen, int) else [p.id for p in Professional.performing(service.id)]
        return Need(dt.timedelta(minutes=service.duration), ids)

    def subject(self, turn: Turn) -> str:
        service = _service(turn)
        return service.name if service else ""

    def lost(self, turn: Turn) -> Reply:
        return Reply(texts.menu(turn.name), State.MENU)

    def day_prompt(self, turn: Turn, days: list[str]) -> str:
        return texts.choose_day(self.subject(turn), days)

    def confirm_prompt(self, turn: Turn, day: str, time: str) -> str | None:
        chosen = turn.data.get("professional_id")
        professional = None
        if isinstance(chosen, int) and Professional.several():
            found = Professional.get_or_none(Professional.id == chosen)
            professional = found.name if found else None
        return texts.confirm_booking(self.subject(turn), day, time, professional)

    def commit(self, turn: Turn, start: dt.datetime) -> Reply:
        service = _service(turn)
        if service is None or not service.active:
            raise booking.NotFound("service")
        chosen = turn.data.get("professional_id")
        if isinstance(chosen, int):
            made = booking.book(user_id=turn.user.id, service=service, start=start, rules=turn.rules,
                                now=turn.now, professional_id=chosen)
        else:
            made = booking.book(user_id=turn.user.id, service=service, start=start, rules=turn.rules,
                                now=turn.now, professional_ids=[p.id for p in Professional.performing(service.id)])
        professional = made.professional.name if Professional.several() else None
        booked = Reply(texts.booked(made.type, day_label(made.date, turn.tz), time_label(made.date, turn.tz),
                                    turn.business, professional), State.MENU)
        return loyalty.after_booking(turn, made, booked, professional)


class Rescheduling(Flow):
    day, time, confirm = State.RESCHEDULE_DAY, State.RESCHEDULE_TIME, State.RESCHEDULE_CONFIRM

    def need(self, turn: Turn) -> Need | None:
        appointment = _moving(turn)
        if appointment is None:
            return None
        return Need(dt.timedelta(minutes=appointment.duration), [appointment.professional_id], appointment.id)

    def subject(self, turn: Turn) -> str:
        appointment = _moving(turn)
        return appointment.type if appointment else ""

    def lost(self, turn: Turn) -> Reply:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)

    def day_prompt(self, turn: Turn, days: list[str]) -> str:
        return texts.reschedule_day(customer_line(_moving(turn), turn.tz), days)

    def confirm_prompt(self, turn: Turn, day: str, time: str) -> str | None:
        appointment = _moving(turn)
        return texts.confirm_reschedule(customer_line(appointment, turn.tz), day, time) if appointment else None

    def commit(self, turn: Turn, start: dt.datetime) -> Reply:
        moved = booking.reschedule(turn.data["appointment_id"], start, rules=turn.rules, now=turn.now)
        return Reply(texts.rescheduled(moved.type, day_label(moved.date, turn.tz), time_label(moved.date, turn.tz)),
                     State.MENU)


BOOKING = Booking()
RESCHEDULING = Rescheduling()


def too_late(turn: Turn) -> Reply:
    """Inside CANCEL_MIN_NOTICE the bot changes nothing and points to the business."""
    return Reply(texts.too_late_to_change(int(turn.rules.change_notice.total_seconds() // 60)), State.MENU)


def _service(turn: Turn) -> Service | None:
    return Service.get_or_none(Service.id == turn.data.get("service_id"))


def _moving(turn: Turn) -> Appointment | None:
    return Appointment.get_or_none(Appointment.id == turn.data.get("appointment_id"))


def _when_data(when: When | None) -> dict[str, Any] | None:
    """A day, time, window or the options the customer gave, kept until the flow needs them."""
    if when is None or when.empty or when.invalid or when.past:
        return None
    data: dict[str, Any] = {}
    if when.day:
        data["day"] = when.day.isoformat()
    if when.time:
        data["time"] = when.time.strftime("%H:%M")
    if when.window:
        data["window"] = [when.window.start, when.window.end]
    if when.day_options:
        data["days"] = [d.isoformat() for d in when.day_options]
    if when.time_options:
        data["times"] = [t.strftime("%H:%M") for t in when.time_options]
    return data


# --- BOOK_SERVICE and BOOK_PROFESSIONAL ------------------------------------------------------------

def start(turn: Turn, reading: Reading | None = None) -> Reply:
    """Starts a booking with whatever the message already said (service, professional, day,
    time, part of the day): asks only for what is missing."""
    services = list(Service.offered())
    if not services:
        return Reply(texts.NO_SERVICES + "\n\n" + texts.menu(turn.name), State.MENU)
    data: dict[str, Any] = {}
    carried = _when_data(reading.when) if reading else None
    if carried:
        data["when"] = carried
    if reading and reading.professional:
        data["wanted"] = reading.professional.id
    turn.data = data
    service = None
    if len(services) == 1:
        service = services[0]
    elif reading and reading.service:
        service = next((s for s in services if s.id == reading.service.id), None)
    if service is not None:
        return _with_service(turn, service)
    data["services"] = [s.id for s in services]
    if reading and reading.service_guess:
        return _did_you_mean(turn, reading.service_guess.id, reading.service_guess.name)
    return Reply(_service_prompt(services), State.BOOK_SERVICE, data)


def start_with(turn: Turn, service: Service) -> Reply:
    """Starts a booking of this service (a yes to a return reminder): asks for the rest."""
    turn.data = {}
    return _with_service(turn, service)


def _did_you_mean(turn: Turn, service_id: int, name: str) -> Reply:
    turn.data["guess"] = service_id
    return Reply(texts.did_you_mean(name), State.BOOK_SERVICE, turn.data)


def _service_prompt(services: list[Service]) -> str:
    return texts.choose_service([(s.name, s.duration, s.price_cents) for s in services])


def choose_service(turn: Turn) -> Reply:
    """Stores the chosen service (by number, by name even with typos, or a yes to "did you mean")
    and asks for the professional or the day; keeps a day or time said on the way."""
    services = Service.in_order(turn.data.get("services") or [])
    guess = turn.data.pop("guess", None)
    if guess is not None:
        answer = choices.yes_no(turn.text)
        if answer is True:
            chosen = next((s for s in services if s.id == guess), None)
            if chosen is not None:
                return _with_service(turn, chosen)
        if answer is False:
            return Reply(_service_prompt(services), State.BOOK_SERVICE, turn.data)
    index = choices.pick(turn.text, len(services))
    if index is not None:
        return start(turn) if not services[index].active else _with_service(turn, services[index])
    reading = turn.reading
    if reading.service is not None:
        chosen = next((s for s in services if s.id == reading.service.id), None)
        if chosen is not None:
            _carry(turn, reading)
            return _with_service(turn, chosen)
    if reading.service_guess is not None:
        return _did_you_mean(turn, reading.service_guess.id, reading.service_guess.name)
    if _carry(turn, reading):  # "tem horário sábado de manhã?": kept; which service?
        return Reply(texts.noted_which_service(_service_prompt(services)), State.BOOK_SERVICE, turn.data)
    return unclear(turn, texts.unknown_option(_service_prompt(services)))


def _carry(turn: Turn, reading: Reading) -> bool:
    """Keeps what the message said about when and with whom for later steps; True if anything."""
    carried = _when_data(reading.when)
    if carried:
        turn.data["when"] = carried
    if reading.professional:
        turn.data["wanted"] = reading.professional.id
    return bool(carried or reading.professional)


def _with_service(turn: Turn, service: Service) -> Reply:
    """With the service known: asks for a professional when there is a choice (unless one was
    named), else goes on to the day."""
    data = {"service_id": service.id}
    for key in ("when", "wanted"):
        if key in turn.data:
            data[key] = turn.data[key]
    turn.data = data
    professionals = list(Professional.performing(service.id))
    if not professionals:
        return Reply(texts.no_days(service.name), State.MENU)
    wanted = data.pop("wanted", None)
    if wanted in [p.id for p in professionals]:
        data["professional_id"] = wanted
        return _continue_with_when(turn)
    if len(professionals) > 1:
        data["professionals"] = [p.id for p in professionals]
        return Reply(_professional_prompt(service.name, professionals), State.BOOK_PROFESSIONAL, data)
    data["professional_id"] = professionals[0].id
    return _continue_with_when(turn)


def _professional_prompt(service_name: str, professionals: list[Professional]) -> str:
    return texts.choose_professional(service_name, [p.name for p in professionals] + [texts.ANY_PROFESSIONAL])


def choose_professional(turn: Turn) -> Reply:
    """Stores the professional (by number, by name even with typos, or 'any') and asks for the day."""
    ordered = Professional.in_order(turn.data.get("professionals") or [])
    index = choices.pick(turn.text, len(ordered) + 1)
    if index is None and choices.clean(turn.text) in ANY_WORDS:
        index = len(ordered)
    if index is None:
        found = choices.find_name(turn.text, [p.name for p in ordered], aliases=True)
        index = found.index if found is not None and found.sure else None
    if index is None:
        prompt = _professional_prompt(BOOKING.subject(turn), ordered)
        return unclear(turn, texts.unknown_option(prompt))
    turn.data["professional_id"] = ordered[index].id if index < len(ordered) else ANY
    turn.data.pop("professionals", None)
    if choices.number(turn.text) is None:  # "com o João sexta às 15h": the day and time too
        _carry(turn, turn.reading)
        turn.data.pop("wanted", None)
    return _continue_with_when(turn)


def _continue_with_when(turn: Turn) -> Reply:
    """Uses a day, time or part of the day the person already said, else offers days."""
    carried = turn.data.pop("when", None) or {}
    return _use_when(turn, BOOKING, carried)


def _use_when(turn: Turn, flow: Flow, carried: dict[str, Any]) -> Reply:
    """Goes as far as what was said allows: a day and a time to the confirmation, a day (and
    part of the day) to its times, several possible days or times to a question."""
    if carried.get("window"):
        turn.data["window"] = carried["window"]
    if carried.get("time"):
        turn.data["time"] = carried["time"]
    if carried.get("days"):
        return _which_day(turn, flow, [dt.date.fromisoformat(d) for d in carried["days"]])
    if carried.get("day"):
        day = dt.date.fromisoformat(carried["day"])
        if carried.get("times"):
            return _which_time(turn, flow, day, [dt.time.fromisoformat(t) for t in carried["times"]])
        if carried.get("time"):
            return _try_exact(turn, flow, day, dt.time.fromisoformat(carried["time"]))
        return _offer_times(turn, flow, day)
    return _offer_days(turn, flow)


def _which_day(turn: Turn, flow: Flow, days: list[dt.date]) -> Reply:
    """The message may mean several days ("sexta que vem" on a Monday): which one?"""
    data = _keep(turn, flow)
    data["days"] = [d.isoformat() for d in days]
    return Reply(texts.which_day([day_label(d, turn.tz) for d in days]), flow.day, data)


def _which_time(turn: Turn, flow: Flow, day: dt.date, times: list[dt.time]) -> Reply:
    """The message may mean several times ("às 8": 08:00 or 20:00): which of the free ones?"""
    found = _free_on(turn, flow, day)
    if isinstance(found, Reply):
        return found
    need, starts = found
    wanted = [dt.datetime.combine(day, t, tzinfo=turn.tz).astimezone(dt.UTC) for t in times]
    free = [s for s in starts if s in wanted]
    if not free:
        return _nearest(turn, flow, day, wanted[0], starts, texts.time_unavailable) if starts \
            else _day_closed(turn, flow, need, day)
    data = _keep(turn, flow)
    data.pop("time", None)
    data.update(day=day.isoformat(), page=0, times=[s.isoformat() for s in free])
    return Reply(texts.which_time(day_label(day, turn.tz), [time_label(s, turn.tz) for s in free]), flow.time, data)


# --- BOOK_DAY, BOOK_TIME, BOOK_CONFIRM and their RESCHEDULE_ twins -------------------------------

def book_day(turn: Turn) -> Reply:
    """Stores the day picked or typed, then offers its times (or confirms a typed time)."""
    return _choose_day(turn, BOOKING)


def book_time(turn: Turn) -> Reply:
    """Stores the time picked (or typed) and asks for confirmation; 'mais' pages on."""
    return _choose_time(turn, BOOKING)


def book_confirm(turn: Turn) -> Reply:
    """Books on 'sim'; on 'não' offers the day's times again."""
    return _confirm(turn, BOOKING)


def start_reschedule(turn: Turn, appointment: Appointment, target: When | None = None) -> Reply:
    """Begins moving an appointment: offers days for it, or goes straight to the new day or time
    the customer already said."""
    turn.data = {"appointment_id": appointment.id}
    return _use_when(turn, RESCHEDULING, _when_data(target) or {})


def reschedule_day(turn: Turn) -> Reply:
    """Stores the new day picked or typed, then offers its times (or confirms a typed time)."""
    return _choose_day(turn, RESCHEDULING)


def reschedule_time(turn: Turn) -> Reply:
    """Stores the new time picked (or typed) and asks for confirmation; 'mais' pages on."""
    return _choose_time(turn, RESCHEDULING)


def reschedule_confirm(turn: Turn) -> Reply:
    """Moves the appointment on 'sim' (in one transaction); on 'não' offers the day's times again."""
    return _confirm(turn, RESCHEDULING)


def _keep(turn: Turn, flow: Flow, *also: str) -> dict[str, Any]:
    """The flow's identity (and the named keys) without the previous step's options."""
    keep = {*flow.keep, *also}
    return {k: v for k, v in turn.data.items() if k in keep}


def _offer_days(turn: Turn, flow: Flow) -> Reply:
    """Offers the next open days, numbered."""
    need = flow.need(turn)
    if need is None:
        return flow.lost(turn)
    days = need.open_days(turn)
    if not days:
        return Reply(texts.no_days(flow.subject(turn)), State.MENU)
    data = _keep(turn, flow)
    data["days"] = [d.isoformat() for d in days]
    return Reply(flow.day_prompt(turn, [day_label(d, turn.tz) for d in days]), flow.day, data)


def _choose_day(turn: Turn, flow: Flow) -> Reply:
    days = [dt.date.fromisoformat(d) for d in turn.data.get("days", [])]
    if waitlist_flow.chosen(turn, len(days)):
        return waitlist_flow.join(turn)
    index = choices.pick(turn.text, len(days))
    if index is not None:
        pending = turn.data.get("time")
        if pending:
            return _try_exact(turn, flow, days[index], dt.time.fromisoformat(pending))
        return _offer_times(turn, flow, days[index])
    reply = _typed_when(turn, flow, turn.reading.when)
    if reply is not None:
        return reply
    labels = [day_label(d, turn.tz) for d in days]
    return unclear(turn, texts.unknown_option(texts.numbered(labels)) if labels else texts.menu(turn.name))


def _typed_when(turn: Turn, flow: Flow, when: When, current_day: dt.date | None = None) -> Reply | None:
    """Answers a typed day, time or part of the day; None when nothing of the kind was typed."""
    if when.invalid:
        bad_time = when.day is not None or (when.time is None and _looks_like_time(turn.text))
        return Reply(texts.INVALID_TIME if bad_time else texts.INVALID_DAY, turn.state, turn.data)
    if when.past:
        return Reply(texts.PAST_DAY, turn.state, turn.data)
    carried = _when_data(when)
    if not carried:
        return None
    if not carried.get("day") and not carried.get("days"):
        if current_day is None:  # a time or part of the day, no day yet: kept, and which day?
            for key in ("time", "window"):
                turn.data.pop(key, None)
                if key in carried:
                    turn.data[key] = carried[key]
            asked = carried.get("time") or (texts.window_label(*carried["window"]) if "window" in carried else "")
            return Reply(texts.ask_day_for_time(asked) if asked else texts.ASK_DAY, flow.day, turn.data)
        carried["day"] = current_day.isoformat()  # "às 15h" while looking at a day means that day
    if not carried.get("time") and not carried.get("times") and not carried.get("window"):
        for key in ("time", "window"):  # a day after a time or part of the day said before
            if turn.data.get(key):
                carried[key] = turn.data[key]
    return _use_when(turn, flow, carried)


def _looks_like_time(text: str) -> bool:
    return "h" in text.lower() or ":" in text


def _free_on(turn: Turn, flow: Flow, day: dt.date) -> tuple[Need, list[dt.datetime]] | Reply:
    """The free starts of a day, or the reply saying why that day cannot be offered."""
    need = flow.need(turn)
    if need is None:
        return flow.lost(turn)
    if day < turn.today:
        return Reply(texts.PAST_DAY, flow.day, turn.data)
    last = turn.rules.last_day(turn.now)
    if day > last:
        return Reply(texts.day_too_far(day_label(last, turn.tz)), flow.day, turn.data)
    return need, need.free(need.calendar(turn, day, day), day, turn.now)


def _nearest(turn: Turn, flow: Flow, day: dt.date, target: dt.datetime, starts: list[dt.datetime],
             render) -> Reply:
    """Offers the free starts nearest to `target`; `render(day, time, times)` words it."""
    nearest = sorted(sorted(starts, key=lambda s: abs(s - target))[:NEAREST])
    data = _keep(turn, flow)
    data.pop("time", None)
    data.update(day=day.isoformat(), page=0, times=[s.isoformat() for s in nearest])
    text = render(day_label(day, turn.tz), time_label(target, turn.tz), [time_label(s, turn.tz) for s in nearest])
    return Reply(text, flow.time, data)


def _offer_times(turn: Turn, flow: Flow, day: dt.date, page: int = 0) -> Reply:
    """Offers the free start times of the day, ten at a time; within the part of the day the
    customer asked for (`window`), when it has any."""
    found = _free_on(turn, flow, day)
    if isinstance(found, Reply):
        return found
    need, starts = found
    if not starts:
        return _day_closed(turn, flow, need, day)
    note = ""
    window = turn.data.get("window")
    full_window = False
    if window:
        inside = [s for s in starts if window[0] <= _minute(s, turn) < window[1]]
        if inside:
            starts = inside
        else:
            note = texts.none_in_window(texts.window_label(*window)) + "\n\n"
            full_window = flow is BOOKING
    page_size = PAGE_SIZE - 1 if full_window else PAGE_SIZE  # room for the waitlist option
    pages = (len(starts) + page_size - 1) // page_size
    page = min(page, pages - 1)
    shown = starts[page * page_size:(page + 1) * page_size]
    data = _keep(turn, flow)
    data.pop("time", None)
    data.update(day=day.isoformat(), page=page, times=[s.isoformat() for s in shown])
    labels = [time_label(s, turn.tz) for s in shown]
    if full_window:  # the part of the day asked for is full: its waitlist is one more option
        data["waitlist"] = waitlist_flow.wish(turn, day)
        labels.append(waitlist_flow.option_label(turn, day))
    text = texts.choose_time(day_label(day, turn.tz), labels, more=page + 1 < pages)
    return Reply(note + text, flow.time, data)


def _minute(moment: dt.datetime, turn: Turn) -> int:
    local = moment.astimezone(turn.tz)
    return local.hour * 60 + local.minute


def _day_closed(turn: Turn, flow: Flow, need: Need, day: dt.date) -> Reply:
    """No free time that day: the next days with some, and (booking a day that is open but full)
    the day's waitlist as one more option."""
    days = need.open_days(turn, first=day + dt.timedelta(days=1))
    data = _keep(turn, flow)
    data["days"] = [d.isoformat() for d in days]
    text = texts.day_closed(day_label(day, turn.tz), [day_label(d, turn.tz) for d in days])
    if flow is BOOKING and _open_that_day(turn, need, day):
        data["waitlist"] = waitlist_flow.wish(turn, day)
        text += ("\n" if days else "\n\n") + texts.numbered([waitlist_flow.option_label(turn, day)], start=len(days) + 1)
    return Reply(text, flow.day, data)


def _open_that_day(turn: Turn, need: Need, day: dt.date) -> bool:
    """Whether the day has opening hours left for one of the professionals (so a cancellation
    could free time in it): a full day, not a closed one."""
    if not turn.today <= day <= turn.rules.last_day(turn.now) or turn.user is None:
        return False
    calendar = need.calendar(turn, day, day)
    return any(calendar.open_intervals(pid, day) for pid in need.professional_ids)


def _choose_time(turn: Turn, flow: Flow) -> Reply:
    times = [dt.datetime.fromisoformat(t) for t in turn.data.get("times", [])]
    day = dt.date.fromisoformat(turn.data["day"]) if turn.data.get("day") else None
    if choices.clean(turn.text) in MORE and day is not None:
        reply = _offer_times(turn, flow, day, page=int(turn.data.get("page", 0)) + 1)
        if reply.data.get("page") == turn.data.get("page") and reply.state == turn.state:
            return Reply(texts.NO_MORE_TIMES, turn.state, turn.data)
        return reply
    if waitlist_flow.chosen(turn, len(times)):
        return waitlist_flow.join(turn)
    index = choices.pick(turn.text, len(times))
    if index is not None:
        return _ask_confirm(turn, flow, times[index])
    reply = _typed_when(turn, flow, turn.reading.when, current_day=day)
    if reply is not None:
        return reply
    labels = [time_label(t, turn.tz) for t in times]
    return unclear(turn, texts.unknown_option(texts.numbered(labels)))


def _try_exact(turn: Turn, flow: Flow, day: dt.date, time: dt.time) -> Reply:
    """Goes straight to confirmation when that exact time is free, else offers the nearest,
    saying whether the time is taken or the business is closed then (lunch, after hours)."""
    found = _free_on(turn, flow, day)
    if isinstance(found, Reply):
        return found
    need, starts = found
    target = dt.datetime.combine(day, time, tzinfo=turn.tz).astimezone(dt.UTC)
    if target in starts:
        return _ask_confirm(turn, flow, target)
    if target <= turn.now:
        return Reply(texts.PAST_TIME, flow.day if day != turn.today else turn.state, turn.data)
    if not starts:
        return _day_closed(turn, flow, need, day)
    calendar = need.calendar(turn, day, day)
    open_then = any(calendar.fits(pid, target, target + need.duration) for pid in need.professional_ids)
    return _nearest(turn, flow, day, target, starts, texts.time_unavailable if open_then else texts.closed_then)


def _ask_confirm(turn: Turn, flow: Flow, start: dt.datetime) -> Reply:
    """Shows what will be booked (or moved) and asks for a yes."""
    data = _keep(turn, flow, "day")
    data["start"] = start.isoformat()
    text = flow.confirm_prompt(turn, day_label(start, turn.tz), time_label(start, turn.tz))
    return Reply(text, flow.confirm, data) if text is not None else flow.lost(turn)


def _confirm(turn: Turn, flow: Flow) -> Reply:
    answer = choices.yes_no(turn.text)
    start = dt.datetime.fromisoformat(turn.data["start"])
    day = start.astimezone(turn.tz).date()
    if answer is None:
        reply = _typed_when(turn, flow, turn.reading.when, current_day=day)
        if reply is not None:
            return reply
        again = _ask_confirm(turn, flow, start)
        return Reply(texts.unknown_option(again.text), again.state, again.data, unclear=True)
    if answer is False:
        return _offer_times(turn, flow, day)
    try:
        return flow.commit(turn, start)
    except booking.NotBooked:
        return Reply(texts.APPOINTMENT_GONE, State.MENU)
    except booking.TooLateToChange:
        return too_late(turn)
    except booking.NotFound:
        return flow.lost(turn)
    except booking.BookingError:
        return _taken(turn, flow, start)


def _taken(turn: Turn, flow: Flow, start: dt.datetime) -> Reply:
    """The slot went between the offer and the yes: say so and offer the nearest free times."""
    day = start.astimezone(turn.tz).date()
    found = _free_on(turn, flow, day)
    if isinstance(found, Reply):
        return found
    need, starts = found
    if not starts:
        closed = _day_closed(turn, flow, need, day)
        text = texts.slot_taken(day_label(day, turn.tz), time_label(start, turn.tz), [])
        return Reply(f"{text}\n\n{closed.text}", closed.state, closed.data)
    return _nearest(turn, flow, day, start, starts, texts.slot_taken)

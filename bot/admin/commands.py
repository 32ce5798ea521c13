"""One function per admin command: `(ctx, args) -> Reply`. A malformed command raises Usage."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot import choices, texts
from bot.admin import agenda as agenda_view
from bot.admin.parsing import Usage, clock_label, find_range, intervals, ref, weekdays, words
from bot.choices import clean
from bot.dates import format_date, parse_when
from bot.display import contact, day_label, owner_line, time_label
from bot.names import valid_name
from bot.states import State
from bot.turn import Reply, Turn
from storage import booking, outbox, people, phones
from storage.availability import weekly_hours
from storage.db import locking
from storage.folding import fold
from storage.models import Appointment, AppointmentStatus, Block, BusinessHours, OutboxKind, Professional, Service, User
from storage.names import clean_name

MAX_NOTICE = 900  # leaves room in 1000 characters of template variable and 1600 of message
YEARS_AROUND = 10  # the days an owner may name: this many years before and after today

# What the owner is told when a booking rule says no.
REFUSALS: dict[type[booking.BookingError], str] = {
    booking.SlotTaken: texts.REFUSED_TAKEN,
    booking.OutsideHours: texts.REFUSED_CLOSED,
    booking.InThePast: texts.REFUSED_PAST,
    booking.TooSoon: texts.REFUSED_TOO_SOON,
    booking.TooFar: texts.REFUSED_TOO_FAR,
    booking.NotFound: texts.REFUSED_NOT_FOUND,
}


class Refused(Exception):
    """The command was well formed, but the answer is no (something not found, a rule)."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text


@dataclass
class Context:
    """One admin command being handled; what it touched goes to the audit log."""

    turn: Turn
    appointment_id: int | None = None

    @property
    def staff(self) -> Professional | None:
        """The professional running the command from their own phone (limited to their own
        agenda, time, appointments and chats); None for an owner."""
        return None if self.turn.is_admin else self.turn.staff

    def reply(self, text: str) -> Reply:
        """Answers without moving the admin's own conversation."""
        return Reply(text, self.turn.state, self.turn.data)

    @property
    def rules(self):
        return self.turn.rules

    @property
    def tz(self):
        return self.turn.tz


def _professional_in(tokens: list[str]) -> tuple[Professional | None, list[str]]:
    """A professional named by the first tokens (when there are several), and the rest."""
    if not tokens:
        return None, tokens
    candidates = list(Professional.active_ones())
    if len(candidates) < 2:
        return None, tokens
    for size in (3, 2, 1):
        name = " ".join(tokens[:size])
        matches = [p for p in candidates if fold(p.name) == fold(name)]
        if matches:
            return matches[0], tokens[size:]
    return None, tokens


def _appointment(ctx: Context, args: str, rest_allowed: bool = True) -> tuple[Appointment, str]:
    """The appointment named by '#12' at the start of args, and what follows it."""
    head, _, rest = args.strip().partition(" ")
    appointment_id = ref(head)
    if rest.strip() and not rest_allowed:
        raise Usage()
    ctx.appointment_id = appointment_id
    appointment = Appointment.get_or_none(Appointment.id == appointment_id)
    if appointment is None or (ctx.staff is not None and appointment.professional_id != ctx.staff.id):
        raise Refused(texts.ADMIN_NOT_FOUND.format(ref=f"#{appointment_id}"))
    return appointment, rest.strip()


def _in_range(ctx: Context, day: dt.date) -> dt.date:
    """The day, when it is within YEARS_AROUND years of today; a clear refusal otherwise (the
    calendar's arithmetic overflows near the years 1 and 9999)."""
    today = ctx.turn.today
    first, last = dt.date(today.year - YEARS_AROUND, 1, 1), dt.date(today.year + YEARS_AROUND, 12, 31)
    if not first <= day <= last:
        raise Refused(texts.admin_date_out_of_range(format_date(first), format_date(last)))
    return day


# --- reading -------------------------------------------------------------------------------------------

def help_command(ctx: Context, args: str) -> Reply:
    return ctx.reply(texts.staff_help() if ctx.staff is not None else texts.admin_help())


def agenda(ctx: Context, args: str) -> Reply:
    """agenda [hoje|amanhã|25/12|semana] [profissional]"""
    tokens = args.split()
    professional, tokens = (ctx.staff, tokens) if ctx.staff is not None else _professional_in(tokens)
    rest = " ".join(tokens)
    if not professional and tokens and ctx.staff is None:  # "agenda hoje Ana"
        professional, _ = _professional_in(tokens[-1:])
        rest = " ".join(tokens[:-1]) if professional else rest
    today = ctx.turn.today
    if not rest.strip():
        days = [today]
    elif fold(rest) == "semana":
        days = [today + dt.timedelta(days=i) for i in range(7)]
    else:
        when = parse_when(rest, today)
        if when.day is None or when.invalid or when.time is not None:
            raise Usage()
        days = [_in_range(ctx, when.day)]
    professionals = [professional] if professional else list(Professional.active_ones())
    return ctx.reply(agenda_view.render(ctx.rules, days, professionals))


def services(ctx: Context, args: str) -> Reply:
    if args.strip():
        raise Usage()
    rows = Service.select().order_by(Service.active.desc(), Service.id)
    return ctx.reply(texts.admin_services([texts.service_line(s.id, s.name, s.duration, s.active, s.price_cents) for s in rows]))


def clients(ctx: Context, args: str) -> Reply:
    if args.strip():
        raise Usage()
    total = User.registered_ones().count()
    recent = User.registered_ones().order_by(User.created_at.desc(), User.id.desc()).limit(10)
    lines = [texts.client_line(u.name, contact(u), format_date(u.created_at.astimezone(ctx.tz).date()))
             for u in recent]
    return ctx.reply(texts.admin_clients(total, lines))


def client(ctx: Context, args: str) -> Reply:
    """cliente <#id, parte do nome, telefone ou id do WhatsApp>"""
    query = args.strip()
    if len(query) < 2:
        raise Usage()
    found = list(User.named(query).order_by(User.name).limit(50))
    if not found:  # accents: 'joao' finds 'João'
        wanted = fold(query)
        found = [u for u in User.registered_ones().order_by(User.name).limit(5000) if wanted in fold(u.name)][:50]
    if not found:
        return ctx.reply(texts.ADMIN_NO_CLIENT)
    if len(found) > 1:
        return ctx.reply(texts.admin_clients_found([texts.client_found_line(u.name, contact(u)) for u in found[:10]]))
    user = found[0]
    now = ctx.turn.now
    mine = Appointment.select().where(Appointment.user == user.id)
    past = mine.where(Appointment.date <= now).order_by(Appointment.date.desc()).limit(5)
    no_shows = mine.where(Appointment.status == AppointmentStatus.NO_SHOW).count()
    upcoming = mine.where((Appointment.date > now) & Appointment.status.in_(
        [AppointmentStatus.BOOKED.value, AppointmentStatus.REQUESTED.value])).order_by(Appointment.date).limit(5)
    text = texts.admin_client(
        user.name, contact(user), format_date(user.created_at.astimezone(ctx.tz).date()),
        [owner_line(a, user, ctx.tz, with_day=True) for a in upcoming],
        [owner_line(a, user, ctx.tz, with_day=True) for a in past], no_shows)
    counted = booking.counted_no_shows(user.id, now)
    return ctx.reply(text + texts.admin_no_show_count(counted, ctx.turn.settings.no_show_limit))


# --- appointments -------------------------------------------------------------------------------------------

def cancel(ctx: Context, args: str) -> Reply:
    """cancelar #12 [motivo]"""
    if not args.strip():
        raise Usage()
    appointment, reason = _appointment(ctx, args)
    user = User.get_by_id(appointment.user_id)
    try:
        booking.cancel(appointment.id, rules=ctx.rules, now=ctx.turn.now, policy=booking.ADMIN,
                       reason=reason[:200] or None, notify=True)
    except booking.NotBooked:
        label = texts.STATUS_LABELS.get(appointment.status.value, appointment.status.value)
        return ctx.reply(texts.admin_not_booked(f"#{appointment.id}", label))
    return ctx.reply(texts.admin_cancelled(f"#{appointment.id}", user.name, notified=user.opted_out_at is None))


def _mark(ctx: Context, args: str, status: AppointmentStatus) -> Reply:
    appointment, _ = _appointment(ctx, args, rest_allowed=False)
    if appointment.date > ctx.turn.now:
        return ctx.reply(texts.ADMIN_NOT_YET)
    try:
        booking.mark(appointment.id, status, now=ctx.turn.now)
    except booking.NotBooked:
        return ctx.reply(texts.admin_already_cancelled(f"#{appointment.id}"))
    return ctx.reply(texts.admin_marked(f"#{appointment.id}", status == AppointmentStatus.NO_SHOW))


def no_show(ctx: Context, args: str) -> Reply:
    return _mark(ctx, args, AppointmentStatus.NO_SHOW)


def attended(ctx: Context, args: str) -> Reply:
    return _mark(ctx, args, AppointmentStatus.DONE)


def _find_service(tokens: list[str]) -> tuple[Service, int, int] | None:
    """The active service whose name appears in the tokens (the longest name wins), with where."""
    best = None
    for service in Service.select().where(Service.active == True):  # noqa: E712
        name = words(service.name)
        for i in range(len(tokens) - len(name) + 1):
            matches = bool(name) and [clean(t) for t in tokens[i:i + len(name)]] == name
            if matches and (best is None or len(name) > best[2] - best[1]):
                best = (service, i, i + len(name))
    return best


def _phone_prefix(tokens: list[str]) -> tuple[str | None, int]:
    """The phone at the start of the tokens, which may be spaced: '11 98888-7777', '+55 11 ...'."""
    for size in range(min(4, len(tokens)), 0, -1):
        head = tokens[:size]
        if all(set(t) <= set("+()-.0123456789") for t in head):
            phone = phones.normalize("".join(head))
            if phone is not None:
                return phone, size
    return None, 0


def book(ctx: Context, args: str) -> Reply:
    """marcar <telefone> <nome?> <serviço> <data> <hora>"""
    tokens = args.split()
    if len(tokens) < 3:
        raise Usage()
    phone, used = _phone_prefix(tokens)
    if phone is None:
        return ctx.reply(texts.ADMIN_BAD_PHONE + "\n" + texts.ADMIN_USAGE["marcar"])
    rest = [t for t in tokens[used:] if clean(t)]  # "Corte + barba": the "+" is not a word
    found = _find_service(rest)
    if found is None:
        return ctx.reply(texts.ADMIN_NO_SERVICE)
    service, start_at, end_at = found
    name_text = " ".join(rest[:start_at])
    when = parse_when(" ".join(rest[end_at:]), ctx.turn.today)
    if when.invalid or when.past or when.time is None:
        return ctx.reply(texts.ADMIN_NO_WHEN + "\n" + texts.ADMIN_USAGE["marcar"])
    day = when.day or ctx.turn.today
    start = dt.datetime.combine(day, when.time, tzinfo=ctx.tz)
    user = User.identify(phone, None, ctx.turn.now)
    if not user.registered:
        name = valid_name(name_text)
        if name is None:
            return ctx.reply(texts.ADMIN_NEEDS_NAME)
        people.register(user.id, name, ctx.turn.now)
        user = User.get_by_id(user.id)
    try:
        appointment = booking.book(user_id=user.id, service=service, start=start, rules=ctx.rules,
                                   now=ctx.turn.now, policy=booking.ADMIN, source="admin")
    except booking.TooFar:
        last = ctx.rules.last_day(ctx.turn.now)
        return ctx.reply(texts.admin_slot_refused(texts.refused_too_far(day_label(last, ctx.tz))))
    except booking.BookingError as exc:
        return ctx.reply(texts.admin_slot_refused(REFUSALS.get(type(exc), texts.REFUSED_OTHER)))
    ctx.appointment_id = appointment.id
    outbox.enqueue(OutboxKind.CONFIRMATION, user, appointment_id=appointment.id,
                   dedupe_key=f"confirmation:{appointment.id}")
    professional = appointment.professional.name if Professional.several() else None
    return ctx.reply(texts.admin_booked(f"#{appointment.id}", user.name, service.name,
                                        day_label(appointment.date, ctx.tz), time_label(appointment.date, ctx.tz),
                                        professional))


# --- blocks and hours -------------------------------------------------------------------------------------------

def _period(ctx: Context, args: str) -> tuple[Professional | None, dt.date, tuple[int, int] | None]:
    interval, rest = find_range(args)
    professional, tokens = (ctx.staff, rest.split()) if ctx.staff is not None else _professional_in(rest.split())
    when = parse_when(" ".join(tokens), ctx.turn.today)
    if when.day is None or when.invalid or when.time is not None:
        raise Usage()
    return professional, _in_range(ctx, when.day), interval


def _bounds(ctx: Context, day: dt.date, interval: tuple[int, int] | None) -> tuple[dt.datetime, dt.datetime]:
    if interval is None:
        return ctx.rules.local_day_bounds(day)
    midnight = dt.datetime.combine(day, dt.time(0), tzinfo=ctx.tz)
    return ((midnight + dt.timedelta(minutes=interval[0])).astimezone(dt.UTC),
            (midnight + dt.timedelta(minutes=interval[1])).astimezone(dt.UTC))


def _describe(ctx: Context, professional: Professional | None, day: dt.date, interval) -> str:
    what = day_label(day, ctx.tz)
    if interval:
        what += texts.time_range(clock_label(interval[0]), clock_label(interval[1]))
    return what + (texts.of_professional(professional.name) if professional else "")


def block(ctx: Context, args: str) -> Reply:
    """bloquear [profissional] <data> [início-fim]"""
    professional, day, interval = _period(ctx, args)
    start, end = _bounds(ctx, day, interval)
    Block.create(professional=professional.id if professional else None, starts_at=start, ends_at=end,
                 created_at=ctx.turn.now)
    affected = (Appointment.select(Appointment, User).join(User)
                .where((Appointment.status == AppointmentStatus.BOOKED) & (Appointment.date < end)
                       & (Appointment.end > start))
                .order_by(Appointment.date))
    if professional:
        affected = affected.where(Appointment.professional == professional.id)
    kept = [owner_line(a, a.user, ctx.tz) for a in affected]
    return ctx.reply(texts.admin_blocked(_describe(ctx, professional, day, interval), kept))


def unblock(ctx: Context, args: str) -> Reply:
    """desbloquear [profissional] <data> [início-fim]: reopens that time, splitting longer blocks."""
    professional, day, interval = _period(ctx, args)
    start, end = _bounds(ctx, day, interval)
    query = Block.select().where((Block.starts_at < end) & (Block.ends_at > start))
    query = query.where(Block.professional == professional.id) if professional else query.where(Block.professional.is_null())
    touched = list(locking(query))
    for old in touched:
        old.delete_instance()
        for piece_start, piece_end in ((old.starts_at, start), (end, old.ends_at)):
            if piece_end > piece_start:
                Block.create(professional=old.professional_id, starts_at=piece_start, ends_at=piece_end,
                             reason=old.reason, created_at=ctx.turn.now)
    return ctx.reply(texts.admin_unblocked(_describe(ctx, professional, day, interval), len(touched)))


def set_hours(ctx: Context, tokens: list[str], professional_id: int | None) -> str:
    """Replaces the hours of the weekdays named by tokens[0] with the intervals after it."""
    if len(tokens) < 2:
        raise Usage()
    days = weekdays(tokens[0])
    closed = fold(" ".join(tokens[1:])) == "fechado"
    spans = [] if closed else intervals(tokens[1:])
    owner = (BusinessHours.professional == professional_id) if professional_id else BusinessHours.professional.is_null()
    BusinessHours.delete().where(owner & BusinessHours.weekday.in_(days)).execute()
    if spans:
        BusinessHours.insert_many([{"professional": professional_id, "weekday": d, "start_minute": s, "end_minute": e}
                                   for d in days for s, e in spans]).execute()
    hours = weekly_hours([professional_id] if professional_id else [])
    own = hours.get(professional_id, {}) if professional_id else hours.get(None, {})
    return texts.week_hours(agenda_view.week_hours(own))


def hours(ctx: Context, args: str) -> Reply:
    """horario | horario seg 09:00-12:00 13:00-18:00 | horario dom fechado"""
    tokens = args.split()
    if not tokens:
        return ctx.reply(texts.week_hours(agenda_view.week_hours(weekly_hours([]).get(None, {}))))
    return ctx.reply(set_hours(ctx, tokens, None))


# --- services ---------------------------------------------------------------------------------------------------

def service(ctx: Context, args: str) -> Reply:
    """servico novo <nome> <minutos> | servico remover #3 | servico duracao #3 45"""
    tokens = args.split()
    if not tokens:
        raise Usage()
    action = fold(tokens[0])
    if action == "novo" and len(tokens) >= 3:
        minutes = _minutes(tokens[-1])
        name = clean_name(" ".join(tokens[1:-1]), 60)  # the one name rule (storage/names.py)
        if name is None:
            raise Usage()
        if any(fold(s.name) == fold(name) for s in Service.offered()):
            return ctx.reply(texts.service_exists(name))
        created = Service.create(name=name, duration=minutes, active=True, created_at=ctx.turn.now)
        return ctx.reply(texts.service_created(texts.service_line(created.id, created.name, minutes, True)))
    if action == "remover" and len(tokens) == 2:
        target = _service(tokens[1])
        Service.update(active=False).where(Service.id == target.id).execute()
        return ctx.reply(texts.service_removed(target.id, target.name))
    if action in ("duracao", "tempo") and len(tokens) == 3:
        target = _service(tokens[1])
        minutes = _minutes(tokens[2])
        Service.update(duration=minutes).where(Service.id == target.id).execute()
        return ctx.reply(texts.service_duration_changed(target.id, target.name, minutes))
    if action == "retorno":
        from bot.admin import loyalty  # it builds on this module's helpers

        return loyalty.service_return(ctx, tokens[1:])
    raise Usage()


def _minutes(token: str) -> int:
    digits = token.lower().removesuffix("min").removesuffix("m")
    if not digits.isdigit() or not 5 <= int(digits) <= 480:
        raise Usage()
    return int(digits)


def _service(token: str) -> Service:
    target = Service.get_or_none(Service.id == ref(token))
    if target is None:
        raise Refused(texts.service_not_found(token))
    return target


# --- notices ---------------------------------------------------------------------------------------------------

def _notice_recipients(ctx: Context, day: dt.date) -> list[User]:
    start, end = ctx.rules.local_day_bounds(day)
    return list(User.select().join(Appointment)
                .where((Appointment.status == AppointmentStatus.BOOKED) & (Appointment.date >= start)
                       & (Appointment.date < end) & User.opted_out_at.is_null())
                .distinct().order_by(User.id))


def notice(ctx: Context, args: str) -> Reply:
    """avisar <data> <mensagem>: counts the customers, then asks '1 - Enviar'."""
    head, _, message = args.strip().partition(" ")
    when = parse_when(head, ctx.turn.today)
    if when.day is None and " " in message:  # "avisar 25 de dezembro ..." / "avisar sexta que vem ..."
        for size in (3, 2):
            parts = args.split()
            when = parse_when(" ".join(parts[:size]), ctx.turn.today)
            if when.day is not None:
                message = " ".join(parts[size:])
                break
    message = message.strip()
    if when.day is None or when.invalid or not message or len(message) > MAX_NOTICE:
        raise Usage()
    _in_range(ctx, when.day)
    recipients = _notice_recipients(ctx, when.day)
    label = day_label(when.day, ctx.tz)
    if not recipients:
        return ctx.reply(texts.admin_no_customers(label))
    return Reply(texts.admin_notice_confirm(len(recipients), label, message), State.ADMIN_CONFIRM,
                 {"action": "notice", "day": when.day.isoformat(), "text": message})


def confirm_notice(ctx: Context, answer: str) -> Reply:
    """The admin's answer to 'Enviar?': queues one notice per customer of that day."""
    data = ctx.turn.data
    if choices.yes_no(answer) is not True or data.get("action") != "notice":
        return Reply(texts.ADMIN_NOTICE_DROPPED, State.MENU)
    day = dt.date.fromisoformat(data["day"])
    recipients = _notice_recipients(ctx, day)
    for person in recipients:
        outbox.enqueue(OutboxKind.NOTICE, person, params={"text": data["text"]})
    return Reply(texts.admin_notice_sent(len(recipients)), State.MENU)



# --- professionals ---------------------------------------------------------------------------------------------

def professionals(ctx: Context, args: str) -> Reply:
    """profissionais: the team, with their services and hours."""
    if args.strip():
        raise Usage()
    names = {s.id: s.name for s in Service.select()}
    lines = []
    for professional in Professional.select().order_by(Professional.active.desc(), Professional.id):
        skills = professional.service_ids()
        services_text = ", ".join(names.get(i, f"#{i}") for i in skills) if skills else texts.ALL_SERVICES
        own = weekly_hours([professional.id]).get(professional.id)
        hours_text = "; ".join(agenda_view.week_hours(own)) if own else texts.HOUSE_HOURS
        lines.append(texts.professional_line(professional.id, professional.name, services_text, hours_text,
                                             professional.active))
    return ctx.reply(texts.admin_professionals(lines))


def _professional(token: str) -> Professional:
    found = Professional.get_or_none(Professional.id == ref(token))
    if found is None:
        raise Refused(texts.professional_not_found(token))
    return found


def _professional_phone(ctx: Context, target: Professional, tokens: list[str]) -> Reply:
    """profissional telefone #2 +5511988887777 (or a WhatsApp user id, or `nenhum`)."""
    if len(tokens) == 1 and fold(tokens[0]) == "nenhum":
        Professional.update(phone=None).where(Professional.id == target.id).execute()
        return ctx.reply(texts.professional_phone_removed(target.name))
    phone, used = _phone_prefix(tokens)
    address = phone if used == len(tokens) else phones.whatsapp_id(tokens[0]) if len(tokens) == 1 else None
    if address is None:
        return ctx.reply(texts.ADMIN_BAD_PHONE + "\n" + texts.ADMIN_USAGE["profissional"])
    if address in ctx.turn.settings.admin_phones:
        raise Refused(texts.PHONE_IS_AN_OWNERS)
    taken = Professional.get_or_none((Professional.phone == address) & (Professional.id != target.id))
    if taken is not None:
        raise Refused(texts.phone_taken_by(taken.name))
    Professional.update(phone=address).where(Professional.id == target.id).execute()
    return ctx.reply(texts.professional_phone_set(target.name, address))


def professional(ctx: Context, args: str) -> Reply:
    """profissional novo <nome> | nome #2 <nome> | servicos #2 1,3 | horario #2 ... | telefone #2 +55... |
    remover #2"""
    tokens = args.split()
    if len(tokens) < 2:
        raise Usage()
    action = fold(tokens[0])
    if action == "novo":
        name = valid_name(" ".join(tokens[1:]))
        if name is None:
            raise Usage()
        created = Professional.create(name=name, active=True, created_at=ctx.turn.now)
        return ctx.reply(texts.professional_created(created.name, created.id))
    target = _professional(tokens[1])
    if action == "nome" and len(tokens) >= 3:
        name = valid_name(" ".join(tokens[2:]))
        if name is None:
            raise Usage()
        Professional.update(name=name).where(Professional.id == target.id).execute()
        return ctx.reply(texts.professional_renamed(target.id, name))
    if action in ("servicos", "servico") and len(tokens) >= 3:
        choice = " ".join(tokens[2:])
        if fold(choice) == "todos":
            ids = []
        else:
            ids = [ref(part) for part in choice.replace(" ", ",").split(",") if part]
            known = {s.id for s in Service.select(Service.id).where(Service.id.in_(ids))}
            if not ids or set(ids) - known:
                raise Refused(texts.UNKNOWN_SERVICES)
        target.limit_to(list(dict.fromkeys(ids)))
        return professionals(ctx, "")
    if action == "horario" and len(tokens) >= 3:
        if fold(" ".join(tokens[2:])) in ("padrao", "da casa"):
            BusinessHours.delete().where(BusinessHours.professional == target.id).execute()
            return ctx.reply(texts.professional_house_hours(target.name))
        return ctx.reply(texts.professional_hours(target.name, set_hours(ctx, tokens[2:], target.id)))
    if action == "telefone" and len(tokens) >= 3:
        return _professional_phone(ctx, target, tokens[2:])
    if action == "remover" and len(tokens) == 2:
        if not Professional.several() and target.active:
            return ctx.reply(texts.LAST_PROFESSIONAL)
        Professional.update(active=False).where(Professional.id == target.id).execute()
        upcoming = (Appointment.upcoming(ctx.turn.now).select(Appointment, User).join(User)
                    .where(Appointment.professional == target.id))
        kept = [owner_line(a, a.user, ctx.tz, with_day=True) for a in upcoming]
        return ctx.reply(texts.professional_removed(target.name, kept))
    raise Usage()

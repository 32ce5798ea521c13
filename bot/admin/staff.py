"""The owners' and professionals' side of a chat handed to a person (`responder`, `encerrar`,
`atendimentos`), and a professional's sick day.

A professional from their own phone sees and answers only the chats handed to them; the owners
see and answer all. A sick day blocks the professional's day at once and asks the owners whether
to move the day's appointments to others or to tell the customers; the first owner to answer
decides, and each customer hears once.
"""
from __future__ import annotations

import datetime as dt
import re

from bot import choices, texts
from bot.admin.commands import Context, Refused, _phone_prefix
from bot.admin.parsing import Usage
from bot.dates import parse_when
from bot.display import contact, day_label, time_label
from bot.flows import handoff as handoff_flow
from bot.states import State
from bot.turn import Reply
from storage import booking, outbox, phones
from storage.db import upsert
from storage.models import Appointment, AppointmentStatus, Block, Conversation, Handoff, OutboxKind, SickDay, User

SICK = re.compile(r"^(?:estou|to|tô|fiquei)\s+doente\b(?P<when>.*)$|^n[aã]o\s+(?:vou\s+)?(?:poder|posso)(?:\s+(?:ir|vir|atender|trabalhar))?\b(?P<when2>.*)$",
                  re.IGNORECASE)


def _customer(ctx: Context, tokens: list[str]) -> tuple[User, list[str]]:
    """The customer named by `#id`, a phone (possibly spaced) or a WhatsApp user id, and the rest."""
    if not tokens:
        raise Usage()
    head = tokens[0]
    if head.startswith("#"):
        person = User.get_or_none(User.id == int(head[1:])) if head[1:].isdigit() else None
        rest = tokens[1:]
    elif phones.whatsapp_id(head):
        person, rest = User.get_or_none(User.whatsapp_id == head), tokens[1:]
    else:
        phone, used = _phone_prefix(tokens)
        if phone is None:
            raise Usage()
        person, rest = User.get_or_none(User.phone == phone), tokens[used:]
    if person is None:
        raise Refused(texts.customer_not_found(head))
    return person, rest


def _allowed(ctx: Context, handoff: Handoff | None) -> bool:
    """Owners may act on any chat; a professional only on those handed to them."""
    return ctx.staff is None or (handoff is not None and handoff.professional_id == ctx.staff.id)


def respond(ctx: Context, args: str) -> Reply:
    """responder <#cliente|telefone> <texto>: the text goes to the customer from the business
    number; an owner writing to someone not in a handoff opens one, so the answer comes back."""
    person, rest = _customer(ctx, args.split())
    text = " ".join(rest).strip()
    if not text:
        raise Usage()
    handoff = Handoff.open_of(person.id)
    if not _allowed(ctx, handoff):
        raise Refused(texts.no_open_handoff(f"#{person.id}"))
    if handoff is None:
        handoff, _ = Handoff.start(person.id, "staff", None, ctx.turn.now)
    handoff_flow.answer(handoff, text, ctx.turn.now)
    return ctx.reply(texts.staff_answer_sent(person.name or texts.NO_NAME))


def end(ctx: Context, args: str) -> Reply:
    """encerrar <#cliente|telefone>: the bot answers the customer again, and tells them."""
    person, rest = _customer(ctx, args.split())
    if rest:
        raise Usage()
    handoff = Handoff.open_of(person.id)
    if handoff is None or not _allowed(ctx, handoff):
        raise Refused(texts.no_open_handoff(f"#{person.id}"))
    handoff_flow.close(handoff, ctx.turn.contact.address, ctx.turn.now)
    return ctx.reply(texts.handoff_closed(person.name or texts.NO_NAME))


def open_chats(ctx: Context, args: str) -> Reply:
    """atendimentos: the chats handed to a person (a professional: theirs)."""
    if args.strip():
        raise Usage()
    query = Handoff.open_ones()
    if ctx.staff is not None:
        query = query.where(Handoff.professional == ctx.staff.id)
    lines = []
    for handoff in query:
        person = User.get_by_id(handoff.user_id)
        since = time_label(handoff.opened_at, ctx.tz)
        with_whom = handoff.professional.name if handoff.professional_id else texts.TEAM
        lines.append(texts.open_handoff_line(person.id, f"{person.name or texts.NO_NAME} ({contact(person)})",
                                             since, with_whom))
    return ctx.reply(texts.open_handoffs(lines))


# --- sick days -------------------------------------------------------------------------------------------

def is_sick_day(text: str) -> bool:
    return SICK.match(text.strip()) is not None


def sick_day(ctx: Context, args: str) -> Reply:
    """estou doente hoje / não vou poder 25/12: asks the professional to confirm blocking the day."""
    if ctx.staff is None:
        raise Refused(texts.OWNER_ONLY)
    match = SICK.match(ctx.turn.text.strip())
    rest = (match.group("when") or match.group("when2") or "").strip() if match else ""
    when = parse_when(rest, ctx.turn.today) if rest else None
    if when is not None and (when.day is None or when.invalid or when.past):
        raise Usage()
    day = when.day if when is not None else ctx.turn.today
    count = len(_booked(ctx.staff.id, day, ctx))
    return Reply(texts.confirm_sick_day(day_label(day, ctx.tz), count), State.ADMIN_CONFIRM,
                 {"action": "sick", "day": day.isoformat()})


def _booked(professional_id: int, day: dt.date, ctx: Context) -> list[Appointment]:
    start, end = ctx.rules.local_day_bounds(day)
    return list(Appointment.select().where((Appointment.professional == professional_id)
                                           & (Appointment.status == AppointmentStatus.BOOKED)
                                           & (Appointment.date >= start) & (Appointment.date < end)
                                           & (Appointment.date > ctx.turn.now))
                .order_by(Appointment.date))


def confirm_sick_day(ctx: Context, answer: str) -> Reply:
    """The professional's yes: the day is blocked for them, and every owner is asked what to do
    with the day's appointments (their next answer decides)."""
    professional = ctx.staff
    if professional is None or choices.yes_no(answer) is not True:
        return Reply(texts.SICK_DAY_DROPPED, State.MENU)
    day = dt.date.fromisoformat(ctx.turn.data["day"])
    start, end = ctx.rules.local_day_bounds(day)
    affected = _booked(professional.id, day, ctx)
    added = SickDay.insert(professional=professional.id, day=day.isoformat(), created_at=ctx.turn.now,
                           appointments=[a.id for a in affected]).on_conflict_ignore().as_rowcount().execute()
    if not added:
        return Reply(texts.sick_day_already(day_label(day, ctx.tz)), State.MENU)
    Block.create(professional=professional.id, starts_at=max(start, ctx.turn.now), ends_at=end,
                 reason=texts.SICK_REASON, created_at=ctx.turn.now)
    sick = SickDay.get((SickDay.professional == professional.id) & (SickDay.day == day.isoformat()))
    if affected:
        question = texts.ask_owner_about_sick_day(professional.name, day_label(day, ctx.tz), len(affected))
        for address in ctx.turn.settings.admin_phones:
            owner = User.identify(phones.from_whatsapp(address), phones.whatsapp_id(address), ctx.turn.now)
            outbox.enqueue(OutboxKind.STAFF_ALERT, address, params={"text": question},
                           dedupe_key=f"sick-question:{sick.id}:{address}")
            upsert(Conversation.insert(user=owner.id, state=State.ADMIN_CONFIRM.value, updated_at=ctx.turn.now,
                                       data={"action": "sick_decision", "sick_day": sick.id}),
                   [Conversation.user], {Conversation.state: State.ADMIN_CONFIRM.value,
                                         Conversation.data: {"action": "sick_decision", "sick_day": sick.id},
                                         Conversation.updated_at: ctx.turn.now}).execute()
    return Reply(texts.sick_day_blocked(day_label(day, ctx.tz), len(affected)), State.MENU)


MOVE, TELL = 0, 1
_DECISIONS = (("mover", "passar", "outro profissional", "outro"), ("avisar", "avisar os clientes", "clientes"))


def decide_sick_day(ctx: Context, answer: str) -> Reply:
    """An owner's answer: move the day's appointments to other professionals (each that cannot
    be moved is told), or tell the customers (who may reschedule). Decided once."""
    sick = SickDay.get_or_none(SickDay.id == ctx.turn.data.get("sick_day"))
    choice = choices.match_option(answer, _DECISIONS)
    if sick is None or choice is None:
        return Reply(texts.SICK_DECISION_DROPPED, State.MENU)
    decided = (SickDay.update(status="moved" if choice == MOVE else "told", decided_by=ctx.turn.contact.address)
               .where((SickDay.id == sick.id) & (SickDay.status == "asked")).execute())
    if not decided:
        return Reply(texts.SICK_ALREADY_DECIDED, State.MENU)
    moved = told = 0
    for appointment in Appointment.in_order(sick.appointments or []):
        if appointment.status != AppointmentStatus.BOOKED:
            continue
        customer = User.get_by_id(appointment.user_id)
        day, time = day_label(appointment.date, ctx.tz), time_label(appointment.date, ctx.tz)
        if choice == MOVE:
            try:
                changed = booking.reassign(appointment.id, rules=ctx.rules, now=ctx.turn.now)
            except booking.BookingError:
                changed = None
            if changed is not None:
                moved += 1
                outbox.enqueue(OutboxKind.STAFF_MESSAGE, customer, dedupe_key=f"sick:{sick.id}:{appointment.id}",
                               params={"text": texts.moved_to_another(appointment.type, day, time,
                                                                      changed.professional.name)})
                continue
        told += 1
        outbox.enqueue(OutboxKind.STAFF_MESSAGE, customer, dedupe_key=f"sick:{sick.id}:{appointment.id}",
                       params={"text": texts.professional_unavailable(sick.professional.name, appointment.type,
                                                                      day, time)})
    return Reply(texts.sick_day_done(moved, told), State.MENU)

"""The owner's money commands: a service's price (`servico preco`), a professional's commission
(`profissional comissao`), the amount charged (`cobrado`) and the cash report (`caixa`).

A professional may run `caixa` from their own phone and sees only their own figures."""
from __future__ import annotations

import datetime as dt
import re

from bot import texts
from bot.admin import commands
from bot.admin.commands import Context, Refused
from bot.admin.parsing import Usage
from bot.dates import format_date
from bot.display import day_label
from bot.turn import Reply
from storage import booking, money, revenue
from storage.folding import fold
from storage.models import Appointment, AppointmentStatus, Professional, Service

_CLEAR = ("-", "nenhum", "nenhuma", "sem", "sem preco", "sem comissao", "apagar", "limpar")
_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{4}|[0-9]{2}))?")


def service(ctx: Context, args: str) -> Reply:
    """servico preco #3 45,00 | servico sem preco #3 (the rest: commands.service)"""
    tokens = args.split()
    action = fold(tokens[0]) if tokens else ""
    if action == "sem" and len(tokens) == 3 and fold(tokens[1]) == "preco":  # servico sem preco #3
        tokens, action = ["preco", tokens[2], "-"], "preco"
    if action not in ("preco", "valor"):
        return commands.service(ctx, args)
    if len(tokens) < 3:
        raise Usage()
    target = commands._service(tokens[1])
    written = " ".join(tokens[2:])
    if fold(written) in _CLEAR:
        Service.update(price_cents=None).where(Service.id == target.id).execute()
        return ctx.reply(texts.service_price_cleared(target.id, target.name))
    try:
        cents = money.parse_amount(written)
    except money.BadAmount:
        raise Refused(texts.bad_amount(written, "servico preco #3 45,00")) from None
    Service.update(price_cents=cents).where(Service.id == target.id).execute()
    return ctx.reply(texts.service_price_set(target.id, target.name, cents))


def professional(ctx: Context, args: str) -> Reply:
    """profissional comissao #2 40% (the rest: commands.professional)"""
    tokens = args.split()
    if not tokens or fold(tokens[0]) not in ("comissao", "comisao"):
        return commands.professional(ctx, args)
    if len(tokens) < 3:
        raise Usage()
    target = commands._professional(tokens[1])
    written = " ".join(tokens[2:])
    if fold(written) in _CLEAR:
        Professional.update(commission_bp=None).where(Professional.id == target.id).execute()
        return ctx.reply(texts.commission_cleared(target.name))
    try:
        bp = money.parse_percent(written)
    except money.BadAmount:
        raise Refused(texts.bad_percent(written)) from None
    Professional.update(commission_bp=bp).where(Professional.id == target.id).execute()
    return ctx.reply(texts.commission_set(target.name, money.percent_comma(bp)))


def charged(ctx: Context, args: str) -> Reply:
    """cobrado #12 50,00: what was actually charged; a booked appointment that has started is
    marked attended by it."""
    appointment, written = commands._appointment(ctx, args)
    if not written:
        raise Usage()
    try:
        cents = money.parse_amount(written)
    except money.BadAmount:
        raise Refused(texts.bad_amount(written, f"cobrado #{appointment.id} 50,00")) from None
    ref = f"#{appointment.id}"
    try:
        done = booking.charge(appointment.id, cents, now=ctx.turn.now)
    except booking.NotStarted:
        raise Refused(texts.CHARGE_NOT_YET) from None
    except booking.NotBooked:
        status = Appointment.get_by_id(appointment.id).status.value
        raise Refused(texts.charge_refused(ref, texts.STATUS_LABELS.get(status, status))) from None
    return ctx.reply(texts.charged(ref, cents, done.price_cents, appointment.status == AppointmentStatus.BOOKED))


def _day(token: str, today: dt.date) -> dt.date:
    """A day in a report: hoje, ontem, 25/11, 25/11/2026. Without a year, the latest such day
    up to today (a report looks back)."""
    word = fold(token)
    if word == "hoje":
        return today
    if word == "ontem":
        return today - dt.timedelta(days=1)
    match = _DAY.fullmatch(token)
    if match is None:
        raise Usage()
    day_, month, year = int(match[1]), int(match[2]), match[3]
    if year is not None:
        try:
            return dt.date(int(year) + (2000 if len(year) == 2 else 0), month, day_)
        except ValueError:
            raise Usage() from None
    for back in range(9):  # 29/02 looks back to the latest leap year
        try:
            found = dt.date(today.year - back, month, day_)
        except ValueError:
            if (month, day_) != (2, 29):
                raise Usage() from None
            continue
        if found <= today:
            return found
    raise Usage()


def _period(args: str, today: dt.date) -> tuple[dt.date, dt.date]:
    tokens = fold(args).split()
    if not tokens:
        return today, today
    if tokens == ["semana"]:
        monday = today - dt.timedelta(days=today.weekday())
        return monday, monday + dt.timedelta(days=6)
    if tokens in (["mes"], ["mês"]):
        first = today.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return first, following - dt.timedelta(days=1)
    if len(tokens) == 1:
        day = _day(args.split()[0], today)
        return day, day
    if len(tokens) == 2 or (len(tokens) == 3 and tokens[1] in ("a", "ate")):
        parts = args.split()
        return _day(parts[0], today), _day(parts[-1], today)
    raise Usage()


def cash(ctx: Context, args: str) -> Reply:
    """caixa [hoje|ontem|semana|mes|01/11 30/11]: attended, revenue, no-shows and commissions;
    a professional sees only their own."""
    first, last = _period(args, ctx.turn.today)
    commands._in_range(ctx, first)
    commands._in_range(ctx, last)
    if first > last:
        raise Refused(texts.CASH_RANGE_BACKWARDS)
    own = ctx.staff.id if ctx.staff is not None else None
    try:
        found = revenue.report(first, last, rules=ctx.rules, now=ctx.turn.now, professional_id=own)
    except revenue.RangeTooLong:
        raise Refused(texts.cash_range_too_long(revenue.MAX_DAYS)) from None
    lines = [texts.cash_professional(p.name, p.attended, p.revenue_cents, p.no_shows,
                                     None if p.commission_bp is None else money.percent_comma(p.commission_bp),
                                     p.commission_cents)
             for p in found.professionals]
    any_commission = any(p.commission_bp is not None for p in found.professionals)
    period = (day_label(first, ctx.tz) if first == last
              else texts.period_label(format_date(first), format_date(last)))
    totals = found.totals
    return ctx.reply(texts.cash_report(period, totals.attended, totals.revenue_cents, totals.no_shows,
                                       totals.lost_cents, lines, totals.commission_cents if any_commission else None,
                                       totals.unpriced, totals.unmarked))

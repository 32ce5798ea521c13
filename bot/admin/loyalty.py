"""The owner's commands for the no-show rules and the return cycle: `aprovar #id`, `recusar
#id`, `perdoar <cliente>` and `servico retorno #id 21d`."""
from __future__ import annotations

from bot import texts
from bot.admin.commands import Context, Refused, _appointment, _service
from bot.admin.parsing import Usage
from bot.turn import Reply
from storage import booking
from storage.models import Appointment, AppointmentStatus, Service, User


def _answer_request(ctx: Context, args: str, approve: bool) -> Reply:
    if not args.strip():
        raise Usage()
    appointment, _ = _appointment(ctx, args, rest_allowed=False)
    user = User.get_by_id(appointment.user_id)
    ref = f"#{appointment.id}"
    try:
        if approve:
            booking.approve(appointment.id, now=ctx.turn.now)
        else:
            booking.refuse(appointment.id, now=ctx.turn.now)
    except booking.NotRequested:
        current = Appointment.get_by_id(appointment.id)
        if current.status == AppointmentStatus.REQUESTED:  # approving one whose time has passed
            label = texts.STATUS_LABELS["requested"] + ", horário já passou"
        else:
            label = texts.STATUS_LABELS.get(current.status.value) or texts.admin_status(current.confirmed_at is not None)
        raise Refused(texts.admin_not_a_request(ref, label)) from None
    return ctx.reply(texts.admin_approved(ref, user.name) if approve else texts.admin_refused(ref, user.name))


def approve(ctx: Context, args: str) -> Reply:
    """aprovar #12: a request (a customer over NO_SHOW_LIMIT) becomes a booking."""
    return _answer_request(ctx, args, approve=True)


def refuse(ctx: Context, args: str) -> Reply:
    """recusar #12: a request is cancelled, its time freed, the customer told kindly."""
    return _answer_request(ctx, args, approve=False)


def forgive(ctx: Context, args: str) -> Reply:
    """perdoar <#cliente, telefone ou nome>: the customer's no-shows so far stop counting."""
    query = args.strip()
    if len(query) < 2:
        raise Usage()
    found = list(User.named(query).limit(2))
    if not found:
        raise Refused(texts.ADMIN_NO_CLIENT)
    if len(found) > 1:
        raise Refused(texts.admin_clients_found([f"#{u.id} {u.name}" for u in User.named(query).limit(10)]))
    user = found[0]
    counted = booking.counted_no_shows(user.id, ctx.turn.now)
    booking.forgive_no_shows(user.id, now=ctx.turn.now)
    return ctx.reply(texts.admin_forgiven(user.name, counted))


def service_return(ctx: Context, tokens: list[str]) -> Reply:
    """servico retorno #3 21d (or 3w, or `-`/`0` to clear)."""
    if len(tokens) != 2:
        raise Usage()
    target: Service = _service(tokens[0])
    value = tokens[1].lower()
    if value in ("-", "0", "0d", "nenhum", "off"):
        Service.update(return_days=None).where(Service.id == target.id).execute()
        return ctx.reply(texts.service_return_cleared(target.id, target.name))
    number, unit = (value[:-1], value[-1]) if value[-1:] in ("d", "s", "w") else (value, "d")
    if not number.isdigit() or not 1 <= int(number) * (7 if unit in ("s", "w") else 1) <= 730:
        raise Usage()
    days = int(number) * (7 if unit in ("s", "w") else 1)
    Service.update(return_days=days).where(Service.id == target.id).execute()
    return ctx.reply(texts.service_return_set(target.id, target.name, days))

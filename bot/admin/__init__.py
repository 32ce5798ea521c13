"""Admin commands over WhatsApp: the owner runs the day from a number in ADMIN_PHONES.

A message from such a number (with a valid signature: the webhook checked it) is a command when
its first word is a command word; anything else gets the customer flow. Every command is written
to the audit log. A malformed command gets that command's usage line, never the customer menu.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from bot import texts
from bot.admin import commands
from bot.admin.commands import Context
from bot.admin.parsing import Usage
from bot.choices import clean
from bot.engine import Reply, Turn
from bot.states import State
from storage import outbox
from storage.models import AuditLog, OutboundMessage, OutboxKind, Professional

logger = logging.getLogger(__name__)

Command = Callable[[Context, str], Reply]

COMMANDS: dict[str, Command] = {
    "ajuda": commands.help_command,
    "agenda": commands.agenda,
    "cancelar": commands.cancel,
    "marcar": commands.book,
    "bloquear": commands.block,
    "desbloquear": commands.unblock,
    "servicos": commands.services,
    "servico": commands.service,
    "horario": commands.hours,
    "clientes": commands.clients,
    "cliente": commands.client,
    "faltou": commands.no_show,
    "compareceu": commands.attended,
    "avisar": commands.notice,
    "profissionais": commands.professionals,
    "profissional": commands.professional,
}

SUMMARY_WINDOW = dt.timedelta(hours=3)


def _split(text: str) -> tuple[str, str]:
    head, _, rest = text.strip().partition(" ")
    return clean(head), rest.strip()


def is_command(text: str) -> bool:
    """True when the message starts with an admin command word."""
    word, _ = _split(text)
    return word in COMMANDS


def handle(turn: Turn) -> Reply:
    """Runs the command, audits it, and answers (usage line when malformed)."""
    word, args = _split(turn.text)
    ctx = Context(turn)
    try:
        reply = COMMANDS[word](ctx, args)
        outcome = "ok"
    except Usage:
        reply, outcome = ctx.reply(texts.admin_usage(word)), "usage"
    except LookupError as exc:
        reply, outcome = ctx.reply(str(exc.args[0])), "not found"
    AuditLog.create(actor=turn.phone, action=word, detail=f"{outcome}: {turn.text[:500]}",
                    appointment_id=ctx.appointment_id, created_at=turn.now)
    return reply


def confirm(turn: Turn) -> Reply:
    """ADMIN_CONFIRM: the answer to a command that asked '1 - Enviar'."""
    if not turn.is_admin:  # no longer in ADMIN_PHONES: nothing of the admin's survives
        return Reply(texts.menu(turn.name), State.MENU)
    ctx = Context(turn)
    reply = commands.confirm_notice(ctx, turn.text)
    AuditLog.create(actor=turn.phone, action="avisar", detail=f"confirm: {turn.text[:100]} -> {reply.text[:200]}",
                    created_at=turn.now)
    return reply


# --- the daily summary --------------------------------------------------------------------------------


def scheduled_creators(settings) -> tuple[Callable[[dt.datetime], int], ...]:
    """What the dispatcher adds each pass: each admin's summary of the day, once a day."""
    if settings.daily_summary_at is None or not settings.admin_phones:
        return ()

    def create_daily_summaries(now: dt.datetime) -> int:
        local = now.astimezone(settings.timezone)
        due = dt.datetime.combine(local.date(), settings.daily_summary_at, tzinfo=settings.timezone)
        if not due <= local < due + SUMMARY_WINDOW:  # a worker that was down all morning stays quiet
            return 0
        created = 0
        for phone in settings.admin_phones:
            created += outbox.enqueue(OutboxKind.SUMMARY, phone, params={"day": local.date().isoformat()},
                                      dedupe_key=f"summary:{phone}:{local.date().isoformat()}") is not None
        return created

    return (create_daily_summaries,)


def summary_text_for(settings) -> Callable[[OutboundMessage], str]:
    """Words a summary row when it is sent, so it shows the agenda as it is then."""
    from bot.admin.agenda import render
    from storage.availability import Rules

    def summary_text(row: OutboundMessage) -> str:
        day = dt.date.fromisoformat((row.params or {})["day"])
        professionals = list(Professional.select().where(Professional.active == True)  # noqa: E712
                             .order_by(Professional.id))
        return texts.daily_summary(render(Rules.from_settings(settings), [day], professionals, limit=25))

    return summary_text


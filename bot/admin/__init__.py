"""Admin commands over WhatsApp: the owner runs the day from a number in ADMIN_PHONES, and each
professional with their own phone (`profissional telefone`) runs their own part of it.

A message from such a number (with a valid signature: the webhook checked it) is a command when
its first word is a command word; anything else gets the customer flow. A professional may use
the commands in texts.STAFF_COMMANDS, limited to their own agenda, time, appointments and chats,
and declare a sick day. Every command is written to the audit log with who ran it, whatever its
outcome. A malformed command gets that command's usage line, a refusal gets its reason, and a
command that fails changes nothing and says so.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from bot import choices, texts
from bot.admin import calendar_link, cashbook, commands, loyalty, staff
from bot.admin.commands import Context, Refused
from bot.admin.parsing import Usage
from bot.states import State
from bot.turn import MAX_INPUT, Reply, Turn
from storage.db import database
from storage.models import AuditLog

logger = logging.getLogger(__name__)

Command = Callable[[Context, str], Reply]

COMMANDS: dict[str, Command] = {
    "ajuda": commands.help_command,
    "agenda": calendar_link.agenda,  # the day's agenda, or `agenda link`
    "cancelar": commands.cancel,
    "marcar": commands.book,
    "bloquear": commands.block,
    "desbloquear": commands.unblock,
    "servicos": commands.services,
    "servico": cashbook.service,
    "horario": commands.hours,
    "clientes": commands.clients,
    "cliente": commands.client,
    "faltou": commands.no_show,
    "compareceu": commands.attended,
    "avisar": commands.notice,
    "profissionais": commands.professionals,
    "profissional": cashbook.professional,
    "responder": staff.respond,
    "encerrar": staff.end,
    "atendimentos": staff.open_chats,
    "cobrado": cashbook.charged,
    "caixa": cashbook.cash,
    "aprovar": loyalty.approve,
    "recusar": loyalty.refuse,
    "perdoar": loyalty.forgive,
}

# The answers to a question a command asked ("1 - Enviar"), by the action it left in the data.
CONFIRMATIONS: dict[str, Callable[[Context, str], Reply]] = {
    "notice": commands.confirm_notice,
    "sick": staff.confirm_sick_day,
    "sick_decision": staff.decide_sick_day,
}


def _split(text: str) -> tuple[str, str]:
    head, _, rest = text.strip().partition(" ")
    return choices.clean(head), rest.strip()


def is_command(text: str) -> bool:
    """True when the message starts with an admin command word."""
    return _split(text)[0] in COMMANDS


def _audit(turn: Turn, action: str, outcome: str, appointment_id: int | None = None) -> None:
    AuditLog.create(actor=turn.contact.address, action=action, detail=f"{outcome}: {turn.text[:500]}",
                    appointment_id=appointment_id, created_at=turn.now)


def _run(turn: Turn, action: str, command: Callable[[Context], Reply]) -> Reply:
    """Runs a command in a savepoint and audits it, whatever happens: a command that fails
    changes nothing, answers kindly and is logged with its traceback."""
    ctx = Context(turn)
    try:
        with database.atomic():
            reply, outcome = command(ctx), "ok"
    except Usage:
        reply, outcome = ctx.reply(texts.admin_usage(action)), "usage"
    except Refused as refusal:
        reply, outcome = ctx.reply(refusal.text), "refused"
    except Exception:
        logger.exception("admin command %r failed", action)
        usage = texts.ADMIN_USAGE.get(action)
        reply, outcome = ctx.reply(texts.ADMIN_ERROR + (f"\n{usage}" if usage else "")), "error"
    _audit(turn, action, outcome, ctx.appointment_id)
    return reply


def command(turn: Turn) -> Reply | None:
    """An owner's command (ADMIN_PHONES), or a professional's from their own phone; None for
    anything else."""
    if not turn.is_admin and turn.staff is None:
        return None
    if not turn.is_admin and staff.is_sick_day(turn.text):
        return _run(turn, "doente", lambda ctx: staff.sick_day(ctx, ""))
    if not is_command(turn.text):
        return None
    word, args = _split(turn.text)
    if not turn.is_admin and word not in texts.STAFF_COMMANDS:
        return _run(turn, word, lambda ctx: ctx.reply(texts.OWNER_ONLY))
    if len(turn.text) > MAX_INPUT:
        return _run(turn, word, _too_long)
    return _run(turn, word, lambda ctx: COMMANDS[word](ctx, args))


def _too_long(ctx: Context) -> Reply:
    raise Refused(texts.ADMIN_TOO_LONG)


def confirm(turn: Turn) -> Reply:
    """ADMIN_CONFIRM: the answer to a command that asked a question ('1 - Enviar')."""
    action = turn.data.get("action")
    if action not in CONFIRMATIONS or not (turn.is_admin or turn.staff is not None):
        return Reply(texts.menu(turn.name), State.MENU)  # no longer staff: nothing of theirs survives
    return _run(turn, "avisar" if action == "notice" else "doente",
                lambda ctx: CONFIRMATIONS[action](ctx, turn.text))

"""Admin commands over WhatsApp: the owner runs the day from a number in ADMIN_PHONES.

A message from such a number (with a valid signature: the webhook checked it) is a command when
its first word is a command word; anything else gets the customer flow. Every command is written
to the audit log, whatever its outcome. A malformed command gets that command's usage line, a
refusal gets its reason, and a command that fails changes nothing and says so.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from bot import choices, texts
from bot.admin import commands
from bot.admin.commands import Context, Refused
from bot.admin.parsing import Usage
from bot.flows.guards import MAX_INPUT
from bot.states import State
from bot.turn import Reply, Turn
from storage.db import database
from storage.models import AuditLog

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
        reply, outcome = ctx.reply(texts.admin_usage(action) if action in texts.ADMIN_USAGE else texts.admin_help()), \
            "usage"
    except Refused as refusal:
        reply, outcome = ctx.reply(refusal.text), "refused"
    except Exception:
        logger.exception("admin command %r failed", action)
        usage = texts.ADMIN_USAGE.get(action)
        reply, outcome = ctx.reply(texts.ADMIN_ERROR + (f"\n{usage}" if usage else "")), "error"
    _audit(turn, action, outcome, ctx.appointment_id)
    return reply


def command(turn: Turn) -> Reply | None:
    """An admin command, from ADMIN_PHONES only; None for anything else."""
    if not turn.is_admin or not is_command(turn.text):
        return None
    word, args = _split(turn.text)
    if len(turn.text) > MAX_INPUT:
        return _run(turn, word, _too_long)
    return _run(turn, word, lambda ctx: COMMANDS[word](ctx, args))


def _too_long(ctx: Context) -> Reply:
    raise Refused(texts.ADMIN_TOO_LONG)


def confirm(turn: Turn) -> Reply:
    """ADMIN_CONFIRM: the answer to a command that asked '1 - Enviar'."""
    if not turn.is_admin:  # no longer in ADMIN_PHONES: nothing of the admin's survives
        return Reply(texts.menu(turn.name), State.MENU)
    return _run(turn, "avisar", lambda ctx: commands.confirm_notice(ctx, turn.text))

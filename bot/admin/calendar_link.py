"""`agenda link` and `agenda link novo`: the owner gets the business's calendar feed URL, a
professional (from their own phone) their own; `novo` rotates it, and the old URL stops working."""
from __future__ import annotations

from bot import texts
from bot.admin import commands
from bot.admin.commands import Context
from bot.admin.parsing import Usage
from bot.turn import Reply
from storage import calendar_feeds
from storage.folding import fold

WORD = "link"


def agenda(ctx: Context, args: str) -> Reply:
    """agenda link [novo]; any other `agenda ...` is the day's agenda (commands.agenda)."""
    tokens = args.split()
    if tokens and fold(tokens[0]) == WORD:
        return send_link(ctx, tokens)
    return commands.agenda(ctx, args)


def send_link(ctx: Context, tokens: list[str]) -> Reply:
    """agenda link [novo]"""
    rest = [fold(t) for t in tokens[1:]]
    if rest not in ([], ["novo"]):
        raise Usage()
    professional = ctx.staff
    professional_id = professional.id if professional is not None else None
    now = ctx.turn.now
    rotated = rest == ["novo"]
    token = calendar_feeds.rotate(professional_id, now) if rotated else calendar_feeds.token_for(professional_id, now)
    path = f"/calendar/{token}.ics"
    base = ctx.turn.settings.public_url
    if not base:
        return ctx.reply(texts.calendar_link_no_public_url(path))
    return ctx.reply(texts.calendar_link(base.rstrip("/") + path, professional.name if professional else None, rotated))

"""The customer's side of marketing messages (scheduler/marketing.py sends them): `parar
promoções` and `voltar promoções`, and the answers to the latest one, within 24 hours: a 1-5
score to the feedback question, a yes to a return reminder or a win-back (which starts the
booking, for that service when there is one)."""
from __future__ import annotations

import datetime as dt
import re

from bot import choices, texts
from bot.dates import format_date
from bot.display import contact
from bot.flows import booking as booking_flow
from bot.flows.loyalty import set_consent
from bot.states import State
from bot.turn import Reply, Turn
from scheduler import marketing
from storage import outbox
from storage.models import (
    Appointment,
    FeedbackAnswer,
    OutboundMessage,
    OutboxKind,
    Service,
)

REPLY_WINDOW = dt.timedelta(hours=24)
STOP_WORDS = {"parar promocoes", "parar promocao", "parar promocoes e novidades", "parar marketing",
              "sem promocoes", "nao quero promocoes"}
BACK_WORDS = {"voltar promocoes", "voltar promocao", "quero promocoes", "receber promocoes"}
_SCORE = re.compile(r"^(?:nota\s*)?([1-5])(?:\s*(?:estrelas?|/\s*5|de\s*5))?$")


def _latest(turn: Turn) -> OutboundMessage | None:
    """The latest reminder or marketing message sent to the person since their last message,
    within 24 hours, when it is a marketing one (a reminder sent after it takes the answer)."""
    since = turn.now - REPLY_WINDOW
    if turn.last_inbound_at is not None:
        since = max(since, turn.last_inbound_at)
    row = (OutboundMessage.select()
           .where((OutboundMessage.user == turn.contact.id) & (OutboundMessage.sent_at > since)
                  & OutboundMessage.kind.in_([OutboxKind.MARKETING.value, OutboxKind.REMINDER.value])
                  & OutboundMessage.status.in_([s.value for s in OutboundMessage.DELIVERED]))
           .order_by(OutboundMessage.sent_at.desc(), OutboundMessage.id.desc()).first())
    return row if row is not None and row.kind == OutboxKind.MARKETING else None


def reply(turn: Turn) -> Reply | None:
    """`parar promoções` / `voltar promoções`, or an answer to the latest marketing message;
    None for anything else."""
    if turn.user is None:
        return None
    words = choices.clean(turn.text)
    if words in STOP_WORDS:
        set_consent(turn.user.id, False, turn)
        return Reply(texts.MARKETING_STOPPED, turn.state, turn.data)
    if words in BACK_WORDS:
        set_consent(turn.user.id, True, turn)
        return Reply(texts.MARKETING_BACK, turn.state, turn.data)
    latest = _latest(turn)
    if latest is None:
        return None
    kind = (latest.params or {}).get("type")
    if kind == marketing.FEEDBACK:
        score = _SCORE.match(words)
        return _feedback(turn, latest, int(score.group(1))) if score else None
    if choices.yes_no(turn.text) is True or words in ("quero", "quero marcar", "agendar", "marcar"):
        service = Service.get_or_none((Service.id == (latest.params or {}).get("service_id")) & Service.active)
        return booking_flow.start_with(turn, service) if service else booking_flow.start(turn)
    return None


def _feedback(turn: Turn, row: OutboundMessage, score: int) -> Reply | None:
    """Keeps the score once per appointment (the unique key decides); 4-5 get the review link
    (REVIEW_URL), 1-3 go to the owners."""
    appointment = Appointment.get_or_none(Appointment.id == row.appointment_id)
    if appointment is None:
        return None
    added = (FeedbackAnswer.insert(appointment=appointment.id, user=turn.user.id, score=score, created_at=turn.now)
             .on_conflict_ignore().as_rowcount().execute())
    good = score >= 4
    if added and not good:
        day = format_date(appointment.date.astimezone(turn.tz).date())
        text = texts.feedback_alert(turn.user.name, contact(turn.user), f"#{turn.user.id}", score,
                                    appointment.type, day)
        for phone in turn.settings.admin_phones:
            outbox.enqueue(OutboxKind.STAFF_ALERT, phone, appointment_id=appointment.id, params={"text": text},
                           dedupe_key=f"feedback-alert:{appointment.id}:{phone}")
    return Reply(texts.feedback_thanks(good, turn.settings.review_url), State.MENU)

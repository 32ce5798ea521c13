"""The outbox dispatcher: claims due rows atomically, sends them, records what happened.

Claiming is one conditional UPDATE that moves rows from `pending` (or from an expired
`sending` claim) to `sending` under a fresh claim token, so any number of workers can run and
each row is claimed by one of them. A worker that dies leaves its claims to expire; another
worker then retries them. Results are written one by one, as each send returns, so the only way
to send a message twice is a crash between Twilio accepting it and that single UPDATE.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import peewee

from bot.flows import handoff
from config import Settings
from scheduler import confirmations, marketing, outcomes, reminders, replies, summaries, voice, webhooks
from scheduler.compose import Later, Skip, compose
from scheduler.sender import Outgoing, Sender, SendError
from storage import clock, waitlist
from storage.availability import Rules
from storage.db import is_mysql, is_retryable, is_unavailable, reset_connection, run_in_transaction
from storage.models import Appointment, OutboundMessage, OutboxKind, OutboxStatus, Professional, User

logger = logging.getLogger(__name__)

BATCH = 100
RECORD_BATCH = 100


@dataclass
class PassSummary:
    created: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"pass: created {self.created}, sent {self.sent}, retried {self.retried}, "
                f"failed {self.failed}, skipped {self.skipped + self.cancelled} ({self.seconds:.2f} s)")


class RateLimiter:
    """At most `rate` sends per second, evenly spaced (None: no limit)."""

    def __init__(self, rate: float | None):
        self.interval = 1.0 / rate if rate else 0.0
        self.next_at = time.monotonic()

    def delay(self) -> float:
        """Seconds until the next send may start; when 0, that slot is taken."""
        if not self.interval:
            return 0.0
        now = time.monotonic()
        if now >= self.next_at:
            # A slot missed while idle is not saved up: no bursts after a quiet spell.
            self.next_at = max(self.next_at, now) + self.interval
            return 0.0
        return self.next_at - now


RECORD_PATIENCE = 90.0  # seconds; below the default claim timeout (2 min)


def durably(write: Callable[[], None], patience: float = RECORD_PATIENCE) -> None:
    """Runs a write, again and again while the database is unreachable, for up to `patience`
    seconds: a result that is known must survive a short database outage."""
    deadline = time.monotonic() + patience
    delay = 0.2
    while True:
        try:
            write()
            return
        except peewee.PeeweeException as exc:
            if not (is_unavailable(exc) or is_retryable(exc)) or time.monotonic() > deadline:
                raise
            logger.warning("could not record a send result (%s); retrying", type(exc).__name__)
            reset_connection()
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


class Dispatcher:
    """Runs passes: create due reminders (and other scheduled rows), then drain the outbox."""

    def __init__(self, settings: Settings, sender: Sender, *, batch: int = BATCH):
        self.settings = settings
        self.sender = sender
        self.batch = batch
        self.limiter = RateLimiter(settings.outbox_rate)
        self.stopping = threading.Event()
        self.webhooks = webhooks.WebhookSender(settings.webhook_secret, settings.webhook_timeout)
        self.executor = ThreadPoolExecutor(settings.outbox_threads, thread_name_prefix="outbox-send")
        self._results: queue.Queue = queue.Queue()
        self._in_flight = 0
        self._summary = PassSummary()

    def close(self) -> None:
        self.executor.shutdown(wait=True)

    def stop(self) -> None:
        """Finish what is in flight, release the rest, and end the pass (SIGTERM)."""
        self.stopping.set()

    # --- a pass -------------------------------------------------------------------------------

    def run_pass(self) -> PassSummary:
        started = time.monotonic()
        summary = PassSummary()
        now = clock.now()
        created = reminders.create_due(now, self.settings.reminder_leads)
        summary.created += created.pending + summaries.create_due(now, self.settings)
        summary.created += marketing.create_due(now, self.settings)
        summary.skipped += created.skipped
        # Replies and waiting messages the web processes left (they died, or Twilio or the
        # speech-to-text service was unreachable), each person's in order.
        for person in voice.stalled(now):
            voice.process(person, self.settings, self.sender)
        for person in replies.overdue(now):
            summary.sent += replies.deliver(person, self.settings, self.sender)
        run_in_transaction(lambda: handoff.close_silent(now, self.settings))
        # The confirmation deadline (which may release slots), then the waitlist: holds that ran
        # out and days gone by end, and free time goes to the first in line.
        summary.created += confirmations.run(now, self.settings)
        rules = Rules.from_settings(self.settings)
        waitlist.expire(now, rules)
        summary.created += waitlist.backfill(now, rules, self.settings)
        while not self.stopping.is_set():
            rows = self.claim(self.batch)
            if not rows:
                break
            self.process(rows, summary)
            if len(rows) < self.batch:
                break
        summary.seconds = time.monotonic() - started
        return summary

    # --- claiming -----------------------------------------------------------------------------

    def claim(self, limit: int) -> list[OutboundMessage]:
        """Atomically takes up to `limit` due rows (and rows whose claim expired) for this worker:
        conditional UPDATEs, so two workers never take the same row."""
        token = uuid.uuid4().hex
        now = clock.now()
        m = OutboundMessage
        others = m.kind != OutboxKind.REPLY  # replies go one person at a time (scheduler/replies.py)
        due = (others & (m.status == OutboxStatus.PENDING) & (m.next_attempt_at <= now), (m.next_attempt_at, m.id))
        expired = (others & (m.status == OutboxStatus.SENDING) & (m.claimed_until < now), (m.id,))
        claimed = 0
        for condition, order in (due, expired):
            if claimed >= limit:
                break
            claim = m.update(status=OutboxStatus.SENDING, claim_token=token,
                             claimed_until=now + self.settings.outbox_claim_timeout, attempts=m.attempts + 1,
                             updated_at=now)
            if is_mysql():  # UPDATE ... ORDER BY ... LIMIT
                claim = claim.where(condition).order_by(*order).limit(limit - claimed)
            else:  # SQLite has no UPDATE ... LIMIT unless compiled for it: the ids come from a subquery
                claim = claim.where(m.id.in_(m.select(m.id).where(condition).order_by(*order).limit(limit - claimed)))
            claimed += run_in_transaction(claim.execute)
        if not claimed:
            return []
        return list(m.select().where(m.claim_token == token).order_by(m.id))

    # --- sending ------------------------------------------------------------------------------

    def _context(self, rows: list[OutboundMessage]):
        appointment_ids = {r.appointment_id for r in rows if r.appointment_id}
        appointments = {a.id: a for a in Appointment.select().where(Appointment.id.in_(appointment_ids or [0]))}
        people = {r.user_id for r in rows if r.user_id}
        users = {u.id: u for u in User.select().where(User.id.in_(people or [0]))}
        names = {}
        if appointments and Professional.several():
            professional_ids = {a.professional_id for a in appointments.values()}
            names = {p.id: p.name for p in Professional.select().where(Professional.id.in_(professional_ids))}
        return appointments, users, names

    def process(self, rows: list[OutboundMessage], summary: PassSummary) -> None:
        self._summary = summary
        appointments, users, names = self._context(rows)
        now = clock.now()
        skips: dict[OutboxStatus, list[int]] = {}
        release: list[OutboundMessage] = []
        later: list[tuple[OutboundMessage, Later]] = []
        for row in rows:
            if self.stopping.is_set():
                release.append(row)
                continue
            if row.attempts > self.max_attempts(row):
                self._finish(row, OutboxStatus.FAILED, summary, error_code=row.error_code)
                continue
            if row.kind == OutboxKind.WEBHOOK:  # an HTTP POST, not a WhatsApp message: no rate limit
                self._submit(row, webhooks.outgoing(row), self.webhooks.send)
                continue
            appointment = appointments.get(row.appointment_id)
            try:
                decision = compose(row, appointment, users.get(row.user_id),
                                   names.get(appointment.professional_id) if appointment else None,
                                   self.settings, now, self.sender)
            except Exception:  # one bad row must not stop the others
                logger.error("could not compose outbox message %s", row.id, exc_info=True)
                self._retry_or_fail(row, None, summary)
                continue
            if isinstance(decision, Skip):
                skips.setdefault(decision.status, []).append(row.id)
                logger.info("outbox %s (%s) %s: %s", row.id, row.kind.value, decision.status.value, decision.reason)
                continue
            if isinstance(decision, Later):
                later.append((row, decision))
                continue
            if not self._wait_for_slot():
                release.append(row)
                continue
            self._submit(row, decision)
        self._drain(until_empty=True)
        for status, ids in skips.items():
            self._mark(ids, rows[0].claim_token, status)
            if status == OutboxStatus.CANCELLED:
                summary.cancelled += len(ids)
            else:
                summary.skipped += len(ids)
        if release:
            self._release(release)
        for row, decision in later:
            self._postpone(row, decision)

    def _wait_for_slot(self) -> bool:
        while True:
            delay = self.limiter.delay()
            if delay <= 0:
                return True
            if self.stopping.is_set():
                return False
            self._drain(timeout=delay)

    def max_attempts(self, row: OutboundMessage) -> int:
        """Attempts before a row fails for good: webhooks retry for hours, messages for minutes."""
        if row.kind == OutboxKind.WEBHOOK:
            return self.settings.webhook_max_attempts
        return self.settings.outbox_max_attempts

    def _submit(self, row: OutboundMessage, message: Outgoing, send: Callable[[Outgoing], str | None] | None = None) -> None:
        while self._in_flight >= self.settings.outbox_threads * 2:
            self._drain(timeout=0.5)
        self._in_flight += 1
        future: Future = self.executor.submit(send or self.sender.send, message)
        future.add_done_callback(lambda f, r=row, m=message: self._results.put((r, m, f)))

    def _drain(self, timeout: float | None = None, until_empty: bool = False) -> None:
        """Records finished sends: waits up to `timeout` for one (or, with `until_empty`, until
        none is in flight), then writes every result that is ready in one transaction."""
        while True:
            try:
                if until_empty:
                    if not self._in_flight:
                        return
                    first = self._results.get()
                else:
                    first = self._results.get(timeout=timeout) if timeout else self._results.get_nowait()
            except queue.Empty:
                return
            ready = [first]
            while len(ready) < RECORD_BATCH:
                try:
                    ready.append(self._results.get_nowait())
                except queue.Empty:
                    break
            self._in_flight -= len(ready)
            # Twilio has answered: whatever happens to the database now, these outcomes must be
            # written, or the rows would be sent again once their claims expire.
            durably(lambda batch=ready: self._record_all(batch))
            for _, _, future in ready:
                self._account(future, self._summary)
            if not until_empty:
                return

    def _record_all(self, batch) -> None:
        """The outcomes of finished sends, written together in one transaction. The sender
        threads only talk HTTP: with a database round trip per result, the threads and this loop
        would queue on the GIL at every reply."""
        now = clock.now()
        queries = [outcomes.record(row, message, future.exception() or future.result(),
                                   self.max_attempts(row), now) for row, message, future in batch]
        run_in_transaction(lambda: [query.execute() for query in queries])

    def _account(self, future: Future, summary: PassSummary) -> None:
        error = future.exception()
        if error is None:
            summary.sent += 1
        elif isinstance(error, SendError) and not error.retryable:
            logger.warning("outbox send failed permanently (status %s, code %s)", error.status, error.code)
            summary.failed += 1
        else:
            if not isinstance(error, SendError):
                logger.error("unexpected error while sending", exc_info=error)
            summary.retried += 1

    def _finish(self, row: OutboundMessage, status: OutboxStatus, summary: PassSummary,
                error_code: int | None = None) -> None:
        outcomes.finished(row, status, error_code).execute()
        summary.failed += 1

    def _retry_or_fail(self, row: OutboundMessage, code: int | None, summary: PassSummary) -> None:
        if row.attempts >= self.max_attempts(row):
            self._finish(row, OutboxStatus.FAILED, summary, error_code=code)
            return
        outcomes.retry(row, code, clock.now()).execute()
        summary.retried += 1

    def _mark(self, ids: list[int], token: str, status: OutboxStatus) -> None:
        (OutboundMessage.update(status=status, claimed_until=None, updated_at=clock.now())
         .where(OutboundMessage.id.in_(ids) & (OutboundMessage.claim_token == token)).execute())

    def _postpone(self, row: OutboundMessage, decision: Later) -> None:
        """Gives a claimed row back for later (quiet hours): pending again, the attempt not counted."""
        logger.info("outbox %s (%s) postponed to %s: %s", row.id, row.kind.value, decision.until.isoformat(),
                    decision.reason)
        (OutboundMessage
         .update(status=OutboxStatus.PENDING, attempts=OutboundMessage.attempts - 1, claim_token=None,
                 claimed_until=None, next_attempt_at=decision.until, updated_at=clock.now())
         .where((OutboundMessage.id == row.id) & (OutboundMessage.claim_token == row.claim_token))
         .execute())

    def _release(self, rows: list[OutboundMessage]) -> None:
        """Gives back claims this worker will not send (stopping): the next pass takes them."""
        for row in rows:
            (OutboundMessage
             .update(status=OutboxStatus.PENDING, attempts=OutboundMessage.attempts - 1, claim_token=None,
                     claimed_until=None, updated_at=clock.now())
             .where((OutboundMessage.id == row.id) & (OutboundMessage.claim_token == row.claim_token))
             .execute())
        logger.info("released %d claimed messages for the next pass", len(rows))


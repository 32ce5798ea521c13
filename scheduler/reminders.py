"""Turning due reminders into outbox rows: one INSERT ... SELECT per lead, never a query per
appointment.

A reminder row is keyed by (appointment, revision, lead) through `dedupe_key`, so creating them
is idempotent across passes and workers, and a rescheduled appointment (a new revision) gets
its reminders again. For each lead, in one statement:

- only booked appointments still ahead, whose lead is due (start - lead <= now);
- not a lead already past when the current time was booked (scheduled_at > start - lead);
- `pending` when it is the nearest due lead and the appointment is still far enough away
  (the grace: 30 minutes, or half the lead when that is shorter), else `skipped`;
- `skipped` as well for a number that opted out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee

from storage.db import is_mysql, run_in_transaction
from storage.models import Appointment, AppointmentStatus, OutboundMessage, OutboxKind, OutboxStatus, User

GRACE = dt.timedelta(minutes=30)


def grace_for(lead: dt.timedelta) -> dt.timedelta:
    """How close to the appointment a late reminder may still go out: GRACE, or half the lead
    when that is shorter. The one owner of this rule: creation and sending both ask it."""
    return min(GRACE, lead / 2)


def nearer_leads(lead: dt.timedelta, leads) -> list[dt.timedelta]:
    return [other for other in leads if other < lead]


@dataclass
class Created:
    pending: int = 0
    skipped: int = 0


def _minus_minutes(moment: peewee.Field, minutes: int) -> peewee.Node:
    """`moment` minus some minutes, in the database's own date arithmetic."""
    if is_mysql():
        return moment - peewee.SQL(f"INTERVAL {int(minutes)} MINUTE")
    return peewee.fn.datetime(moment, f"-{int(minutes)} minutes")


def _text(*parts) -> peewee.Node:
    """The parts concatenated as text (|| on SQLite, CONCAT() on MySQL)."""
    node = peewee.Value(parts[0]) if isinstance(parts[0], str) else parts[0]
    for part in parts[1:]:
        node = node.concat(part)
    return node


def _insert_due(lead_minutes: int, pending: bool, now: dt.datetime, not_before: dt.datetime) -> peewee.Insert:
    """One INSERT ... SELECT adding the reminders of one lead that fell due, either those still
    worth sending (pending) or those that are not (skipped); existing ones are left alone."""
    a, u = Appointment, User
    due_at = _minus_minutes(a.date, lead_minutes)
    stamp = OutboundMessage.created_at.db_value(now)
    worth_sending = u.opted_out_at.is_null() & (a.date > not_before)
    rows = (a.select(peewee.fn.COALESCE(u.phone, u.whatsapp_id), u.id, peewee.Value(OutboxKind.REMINDER.value), a.id,
                     _text('{"lead":', peewee.Value(str(lead_minutes)), ',"revision":', a.revision, "}"),
                     peewee.Value((OutboxStatus.PENDING if pending else OutboxStatus.SKIPPED).value),
                     _text("reminder:", a.id, ":", a.revision, ":", peewee.Value(str(lead_minutes))),
                     peewee.Value(0), due_at, peewee.Value(stamp), peewee.Value(stamp))
            .join(u)
            .where((a.status == AppointmentStatus.BOOKED) & (a.date > now)
                   & (a.date <= now + dt.timedelta(minutes=lead_minutes)) & (a.scheduled_at <= due_at)
                   & (worth_sending if pending else ~worth_sending)))
    m = OutboundMessage
    return m.insert_from(rows, [m.recipient, m.user, m.kind, m.appointment, m.params, m.status, m.dedupe_key, m.attempts,
                                m.next_attempt_at, m.created_at, m.updated_at]).on_conflict_ignore().as_rowcount()


def create_due(now: dt.datetime, leads: tuple[dt.timedelta, ...]) -> Created:
    """Adds the outbox rows of every reminder that has fallen due; returns how many were added."""
    created = Created()
    for lead in sorted(leads):
        minutes = int(lead.total_seconds() // 60)
        nearer = nearer_leads(lead, leads)
        # Pending only while no nearer lead is due too, and the appointment is not too close.
        not_before = max(now + max(nearer) if nearer else now, now + grace_for(lead))
        for pending in (True, False):
            added = run_in_transaction(lambda query=_insert_due(minutes, pending, now, not_before): query.execute())
            if pending:
                created.pending += added
            else:
                created.skipped += added
    return created

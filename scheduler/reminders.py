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

from storage.db import database, is_mysql, run_in_transaction

GRACE = dt.timedelta(minutes=30)


def grace_for(lead: dt.timedelta, grace: dt.timedelta = GRACE) -> dt.timedelta:
    """How close to the appointment a late reminder may still go out."""
    return min(grace, lead / 2)


def nearer_leads(lead: dt.timedelta, leads) -> list[dt.timedelta]:
    return [other for other in leads if other < lead]


@dataclass
class Created:
    pending: int = 0
    skipped: int = 0


_PENDING = "u.opted_out_at IS NULL AND a.date > {p} AND a.date > {p}"


def _sql(lead_minutes: int, pending: bool) -> str:
    """The INSERT ... SELECT for one lead and one status, in the current database's dialect."""
    if is_mysql():
        insert, p = "INSERT IGNORE INTO", "%s"
        minus_lead = f"a.`date` - INTERVAL {lead_minutes} MINUTE"

        def concat(*parts: str) -> str:
            return f"CONCAT({', '.join(parts)})"
    else:
        insert, p = "INSERT OR IGNORE INTO", "?"
        minus_lead = f"datetime(a.date, '-{lead_minutes} minutes')"

        def concat(*parts: str) -> str:
            return "(" + " || ".join(parts) + ")"

    params_json = concat("'{\"lead\":'", str(lead_minutes), "',\"revision\":'", "a.revision", "'}'")
    dedupe = concat("'reminder:'", "a.id", "':'", "a.revision", "':'", str(lead_minutes))
    status = "pending" if pending else "skipped"
    condition = _PENDING.format(p=p) if pending else f"NOT ({_PENDING.format(p=p)})"
    return f"""
        {insert} outbound_messages
            (phone, kind, appointment_id, params, status, dedupe_key, attempts,
             next_attempt_at, created_at, updated_at)
        SELECT u.phone, 'reminder', a.id, {params_json}, '{status}', {dedupe}, 0, {minus_lead}, {p}, {p}
        FROM appointments a JOIN users u ON u.id = a.user_id
        WHERE a.status = 'booked' AND a.date > {p} AND a.date <= {p}
          AND a.scheduled_at <= {minus_lead} AND {condition}
    """


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)


def create_due(now: dt.datetime, leads: tuple[dt.timedelta, ...], grace: dt.timedelta = GRACE) -> Created:
    """Adds the outbox rows of every reminder that has fallen due; returns how many were added."""
    created = Created()
    stamp = _naive(now)
    for lead in sorted(leads):
        minutes = int(lead.total_seconds() // 60)
        nearer = nearer_leads(lead, leads)
        # Pending only while no nearer lead is due too, and the appointment is not too close.
        after_nearer = _naive(now + max(nearer) if nearer else now)
        after_grace = _naive(now + grace_for(lead, grace))
        window = (stamp, _naive(now + lead))
        for pending in (True, False):
            params = (stamp, stamp, *window, after_nearer, after_grace)
            added = run_in_transaction(lambda sql=_sql(minutes, pending), args=params:
                                       database.execute_sql(sql, args).rowcount)
            if pending:
                created.pending += added
            else:
                created.skipped += added
    return created

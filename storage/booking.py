"""The booking rules: the only code that writes appointments. The bot, the API and the admin
commands all come here.

No overlap per professional is guaranteed by the database, not by a prior read: every write
runs in one transaction that first locks the professional's row (SELECT ... FOR UPDATE on MySQL;
on SQLite every transaction is BEGIN IMMEDIATE, which serialises writers). Under READ COMMITTED
the overlap check made after the lock sees every booking committed before it, and no competing
booking can commit until we do.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import peewee

from storage import events, money, outbox
from storage.availability import Calendar, Rules
from storage.db import locking, run_in_transaction, utc
from storage.models import MAX_DURATION, Appointment, AppointmentStatus, OutboxKind, Professional, Service, User

logger = logging.getLogger(__name__)


class BookingError(Exception):
    """A booking rule said no. Subclasses say which; callers answer each kindly."""


class NotFound(BookingError):
    def __init__(self, what: str):
        super().__init__(f"{what} not found")
        self.what = what


class InThePast(BookingError):
    pass


class TooSoon(BookingError):
    """Inside the minimum notice."""


class OutsideHours(BookingError):
    """Not inside the opening hours, or inside a block."""


class SlotTaken(BookingError):
    """Overlaps another booked appointment of the same professional."""


class NotBooked(BookingError):
    """The appointment is no longer booked (cancelled, done or no-show)."""


class TooFar(BookingError):
    """Beyond the booking horizon."""


class TooLateToChange(BookingError):
    """Inside the notice before the start, when customers may no longer cancel or move it."""


class NotStarted(BookingError):
    """The appointment has not started yet: nothing to charge for."""


@dataclass(frozen=True)
class Policy:
    """Which of the business's rules (`Rules`) bind a caller. Customers are bound by all of
    them; the owner's commands skip the minimum notice (a walk-in books for now) and may change
    any appointment; the API refuses only the past and overlaps (the owner's integrations may
    book extra hours)."""

    hours: bool = True  # inside opening hours, outside blocks
    notice: bool = True  # at least MIN_NOTICE ahead
    horizon: bool = True  # at most BOOKING_HORIZON ahead
    change_notice: bool = True  # cancelled or moved only until CANCEL_MIN_NOTICE before it starts
    approval: bool = True  # a customer over NO_SHOW_LIMIT books a request the owner approves


CUSTOMER = Policy()
ADMIN = Policy(notice=False, change_notice=False, approval=False)
API = Policy(hours=False, notice=False, horizon=False, change_notice=False, approval=False)
# A waitlist offer the customer accepts: the business offered that very time, so the minimum
# notice (which may run out while the slot is held) does not bind; hours and horizon still do.
OFFERED = Policy(notice=False, approval=False)

# How far back no-shows count towards NO_SHOW_LIMIT: six months.
NO_SHOW_WINDOW = dt.timedelta(days=183)


def counted_no_shows(user_id: int, now: dt.datetime) -> int:
    """The customer's no-shows that count: in the last six months and after the owner last
    forgave them (`perdoar`)."""
    since = now - NO_SHOW_WINDOW
    forgiven = User.select(User.no_shows_forgiven_at).where(User.id == user_id).scalar()
    if forgiven is not None and forgiven > since:
        since = forgiven
    return (Appointment.select().where((Appointment.user == user_id)
                                       & (Appointment.status == AppointmentStatus.NO_SHOW)
                                       & (Appointment.date > since) & (Appointment.date <= now)).count())


def needs_approval(user_id: int, *, rules: Rules, now: dt.datetime) -> bool:
    """The no-show rule: a customer with NO_SHOW_LIMIT counted no-shows books only requests,
    which hold the slot until the owner answers `aprovar #id` or `recusar #id`."""
    return rules.no_show_limit is not None and counted_no_shows(user_id, now) >= rules.no_show_limit


def forgive_no_shows(user_id: int, *, now: dt.datetime) -> bool:
    """The owner clears a customer's no-show record: nothing is deleted, the no-shows up to now
    just stop counting. False when the customer does not exist."""
    return User.update(no_shows_forgiven_at=now).where(User.id == user_id).execute() == 1


def _lock_professional(professional_id: int) -> Professional:
    professional = locking(Professional.select().where(Professional.id == professional_id)).first()
    if professional is None:
        raise NotFound("professional")
    return professional


def check_change(appointment: Appointment, *, rules: Rules, now: dt.datetime, policy: Policy) -> None:
    """Raises TooLateToChange when the policy no longer lets this appointment be cancelled or
    moved; the flows ask before they offer, `cancel` and `reschedule` enforce it."""
    if policy.change_notice and appointment.date - now < rules.change_notice:
        raise TooLateToChange()


def _check_rules(professional_id: int, start: dt.datetime, end: dt.datetime, *, rules: Rules,
                 now: dt.datetime, policy: Policy, exclude: int | None = None, holder: int | None = None) -> None:
    """Raises the first rule the time breaks; the overlap check comes last, under the lock. A
    live waitlist hold counts as taken, except for `holder`, the customer it is held for."""
    if start <= now:
        raise InThePast()
    if policy.notice and start < now + rules.min_notice:
        raise TooSoon()
    day = start.astimezone(rules.tz).date()
    if policy.horizon and day > rules.last_day(now):
        raise TooFar()
    # Read after the professional's row lock: its bookings are all the committed ones.
    calendar = Calendar(rules, [professional_id], day, day, exclude_appointment=exclude, holder=holder, now=now)
    if policy.hours and not calendar.fits(professional_id, start, end):
        raise OutsideHours()
    if calendar.busy(professional_id, (start, end)):
        raise SlotTaken()


def book(*, user_id: int, service: Service, start: dt.datetime, rules: Rules, now: dt.datetime,
         professional_id: int | None = None, professional_ids: list[int] | None = None,
         duration: int | None = None, policy: Policy = CUSTOMER, source: str = "whatsapp") -> Appointment:
    """Books `service` for the user at `start` (aware), or raises a BookingError.

    With `professional_id`, only that professional. Otherwise any of `professional_ids` (or of
    the active professionals) who is free, chosen fairly: the one with the fewest bookings that
    day. Candidates are locked together in id order, so two such bookings never deadlock, and
    the choice is made under the locks.
    """
    start = utc(start)
    minutes = duration if duration is not None else service.duration
    if not 0 < minutes <= MAX_DURATION.total_seconds() // 60:
        raise ValueError("duration must be between 1 minute and 8 hours")
    end = start + dt.timedelta(minutes=minutes)

    def work() -> Appointment:
        if professional_id is not None:
            query = Professional.select(Professional.id).where(Professional.id == professional_id)
        else:
            query = Professional.active_ones().select(Professional.id)
            if professional_ids is not None:
                query = query.where(Professional.id.in_(professional_ids or [0]))
        locked = [row[0] for row in locking(query.order_by(Professional.id)).tuples()]
        if not locked:
            raise NotFound("professional")
        refusal: BookingError = SlotTaken()
        for pid in _fairest_first(locked, start, rules):
            try:
                _check_rules(pid, start, end, rules=rules, now=now, policy=policy, holder=user_id)
            except BookingError as exc:
                if len(locked) == 1:
                    raise
                refusal = exc
                continue
            requested = policy.approval and needs_approval(user_id, rules=rules, now=now)
            made = Appointment.create(
                user=user_id, professional=pid, service=service.id, date=start, end=end,
                type=service.name, duration=minutes,
                status=AppointmentStatus.REQUESTED if requested else AppointmentStatus.BOOKED,
                scheduled_at=now, source=source, created_at=now, updated_at=now,
                price_cents=service.price_cents)  # kept as booked: a later price change leaves it
            if not requested:  # a request reaches the professional once the owner approves it
                _tell_professional(made, "booked")
            events.appointment_changed(events.APPOINTMENT_CREATED, made.id, now)
            return made
        raise refusal

    try:
        return run_in_transaction(work)
    except peewee.IntegrityError as exc:  # a user or service deleted under us
        logger.info("booking refused by a foreign key: %s", type(exc).__name__)
        raise NotFound("user") from None


def _tell_professional(appointment: Appointment, event: str) -> None:
    """A professional with their own phone hears of each change to their appointments, once
    (the key names the change), in the transaction that makes it."""
    phone = Professional.select(Professional.phone).where(Professional.id == appointment.professional_id).scalar()
    if phone:
        outbox.enqueue(OutboxKind.STAFF_ALERT, phone, appointment_id=appointment.id,
                       params={"event": event, "appointment": appointment.id},
                       dedupe_key=f"staff:{event}:{appointment.id}:{appointment.revision}:{appointment.professional_id}")


def _fairest_first(professional_ids: list[int], start: dt.datetime, rules: Rules) -> list[int]:
    """The professionals ordered by how many bookings they have that local day, fewest first."""
    if len(professional_ids) == 1:
        return professional_ids
    day_start, day_end = rules.local_day_bounds(start.astimezone(rules.tz).date())
    load = dict(Appointment.select(Appointment.professional, peewee.fn.COUNT(Appointment.id))
                .where(Appointment.professional.in_(professional_ids)
                       & (Appointment.status != AppointmentStatus.CANCELLED)
                       & (Appointment.date >= day_start) & (Appointment.date < day_end))
                .group_by(Appointment.professional).tuples())
    return sorted(professional_ids, key=lambda pid: (load.get(pid, 0), pid))


def reschedule(appointment_id: int, new_start: dt.datetime, *, rules: Rules, now: dt.datetime,
               policy: Policy = CUSTOMER) -> Appointment:
    """Moves a booked appointment. One transaction: the old slot is freed only if the new one is
    won. Pending reminders for the old time are cancelled; the scheduler makes new ones."""
    new_start = utc(new_start)

    def work() -> Appointment:
        current = Appointment.get_or_none(Appointment.id == appointment_id)
        if current is None:
            raise NotFound("appointment")
        _lock_professional(current.professional_id)
        current = Appointment.get_by_id(appointment_id)  # re-read under the lock
        if current.status != AppointmentStatus.BOOKED:
            raise NotBooked()
        check_change(current, rules=rules, now=now, policy=policy)
        end = new_start + dt.timedelta(minutes=current.duration)
        _check_rules(current.professional_id, new_start, end, rules=rules, now=now,
                     policy=policy, exclude=appointment_id, holder=current.user_id)
        updated = (Appointment
                   .update(date=new_start, end=end, revision=Appointment.revision + 1,
                           scheduled_at=now, confirmed_at=None, updated_at=now)
                   .where((Appointment.id == appointment_id)
                          & (Appointment.status == AppointmentStatus.BOOKED))
                   .execute())
        if updated != 1:
            raise NotBooked()
        outbox.cancel_pending(appointment_id)
        moved = Appointment.get_by_id(appointment_id)
        _tell_professional(moved, "moved")
        events.appointment_changed(events.APPOINTMENT_RESCHEDULED, appointment_id, now, previous=current)
        return moved

    return run_in_transaction(work)


def reassign(appointment_id: int, *, rules: Rules, now: dt.datetime, policy: Policy = ADMIN) -> Appointment | None:
    """Gives a booked appointment, at the same time, to another active professional who performs
    its service and is free then (the least booked that day); None when nobody is. The
    professionals are locked together in id order, as for a booking."""

    def work() -> Appointment | None:
        current = Appointment.get_or_none(Appointment.id == appointment_id)
        if current is None:
            raise NotFound("appointment")
        others = [p.id for p in Professional.performing(current.service_id) if p.id != current.professional_id]
        locked = [row[0] for row in locking(Professional.select(Professional.id)
                                            .where(Professional.id.in_([*others, current.professional_id]))
                                            .order_by(Professional.id)).tuples()]
        current = Appointment.get_by_id(appointment_id)  # re-read under the locks
        if current.status != AppointmentStatus.BOOKED:
            raise NotBooked()
        for pid in _fairest_first([p for p in locked if p != current.professional_id], current.date, rules):
            try:
                _check_rules(pid, current.date, current.end, rules=rules, now=now, policy=policy)
            except BookingError:
                continue
            (Appointment.update(professional=pid, updated_at=now)
             .where((Appointment.id == appointment_id) & (Appointment.status == AppointmentStatus.BOOKED))
             .execute())
            changed = Appointment.get_by_id(appointment_id)
            _tell_professional(changed, "reassigned")
            return changed
        return None

    return run_in_transaction(work)


def cancel(appointment_id: int, *, rules: Rules, now: dt.datetime, policy: Policy = CUSTOMER,
           reason: str | None = None, notify: bool = False) -> Appointment:
    """Cancels a booked appointment, or a request waiting for approval (never deletes it), and
    its pending reminders. With `notify`, the customer is told through the outbox."""

    def work() -> Appointment:
        current = Appointment.get_or_none(Appointment.id == appointment_id)
        if current is not None and current.status == AppointmentStatus.BOOKED:
            check_change(current, rules=rules, now=now, policy=policy)
        updated = (Appointment
                   .update(status=AppointmentStatus.CANCELLED, cancelled_at=now,
                           cancel_reason=(reason or None) and reason[:200], updated_at=now)
                   .where((Appointment.id == appointment_id)
                          & Appointment.status.in_([AppointmentStatus.BOOKED.value,
                                                    AppointmentStatus.REQUESTED.value]))
                   .execute())
        appointment = Appointment.get_or_none(Appointment.id == appointment_id)
        if appointment is None:
            raise NotFound("appointment")
        if updated != 1:
            raise NotBooked()
        outbox.cancel_pending(appointment_id)
        _tell_professional(appointment, "cancelled")
        events.appointment_changed(events.APPOINTMENT_CANCELLED, appointment_id, now)
        if notify:
            user = User.get_by_id(appointment.user_id)
            outbox.enqueue(OutboxKind.CANCELLATION, user, appointment_id=appointment_id,
                           params={"reason": reason} if reason else None,
                           dedupe_key=f"cancel:{appointment_id}")
        return appointment

    return run_in_transaction(work)


def confirm(appointment_id: int, *, now: dt.datetime) -> bool:
    """Marks a booked appointment as confirmed by the customer; False if it is not booked."""
    return (Appointment.update(confirmed_at=now, updated_at=now)
            .where((Appointment.id == appointment_id)
                   & (Appointment.status == AppointmentStatus.BOOKED))
            .execute()) == 1


def mark(appointment_id: int, status: AppointmentStatus, *, now: dt.datetime) -> Appointment:
    """Records the outcome of a booked appointment: done or no-show (or corrects one recorded)."""
    if status not in (AppointmentStatus.DONE, AppointmentStatus.NO_SHOW):
        raise ValueError("mark() records done or no_show")

    def work() -> Appointment:
        before = locking(Appointment.select(Appointment.status).where(Appointment.id == appointment_id)).scalar()
        updated = (Appointment.update(status=status, updated_at=now)
                   .where((Appointment.id == appointment_id)
                          & Appointment.status.in_([AppointmentStatus.BOOKED.value,
                                                    AppointmentStatus.DONE.value,
                                                    AppointmentStatus.NO_SHOW.value]))
                   .execute())
        appointment = Appointment.get_or_none(Appointment.id == appointment_id)
        if appointment is None:
            raise NotFound("appointment")
        if updated != 1:
            raise NotBooked()
        outbox.cancel_pending(appointment_id)
        if AppointmentStatus(before) != status:  # marking it again the same way tells nobody twice
            events.appointment_changed(events.OUTCOMES[status], appointment_id, now)
        return appointment

    return run_in_transaction(work)


def charge(appointment_id: int, cents: int, *, now: dt.datetime) -> Appointment:
    """Records what was actually charged (centavos) for an appointment that has started. A
    booked one is marked attended by it (a customer who paid came); an attended one gets the
    new amount. Raises NotStarted for one still ahead and NotBooked for a cancelled one or a
    no-show; one conditional update decides."""
    if not 0 <= cents <= money.MAX_CENTS:
        raise ValueError("charge() takes centavos from 0 to money.MAX_CENTS")

    def work() -> Appointment:
        updated = (Appointment.update(status=AppointmentStatus.DONE, charged_cents=cents, updated_at=now)
                   .where((Appointment.id == appointment_id) & (Appointment.date <= now)
                          & Appointment.status.in_([AppointmentStatus.BOOKED.value, AppointmentStatus.DONE.value]))
                   .execute())
        appointment = Appointment.get_or_none(Appointment.id == appointment_id)
        if appointment is None:
            raise NotFound("appointment")
        if updated != 1:
            raise NotStarted() if appointment.date > now else NotBooked()
        outbox.cancel_pending(appointment_id)
        return appointment

    return run_in_transaction(work)


def release_unconfirmed(appointment_id: int, *, now: dt.datetime, reason: str) -> Appointment | None:
    """AUTO_RELEASE: cancels a booked appointment the customer has not confirmed (one conditional
    UPDATE, so a confirmation that commits first keeps it and two workers release it once), and
    tells the customer why through the outbox. None when it was confirmed, moved on or released
    already."""

    def work() -> Appointment | None:
        updated = (Appointment
                   .update(status=AppointmentStatus.CANCELLED, cancelled_at=now, cancel_reason=reason[:200],
                           updated_at=now)
                   .where((Appointment.id == appointment_id) & (Appointment.status == AppointmentStatus.BOOKED)
                          & Appointment.confirmed_at.is_null())
                   .execute())
        if updated != 1:
            return None
        appointment = Appointment.get_by_id(appointment_id)
        outbox.cancel_pending(appointment_id)
        outbox.enqueue(OutboxKind.CANCELLATION, User.get_by_id(appointment.user_id), appointment_id=appointment_id,
                       params={"reason": reason}, dedupe_key=f"cancel:{appointment_id}")
        events.appointment_changed(events.APPOINTMENT_CANCELLED, appointment_id, now)
        return appointment

    return run_in_transaction(work)


class NotRequested(BookingError):
    """The appointment is not a request waiting for the owner's approval."""


def approve(appointment_id: int, *, now: dt.datetime) -> Appointment:
    """The owner's `aprovar #id`: a request becomes a booking (once: a conditional update), its
    reminders count from now, the professional and the customer are told."""

    def work() -> Appointment:
        updated = (Appointment.update(status=AppointmentStatus.BOOKED, scheduled_at=now, updated_at=now)
                   .where((Appointment.id == appointment_id) & (Appointment.status == AppointmentStatus.REQUESTED)
                          & (Appointment.date > now))
                   .execute())
        appointment = Appointment.get_or_none(Appointment.id == appointment_id)
        if appointment is None:
            raise NotFound("appointment")
        if updated != 1:
            raise NotRequested()
        _tell_professional(appointment, "booked")
        outbox.enqueue(OutboxKind.CONFIRMATION, User.get_by_id(appointment.user_id), appointment_id=appointment_id,
                       params={"approved": True}, dedupe_key=f"approved:{appointment_id}")
        return appointment

    return run_in_transaction(work)


def refuse(appointment_id: int, *, now: dt.datetime, reason: str | None = None) -> Appointment:
    """The owner's `recusar #id`: a request is cancelled (its slot frees at once) and the
    customer is told kindly; once, by a conditional update."""

    def work() -> Appointment:
        updated = (Appointment.update(status=AppointmentStatus.CANCELLED, cancelled_at=now, updated_at=now,
                                      cancel_reason=(reason or "recusado")[:200])
                   .where((Appointment.id == appointment_id) & (Appointment.status == AppointmentStatus.REQUESTED))
                   .execute())
        appointment = Appointment.get_or_none(Appointment.id == appointment_id)
        if appointment is None:
            raise NotFound("appointment")
        if updated != 1:
            raise NotRequested()
        outbox.enqueue(OutboxKind.CANCELLATION, User.get_by_id(appointment.user_id), appointment_id=appointment_id,
                       params={"refused": True}, dedupe_key=f"refused:{appointment_id}")
        events.appointment_changed(events.APPOINTMENT_CANCELLED, appointment_id, now)
        return appointment

    return run_in_transaction(work)

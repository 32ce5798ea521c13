"""What each outbox row says, decided when it is sent (so it reflects the latest state), or why
it must not go out at all."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot import interactive, texts
from bot.admin.agenda import render as render_agenda
from bot.display import day_label, time_label
from config import Settings
from scheduler import marketing, summaries
from scheduler.content import template_sid
from scheduler.reminders import grace_for, nearer_leads
from scheduler.sender import Outgoing, Sender
from storage import waitlist
from storage.availability import Rules
from storage.models import (
    Appointment,
    AppointmentStatus,
    InboundMessage,
    OutboundMessage,
    OutboxKind,
    OutboxStatus,
    Professional,
    User,
    WaitlistEntry,
    WaitlistStatus,
)

SUMMARY_LIMIT = 25  # appointments listed per professional; the rest is one "and N more" line


@dataclass(frozen=True)
class Skip:
    """Not sent: `status` is cancelled (the reason went away) or skipped (too late, opted out)."""

    status: OutboxStatus
    reason: str


@dataclass(frozen=True)
class Later:
    """Not now, not dropped: the row goes back to pending until `until` (quiet hours)."""

    until: dt.datetime
    reason: str


def _one_line(text: str) -> str:
    """Template variables may not hold line breaks."""
    return " ".join(text.split())


def compose(row: OutboundMessage, appointment: Appointment | None, recipient: User | None,
            professional_name: str | None, settings: Settings, now: dt.datetime,
            sender: Sender | None = None) -> Outgoing | Skip | Later:
    """The message for one outbox row, as free text or as the configured template."""
    tz, business = settings.timezone, settings.business_name
    params = row.params or {}

    if row.kind == OutboxKind.REPLY:  # an answer to the person's own message: inside the 24 h window
        text = params.get("text", "")
        menu = interactive.menu_of(text, params.get("state", "")) if settings.interactive else None
        if menu is not None and sender is not None:
            return Outgoing(row.recipient, content_sid=template_sid(menu.shape, sender),
                            content_variables=menu.variables())
        return Outgoing(row.recipient, body=text[:texts.MAX_MESSAGE])
    name = recipient.name if recipient else texts.CUSTOMER
    opted_out = recipient is not None and recipient.opted_out_at is not None

    if row.kind == OutboxKind.OFFER:
        return _offer(row, recipient, name, settings, now, sender)

    if row.kind == OutboxKind.SUMMARY:  # the day's agenda as it is now, not as it was at creation
        day = dt.date.fromisoformat(params["day"])
        rules = Rules.from_settings(settings)
        agenda = render_agenda(rules, [day], list(Professional.active_ones()), limit=SUMMARY_LIMIT)
        text = texts.daily_summary(agenda, summaries.yesterday_line(day, rules, now)) + summaries.policies(day, settings, now)
        no_shows = summaries.no_shows_of(day - dt.timedelta(days=1), settings)
        if no_shows:
            text += "\n\n" + texts.yesterday_no_shows(no_shows)
        return _alert(row.recipient, text, settings, now)
    if row.kind == OutboxKind.STAFF_ALERT:
        return _alert(row.recipient, _staff_alert_text(params, settings), settings, now)
    if row.kind == OutboxKind.STAFF_MESSAGE and params.get("reply"):  # the staff answering a chat
        return _within_window(row.recipient, name, params["text"], recipient, settings, now)
    if opted_out:
        return Skip(OutboxStatus.SKIPPED, "opted out")
    if row.kind == OutboxKind.STAFF_MESSAGE:  # the staff telling the customer something
        return _within_window(row.recipient, name, params["text"], recipient, settings, now)

    if row.kind == OutboxKind.MARKETING:
        return _marketing(row, appointment, recipient, name, settings, now)

    if row.kind == OutboxKind.NOTICE:
        text = params.get("text", "")
        return _notice(row.recipient, name, texts.notice(business, text), settings)

    if appointment is None:
        return Skip(OutboxStatus.CANCELLED, "appointment gone")
    day, time = day_label(appointment.date, tz), time_label(appointment.date, tz)

    if row.kind == OutboxKind.REMINDER:
        lead = dt.timedelta(minutes=int(params.get("lead", 0)))
        if appointment.status != AppointmentStatus.BOOKED or appointment.revision != params.get("revision"):
            return Skip(OutboxStatus.CANCELLED, "appointment cancelled or moved")
        if appointment.date - now <= grace_for(lead):
            return Skip(OutboxStatus.SKIPPED, "too close to the appointment")
        if any(appointment.date - now <= nearer for nearer in nearer_leads(lead, settings.reminder_leads)):
            return Skip(OutboxStatus.SKIPPED, "a nearer reminder is due")
        if settings.twilio_reminder_content_sid:
            return Outgoing(row.recipient, content_sid=settings.twilio_reminder_content_sid, content_variables={
                "1": _one_line(name), "2": _one_line(appointment.type), "3": appointment.date.astimezone(tz).strftime("%d/%m/%Y"),
                "4": time, "5": _one_line(business)})
        return Outgoing(row.recipient, body=texts.reminder(name, appointment.type, day, time, business, professional_name))

    if row.kind == OutboxKind.CANCELLATION and params.get("refused"):  # the owner's `recusar`
        return _within_window(row.recipient, name, texts.request_refused(name, appointment.type, day, time, business),
                              recipient, settings, now)
    if row.kind == OutboxKind.CANCELLATION:
        text = texts.cancellation_notice(name, appointment.type, day, time, business, params.get("reason"))
        return _notice(row.recipient, name, text, settings)

    if row.kind == OutboxKind.CONFIRMATION:
        if appointment.status != AppointmentStatus.BOOKED or appointment.date <= now:
            return Skip(OutboxStatus.CANCELLED, "appointment no longer booked")
        if params.get("approved"):  # the owner's `aprovar`
            return _within_window(row.recipient, name,
                                  texts.request_approved(name, appointment.type, day, time, business),
                                  recipient, settings, now)
        text = texts.booked_by_business(name, appointment.type, day, time, business)
        return _notice(row.recipient, name, text, settings)

    return Skip(OutboxStatus.CANCELLED, f"unknown kind {row.kind}")


# The approved template each kind needs outside WhatsApp's 24-hour window (None: never needs one).
TEMPLATE_SETTINGS = {
    OutboxKind.REPLY: None,
    OutboxKind.REMINDER: "TWILIO_REMINDER_CONTENT_SID",
    OutboxKind.NOTICE: "TWILIO_NOTICE_CONTENT_SID",
    OutboxKind.CANCELLATION: "TWILIO_NOTICE_CONTENT_SID",
    OutboxKind.CONFIRMATION: "TWILIO_NOTICE_CONTENT_SID",
    OutboxKind.STAFF_MESSAGE: "TWILIO_NOTICE_CONTENT_SID",
    OutboxKind.STAFF_ALERT: "TWILIO_ALERT_CONTENT_SID",
    OutboxKind.SUMMARY: "TWILIO_ALERT_CONTENT_SID",
    OutboxKind.WEBHOOK: None,  # not a WhatsApp message: POSTed to WEBHOOK_URLS (scheduler/webhooks.py)
    OutboxKind.OFFER: "TWILIO_OFFER_CONTENT_SID",  # without it, outside 24 h: the next in line
    OutboxKind.MARKETING: "TWILIO_MARKETING_CONTENT_SID",
}
WINDOW = dt.timedelta(hours=24)


def _wrote_lately(address: str, person: User | None, now: dt.datetime) -> bool:
    """Whether the person wrote in the last 24 hours (WhatsApp's window for free text)."""
    person = person or User.select().where((User.phone == address) | (User.whatsapp_id == address)).first()
    if person is None:
        return False
    last = InboundMessage.recent(person.id, 1)
    return bool(last) and now - last[0] < WINDOW


def _alert(address: str, text: str, settings: Settings, now: dt.datetime) -> Outgoing:
    """To the owner or a professional: free text inside the 24 h window, else the alert template
    when one is set (TWILIO_ALERT_CONTENT_SID, variable 1 = the text)."""
    if settings.twilio_alert_content_sid and not _wrote_lately(address, None, now):
        return Outgoing(address, content_sid=settings.twilio_alert_content_sid,
                        content_variables={"1": _one_line(text)[:1000]})
    return Outgoing(address, body=text[:texts.MAX_MESSAGE])


def _within_window(address: str, name: str, text: str, person: User | None, settings: Settings,
                   now: dt.datetime) -> Outgoing:
    """To a customer: free text inside the 24 h window, else the notice template when set."""
    if settings.twilio_notice_content_sid and not _wrote_lately(address, person, now):
        return _notice(address, name, text, settings)
    return Outgoing(address, body=text[:texts.MAX_MESSAGE])


def _staff_alert_text(params: dict, settings: Settings) -> str:
    """A relayed chat or a handoff as it was written; a booking alert worded from the
    appointment as it is now."""
    if "text" in params:
        return params["text"]
    if "lines" in params:  # a customer's messages relayed to the staff
        return texts.relayed(params["who"], params["lines"], params["customer"])
    appointment = Appointment.get_or_none(Appointment.id == params.get("appointment"))
    if appointment is None:
        return texts.STAFF_APPOINTMENT_GONE
    tz = settings.timezone
    customer = User.get_by_id(appointment.user_id)
    return texts.staff_booking_alert(params["event"], appointment.id, customer.name or texts.NO_NAME,
                                     appointment.type, day_label(appointment.date, tz), time_label(appointment.date, tz))


def _notice(phone: str, name: str, text: str, settings: Settings) -> Outgoing:
    if settings.twilio_notice_content_sid:
        return Outgoing(phone, content_sid=settings.twilio_notice_content_sid,
                        content_variables={"1": _one_line(name), "2": _one_line(text)[:1000]})
    return Outgoing(phone, body=text[:texts.MAX_MESSAGE])


def _offer(row: OutboundMessage, recipient: User | None, name: str, settings: Settings, now: dt.datetime,
           sender: Sender | None) -> Outgoing | Skip:
    """A waitlist offer, only while its hold is live: free text (with buttons when INTERACTIVE)
    inside the 24 h window, else TWILIO_OFFER_CONTENT_SID (variables: 1 name, 2 service,
    3 dd/mm/aaaa, 4 HH:MM, 5 minutes to answer, 6 business). A customer it cannot reach (opted
    out, or outside the window with no template) is passed over: the hold is freed for the next."""
    params = row.params or {}
    entry = WaitlistEntry.get_or_none(WaitlistEntry.id == params.get("entry"))
    if entry is None or entry.status != WaitlistStatus.OFFERED or entry.held_slot != params.get("slot") \
            or entry.hold_until <= now:
        return Skip(OutboxStatus.CANCELLED, "offer no longer held")
    if not waitlist.reachable(recipient, settings, now):
        waitlist.pass_over(entry.id, now)
        return Skip(OutboxStatus.SKIPPED, "opted out, or outside the 24-hour window with no TWILIO_OFFER_CONTENT_SID: "
                                          "the slot goes to the next in line")
    tz = settings.timezone
    service = entry.service.name
    minutes = max(1, int((entry.hold_until - now).total_seconds() // 60))
    if settings.twilio_offer_content_sid and not _wrote_lately(row.recipient, recipient, now):
        return Outgoing(row.recipient, content_sid=settings.twilio_offer_content_sid, content_variables={
            "1": _one_line(name), "2": _one_line(service), "3": entry.held_start.astimezone(tz).strftime("%d/%m/%Y"),
            "4": time_label(entry.held_start, tz), "5": str(minutes), "6": _one_line(settings.business_name)})
    professional = None
    if Professional.several():
        professional = Professional.select(Professional.name).where(Professional.id == entry.held_professional).scalar()
    text = texts.waitlist_offer(name, service, day_label(entry.held_start, tz), time_label(entry.held_start, tz),
                                minutes, settings.business_name, professional)
    menu = interactive.menu_of(text, "offer") if settings.interactive else None
    if menu is not None and sender is not None:
        return Outgoing(row.recipient, content_sid=template_sid(menu.shape, sender), content_variables=menu.variables())
    return Outgoing(row.recipient, body=text)


def _marketing(row: OutboundMessage, appointment: Appointment | None, recipient: User | None, name: str,
               settings: Settings, now: dt.datetime) -> Outgoing | Skip | Later:
    """A return reminder, a win-back or a feedback question (scheduler/marketing.py): only to a
    customer who said yes, never in the quiet hours (postponed to their end), with the marketing
    template when set (TWILIO_MARKETING_CONTENT_SID: {"1": name, "2": text}); without one, free
    text inside the 24 h window, else skipped (never retried)."""
    if recipient is None or recipient.marketing_consent is not True:
        return Skip(OutboxStatus.SKIPPED, "no marketing consent")
    stale = marketing.stale(row, appointment, now)
    if stale:
        return Skip(OutboxStatus.CANCELLED, stale)
    quiet_until = marketing.quiet_until(now, settings.timezone)
    if quiet_until is not None:
        return Later(quiet_until, "quiet hours")
    text = marketing.text(row.params or {}, name, settings)
    if settings.twilio_marketing_content_sid:
        return Outgoing(row.recipient, content_sid=settings.twilio_marketing_content_sid,
                        content_variables={"1": _one_line(name), "2": _one_line(text)[:1000]})
    if _wrote_lately(row.recipient, recipient, now):
        return Outgoing(row.recipient, body=text[:texts.MAX_MESSAGE])
    return Skip(OutboxStatus.SKIPPED, "outside the 24 h window and no TWILIO_MARKETING_CONTENT_SID")

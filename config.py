"""Configuration: one place that reads the environment (see CONTRACT.md, Environment)."""
from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from storage import phones

PRODUCTION_SECRETS = ("TWILIO_AUTH_TOKEN", "API_TOKEN", "TWILIO_ACCOUNT_SID", "TWILIO_WHATSAPP_FROM")

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ConfigError(click.ClickException):
    """A setting is missing or malformed; the message names it and is safe to print. Under the
    `flask` command it is printed as one line (`Error: ...`), not as a traceback."""

    exit_code = 2


def parse_duration(value: str, name: str) -> dt.timedelta:
    """Reads '30m', '2h', '1d' or '15s' into a timedelta."""
    match = _DURATION.match(str(value))
    if not match:
        raise ConfigError(f"{name} must be a number followed by s, m, h or d (got {value!r})")
    return dt.timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2).lower()])


def parse_leads(value: str) -> tuple[dt.timedelta, ...]:
    """Reads REMINDER_LEADS ('24h,2h') into distinct positive leads, largest first."""
    leads = set()
    for part in str(value).split(","):
        if not part.strip():
            continue
        lead = parse_duration(part, "REMINDER_LEADS")
        if lead.total_seconds() < 60 or lead.total_seconds() % 60:
            raise ConfigError("REMINDER_LEADS entries must be whole minutes, at least 1m")
        leads.add(lead)
    return tuple(sorted(leads, reverse=True))


def parse_people(value: str, name: str) -> tuple[str, ...]:
    """Reads a comma-separated list of phone numbers (into E.164) and WhatsApp user ids."""
    people = []
    for part in str(value or "").split(","):
        part = part.strip()
        if not part:
            continue
        person = phones.normalize(part) or phones.whatsapp_id(part)
        if person is None:
            raise ConfigError(f"{name} has an invalid phone number or WhatsApp user id: {part!r}")
        people.append(person)
    return tuple(dict.fromkeys(people))


MAX_URL = 2000


def parse_urls(value: str) -> tuple[str, ...]:
    """Reads WEBHOOK_URLS: comma-separated http(s) URLs, each once."""
    urls = []
    for part in str(value or "").split(","):
        part = part.strip()
        if not part:
            continue
        if not re.match(r"^https?://[^\s/?#]+", part, re.IGNORECASE) or len(part) > MAX_URL or any(c.isspace() for c in part):
            raise ConfigError(f"WEBHOOK_URLS has an entry that is not an http(s) URL: {part[:80]!r}")
        urls.append(part)
    return tuple(dict.fromkeys(urls))


def _clock_time(value: str, name: str) -> dt.time:
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name} must be HH:MM (got {value!r})") from None


def _positive_number(value: str, name: str, cast=float):
    try:
        number = cast(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number (got {value!r})") from None
    if number <= 0:
        raise ConfigError(f"{name} must be positive (got {value!r})")
    return number


@dataclass
class Settings:
    """Every setting the app reads, already parsed. Built by `Settings.load`."""

    app_env: str = "development"
    database_url: str = "sqlite:///agendador.db"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_url: str | None = None
    twilio_reminder_content_sid: str | None = None
    twilio_notice_content_sid: str | None = None
    twilio_content_api_url: str | None = None
    interactive: bool = True  # menus as WhatsApp lists and buttons, replies through the REST API
    stt_url: str | None = None  # an OpenAI-compatible POST .../audio/transcriptions
    stt_api_key: str | None = None
    stt_model: str = "whisper-1"
    handoff_timeout: dt.timedelta = dt.timedelta(hours=2)  # staff silence after which the bot takes the chat back
    twilio_alert_content_sid: str | None = None  # approved template for alerts to the staff: {"1": text}
    waitlist_hold: dt.timedelta = dt.timedelta(minutes=15)  # how long a freed slot waits for the one offered it
    confirm_deadline: dt.timedelta | None = None  # unconfirmed this long before: staff told (None: off)
    auto_release: bool = False  # at CONFIRM_DEADLINE, release the unconfirmed appointment to the waitlist
    twilio_offer_content_sid: str | None = None  # approved template for waitlist offers (see README)
    # Issue 17: no-show rules and customers who come back (README, "Customers who come back").
    no_show_limit: int | None = 2  # no-shows in six months after which bookings need approval; None: off
    winback_after: dt.timedelta | None = None  # absence after which one win-back message goes; None: off
    review_url: str | None = None  # the review link sent after a feedback of 4 or 5
    twilio_marketing_content_sid: str | None = None  # approved template for marketing: {"1": name, "2": text}
    public_url: str | None = None
    admin_phones: tuple[str, ...] = ()
    api_token: str | None = None
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("America/Sao_Paulo"))
    reminder_leads: tuple[dt.timedelta, ...] = (dt.timedelta(hours=24), dt.timedelta(hours=2))
    conversation_timeout: dt.timedelta = dt.timedelta(minutes=30)
    business_name: str = "Barbearia do Zé"
    business_address: str | None = None  # what customers are told when they ask where the business is
    # Beyond the contract's table: documented in the README.
    sender: str = "auto"  # twilio | console | memory | auto
    slot_step: dt.timedelta = dt.timedelta(minutes=30)
    min_notice: dt.timedelta = dt.timedelta(hours=2)
    cancel_min_notice: dt.timedelta = dt.timedelta(hours=2)
    booking_horizon: dt.timedelta = dt.timedelta(days=30)
    scheduler_interval: dt.timedelta = dt.timedelta(seconds=15)
    outbox_rate: float | None = 80.0  # messages per second per worker; None: no limit
    outbox_max_attempts: int = 6
    outbox_claim_timeout: dt.timedelta = dt.timedelta(minutes=2)
    outbox_threads: int = 16
    rate_limit_per_minute: int = 30
    daily_summary_at: dt.time | None = dt.time(7, 0)
    db_pool_size: int = 10
    db_pool_wait: float = 5.0
    db_stale_timeout: int = 280
    db_timeout: float = 5.0
    # Outbound webhooks (scheduler/webhooks.py): where events go, the secret that signs them.
    webhook_urls: tuple[str, ...] = ()
    webhook_secret: str | None = None
    webhook_max_attempts: int = 20  # with the outbox backoff (15 s doubling, 30 min cap): about 7 hours
    webhook_timeout: float = 5.0  # seconds per delivery attempt

    _ENV = {
        "app_env": ("APP_ENV", str),
        "database_url": ("DATABASE_URL", str),
        "twilio_account_sid": ("TWILIO_ACCOUNT_SID", str),
        "twilio_auth_token": ("TWILIO_AUTH_TOKEN", str),
        "twilio_whatsapp_from": ("TWILIO_WHATSAPP_FROM", str),
        "twilio_api_url": ("TWILIO_API_URL", str),
        "twilio_reminder_content_sid": ("TWILIO_REMINDER_CONTENT_SID", str),
        "twilio_notice_content_sid": ("TWILIO_NOTICE_CONTENT_SID", str),
        "twilio_content_api_url": ("TWILIO_CONTENT_API_URL", str),
        "interactive": ("INTERACTIVE", lambda v: _switch(v, "INTERACTIVE")),
        "stt_url": ("STT_URL", str),
        "stt_api_key": ("STT_API_KEY", str),
        "stt_model": ("STT_MODEL", str),
        "handoff_timeout": ("HANDOFF_TIMEOUT", lambda v: parse_duration(v, "HANDOFF_TIMEOUT")),
        "twilio_alert_content_sid": ("TWILIO_ALERT_CONTENT_SID", str),
        "waitlist_hold": ("WAITLIST_HOLD", lambda v: _positive_duration(v, "WAITLIST_HOLD")),
        "confirm_deadline": ("CONFIRM_DEADLINE", lambda v: None if v.strip().lower() in ("off", "0")
                             else _positive_duration(v, "CONFIRM_DEADLINE")),
        "auto_release": ("AUTO_RELEASE", lambda v: _switch(v, "AUTO_RELEASE")),
        "twilio_offer_content_sid": ("TWILIO_OFFER_CONTENT_SID", str),
        "no_show_limit": ("NO_SHOW_LIMIT", lambda v: None if v.strip().lower() in ("0", "off")
                          else _positive_number(v, "NO_SHOW_LIMIT", int)),
        "winback_after": ("WINBACK_AFTER", lambda v: None if v.strip().lower() in ("0", "off")
                          else parse_duration(v, "WINBACK_AFTER")),
        "review_url": ("REVIEW_URL", str),
        "twilio_marketing_content_sid": ("TWILIO_MARKETING_CONTENT_SID", str),
        "public_url": ("PUBLIC_URL", str),
        "admin_phones": ("ADMIN_PHONES", lambda v: parse_people(v, "ADMIN_PHONES")),
        "api_token": ("API_TOKEN", str),
        "timezone": ("TIMEZONE", lambda v: _zone(v)),
        "reminder_leads": ("REMINDER_LEADS", parse_leads),
        "conversation_timeout": ("CONVERSATION_TIMEOUT", lambda v: parse_duration(v, "CONVERSATION_TIMEOUT")),
        "business_name": ("BUSINESS_NAME", str),
        "business_address": ("BUSINESS_ADDRESS", str),
        "sender": ("SENDER", str),
        "slot_step": ("SLOT_STEP", lambda v: parse_duration(v, "SLOT_STEP")),
        "min_notice": ("MIN_NOTICE", lambda v: parse_duration(v, "MIN_NOTICE")),
        "cancel_min_notice": ("CANCEL_MIN_NOTICE", lambda v: parse_duration(v, "CANCEL_MIN_NOTICE")),
        "booking_horizon": ("BOOKING_HORIZON", lambda v: parse_duration(v, "BOOKING_HORIZON")),
        "scheduler_interval": ("SCHEDULER_INTERVAL", lambda v: parse_duration(v, "SCHEDULER_INTERVAL")),
        "outbox_rate": ("OUTBOX_RATE", lambda v: None if v.strip().lower() in ("0", "off", "none")
                        else _positive_number(v, "OUTBOX_RATE")),
        "outbox_max_attempts": ("OUTBOX_MAX_ATTEMPTS", lambda v: _positive_number(v, "OUTBOX_MAX_ATTEMPTS", int)),
        "outbox_claim_timeout": ("OUTBOX_CLAIM_TIMEOUT", lambda v: parse_duration(v, "OUTBOX_CLAIM_TIMEOUT")),
        "outbox_threads": ("OUTBOX_THREADS", lambda v: _positive_number(v, "OUTBOX_THREADS", int)),
        "rate_limit_per_minute": ("RATE_LIMIT", lambda v: _positive_number(v, "RATE_LIMIT", int)),
        "daily_summary_at": ("DAILY_SUMMARY_AT", lambda v: None if v.strip().lower() in ("", "off") else _clock_time(v, "DAILY_SUMMARY_AT")),
        "db_pool_size": ("DB_POOL_SIZE", lambda v: _positive_number(v, "DB_POOL_SIZE", int)),
        "db_pool_wait": ("DB_POOL_WAIT", lambda v: _positive_number(v, "DB_POOL_WAIT")),
        "db_timeout": ("DB_TIMEOUT", lambda v: _positive_number(v, "DB_TIMEOUT")),
        "webhook_urls": ("WEBHOOK_URLS", parse_urls),
        "webhook_secret": ("WEBHOOK_SECRET", str),
        "webhook_max_attempts": ("WEBHOOK_MAX_ATTEMPTS", lambda v: _positive_number(v, "WEBHOOK_MAX_ATTEMPTS", int)),
        "webhook_timeout": ("WEBHOOK_TIMEOUT", lambda v: _positive_number(v, "WEBHOOK_TIMEOUT")),
    }

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
        """Builds settings from the environment, then applies already-parsed overrides (tests)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for attr, (name, parse) in cls._ENV.items():
            raw = environ.get(name)
            if raw is not None and raw.strip() != "":
                values[attr] = parse(raw.strip())
        for key, value in (overrides or {}).items():
            if key not in {f.name for f in fields(cls)}:
                raise ConfigError(f"unknown setting {key!r}")
            values[key] = value
        settings = cls(**values)
        settings.validate()
        return settings

    @classmethod
    def env_names(cls) -> list[str]:
        """The environment variables this class reads."""
        return [name for name, _ in cls._ENV.values()]

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @property
    def development(self) -> bool:
        return self.app_env == "development"

    def validate(self) -> None:
        if self.app_env not in ("development", "production", "test"):
            raise ConfigError(f"APP_ENV must be development, production or test (got {self.app_env!r})")
        if self.sender not in ("auto", "twilio", "console", "memory"):
            raise ConfigError(f"SENDER must be twilio, console, memory or auto (got {self.sender!r})")
        if self.twilio_whatsapp_from and not self.twilio_whatsapp_from.startswith("whatsapp:+"):
            raise ConfigError("TWILIO_WHATSAPP_FROM must look like whatsapp:+5511999999999")
        if not self.reminder_leads:
            raise ConfigError("REMINDER_LEADS must name at least one lead, such as 24h")

    def require_secrets(self) -> None:
        """Refuses a production start without the secrets the contract lists."""
        if not self.production:
            return
        for name in PRODUCTION_SECRETS:
            if not getattr(self, name.lower()):
                raise ConfigError(f"{name} is required when APP_ENV=production")
        if self.webhook_urls and not self.webhook_secret:
            raise ConfigError("WEBHOOK_SECRET is required when WEBHOOK_URLS is set and APP_ENV=production")

    @property
    def sender_kind(self) -> str:
        if self.sender != "auto":
            return self.sender
        if self.twilio_account_sid and self.twilio_auth_token and self.twilio_whatsapp_from:
            return "twilio"
        return "console"


def _positive_duration(value: str, name: str) -> dt.timedelta:
    duration = parse_duration(value, name)
    if duration.total_seconds() <= 0:
        raise ConfigError(f"{name} must be longer than zero (got {value!r})")
    return duration


def _switch(value: str, name: str) -> bool:
    """`on`/`off` (also true/false, 1/0, yes/no)."""
    text = value.strip().lower()
    if text in ("on", "true", "1", "yes"):
        return True
    if text in ("off", "false", "0", "no"):
        return False
    raise ConfigError(f"{name} must be on or off (got {value!r})")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE is not a known time zone: {name!r}") from None


def dev_api_token() -> str:
    """A throwaway token for `make run`."""
    return "dev-" + secrets.token_urlsafe(18)

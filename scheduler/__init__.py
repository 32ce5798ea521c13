"""Reminders and the outbox dispatcher, run by the worker (`python -m scheduler`)."""
from __future__ import annotations

import logging

from flask import Flask

logger = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Gives the app its sender (Twilio, console or memory, per SENDER)."""
    from bot.sender import make_sender

    settings = app.config["SETTINGS"]
    app.extensions["sender"] = make_sender(settings)
    if settings.production and not settings.twilio_reminder_content_sid:
        logger.warning("TWILIO_REMINDER_CONTENT_SID is unset: reminders go out as free text, which "
                       "WhatsApp refuses (error 63016) outside 24 hours after the customer's last message")


def start_in_process(app: Flask):
    """Runs the reminder and outbox pass in this process every SCHEDULER_INTERVAL (development
    only: `make run`). Returns the started BackgroundScheduler."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from scheduler.worker import build_dispatcher, run_pass

    settings = app.config["SETTINGS"]
    if settings.production:
        raise RuntimeError("the in-process scheduler is for development; run `python -m scheduler`")
    dispatcher = build_dispatcher(app)
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    scheduler.add_job(run_pass, "interval", args=(app, dispatcher), id="outbox",
                      seconds=settings.scheduler_interval.total_seconds(), coalesce=True, max_instances=1)
    scheduler.start()
    logger.info("in-process scheduler started: a pass every %s", settings.scheduler_interval)
    return scheduler

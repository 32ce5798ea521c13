"""The worker process: builds the app with create_app(), then runs the reminder and outbox pass
every SCHEDULER_INTERVAL with APScheduler (one job, coalesced, never two at once)."""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import signal
import sys
import threading
from collections.abc import Callable

import peewee
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from config import ConfigError
from scheduler.dispatch import Dispatcher, PassSummary
from storage.db import connection, is_unavailable

logger = logging.getLogger(__name__)


def build_dispatcher(app: Flask) -> Dispatcher:
    """A dispatcher with the app's settings and sender."""
    return Dispatcher(app.config["SETTINGS"], app.extensions["sender"])


def run_pass(app: Flask, dispatcher: Dispatcher) -> PassSummary | None:
    """One pass, with its own connection; a database outage is logged, not raised."""
    try:
        with app.app_context(), connection():
            summary = dispatcher.run_pass()
    except peewee.PeeweeException as exc:
        if is_unavailable(exc):
            logger.warning("pass skipped: database unavailable (%s)", type(exc).__name__)
            return None
        logger.error("pass failed", exc_info=True)
        return None
    logger.info(summary.line())
    return summary


def start_in_background(app: Flask) -> BackgroundScheduler:
    """Runs the pass in this process every SCHEDULER_INTERVAL, on a thread (development only:
    `make run`; production runs `python -m scheduler`)."""
    settings = app.config["SETTINGS"]
    if settings.production:
        raise RuntimeError("the in-process scheduler is for development; run `python -m scheduler`")
    scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
    scheduler.add_job(run_pass, "interval", args=(app, build_dispatcher(app)), id="outbox",
                      seconds=settings.scheduler_interval.total_seconds(), coalesce=True, max_instances=1)
    scheduler.start()
    return scheduler


def main(create_app: Callable[[], Flask], argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scheduler", description=__doc__)
    parser.add_argument("--once", action="store_true", help="run one pass and exit")
    args = parser.parse_args(argv)
    try:
        app = create_app()
        app.config["SETTINGS"].require_secrets()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    dispatcher = build_dispatcher(app)
    if args.once:
        summary = run_pass(app, dispatcher)
        dispatcher.close()
        raise SystemExit(0 if summary is not None else 1)

    interval = app.config["SETTINGS"].scheduler_interval
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(run_pass, "interval", args=(app, dispatcher), id="outbox", seconds=interval.total_seconds(),
                      coalesce=True, max_instances=1, next_run_time=dt.datetime.now(dt.UTC))

    stopper = threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, daemon=True)

    def stop(signum, _frame):
        if stopper.is_alive() or dispatcher.stopping.is_set():
            return
        logger.info("signal %s: finishing the current pass, releasing unsent claims", signum)
        dispatcher.stop()
        # shutdown(wait=True) waits for the running pass; not from inside the signal handler.
        stopper.start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info("worker started: a pass every %s", interval)
    scheduler.start()
    if stopper.ident is not None:
        stopper.join()  # the scheduler's loop can return before the running pass has finished
    dispatcher.close()
    logger.info("worker stopped")

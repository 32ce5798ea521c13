"""What `make run` and `flask chat` print: what happens, not the polling around it. The
simulator polls for outbound messages and runs scheduler passes every few seconds; those
requests, when they succeed, and the passes that did nothing are left out. Requests that fail,
passes that sent something and the outbound messages themselves (the console sender) stay."""
from __future__ import annotations

import logging
import re

POLLING = ("/dev/chat/outbox", "/dev/chat/pass", "/dev/chat/config", "/dev/static/")
_SUCCEEDED = re.compile(r'" [23][0-9][0-9] ')
IDLE_PASS = re.compile(r"^pass: created 0, sent 0, retried 0, failed 0, skipped 0 ")


class QuietPolling(logging.Filter):
    """Drops werkzeug's lines for the simulator's polling requests that succeeded."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not (any(path in text for path in POLLING) and _SUCCEEDED.search(text))


class QuietIdlePasses(logging.Filter):
    """Drops the scheduler's line for a pass that did nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not IDLE_PASS.match(record.getMessage())


def quiet_development_logs() -> None:
    """Installs both filters (once) on the loggers they quiet."""
    for name, kind in (("werkzeug", QuietPolling), ("scheduler.worker", QuietIdlePasses)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())

"""Log records on one line each: whatever a request carries (a `%0a` in a decoded path, a field
name, an exception's message) is written with its control characters escaped, so no request can
start a line of its own and pass it off as another record. Tracebacks keep their lines, indented
under the record they belong to."""
from __future__ import annotations

import logging
import unicodedata

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def escape(text: str) -> str:
    """The text with every control character (and line or paragraph separator) written as an
    escape: '\\n' for a newline, '\\x1b' for ESC."""
    if text.isprintable() or not any(_unsafe(c) for c in text):
        return text
    return "".join(c.encode("unicode_escape").decode("ascii") if _unsafe(c) else c for c in text)


def _unsafe(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def _indented(text: str) -> str:
    return "\n".join("    " + escape(line) for line in text.splitlines())


class OneLineFormatter(logging.Formatter):
    """A Formatter whose message is one line, and whose traceback lines are all indented."""

    def format(self, record: logging.LogRecord) -> str:
        safe = logging.makeLogRecord(record.__dict__)
        safe.msg, safe.args = escape(record.getMessage()), None
        trace = record.exc_text or (self.formatException(record.exc_info) if record.exc_info else None)
        safe.exc_info, safe.exc_text = None, _indented(trace) if trace else None
        safe.stack_info = _indented(record.stack_info) if record.stack_info else None
        return super().format(safe)

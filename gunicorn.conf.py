"""gunicorn settings for `web:` (Procfile). Environment: PORT, WEB_CONCURRENCY, WEB_THREADS."""
import os
import sys

from gunicorn import glogging

from logs import OneLineFormatter, escape

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads, not sync workers: a slow client (one byte a second) then holds one thread of its
# worker instead of the whole worker, and a connection that has sent nothing yet holds none.
# Bodies are small (128 KiB at most, bot/inbound.py), so no worker buffers much for anyone.
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = 30
graceful_timeout = 20
accesslog = "-"
# No request bodies or query strings in the access log: they carry message text and phones.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


class OneLineLogger(glogging.Logger):
    """gunicorn's logger, one line per record: the decoded path (`%0a`) and everything else a
    request puts in the access or error log is written with its control characters escaped."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: escape(value) if isinstance(value, str) else value for key, value in atoms.items()}

    def _set_handler(self, log, output, fmt, stream=None):
        super()._set_handler(log, output, OneLineFormatter(fmt._fmt, fmt.datefmt), stream)


logger_class = OneLineLogger


def on_starting(server):
    """Refuses to start, in one line, when production secrets are missing; empties the metrics directory."""
    from config import ConfigError, Settings

    try:
        Settings.load().require_secrets()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        sys.exit(2)
    _empty_metrics_dir()


def _empty_metrics_dir() -> None:
    """PROMETHEUS_MULTIPROC_DIR (metrics.py): each start begins with no old processes' files."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not path:
        return
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))


def child_exit(server, worker):
    """A worker that exits leaves its counters to the others' sum, but not its live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

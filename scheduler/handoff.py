"""The web process's hand-off: right after a turn commits, its replies go to Twilio (and a voice
note to the speech-to-text service) on a small pool of threads, so no request waits for them and
the webhook answers at once. Whatever a process could not finish, the worker finishes."""
from __future__ import annotations

import concurrent.futures
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from flask import Flask

from scheduler import replies, voice
from storage.db import connection

logger = logging.getLogger(__name__)

THREADS = 4


class Handoff:
    def __init__(self, app: Flask):
        self.app = app
        self.pool = ThreadPoolExecutor(THREADS, thread_name_prefix="handoff")
        self._pending: set[Future] = set()
        self._lock = threading.Lock()

    def replies(self, person_id: int) -> None:
        """Sends the person's replies now, in order."""
        self._submit(replies.deliver, person_id)

    def voice(self, person_id: int) -> None:
        """Transcribes the person's voice note, answers it and what waits behind it, and sends."""
        self._submit(voice.process, person_id)

    def _submit(self, job, person_id: int) -> None:
        future = self.pool.submit(self._run, job, person_id)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def _run(self, job, person_id: int) -> None:
        try:
            with self.app.app_context(), connection():
                job(person_id, self.app.config["SETTINGS"], self.app.extensions["sender"])
        except Exception:  # the worker retries what is left; the cause goes to the log
            logger.exception("hand-off to Twilio failed; the worker will finish it")

    def wait(self, timeout: float = 60.0) -> None:
        """Waits for what was handed off so far (tests and the simulators)."""
        with self._lock:
            pending = list(self._pending)
        concurrent.futures.wait(pending, timeout=timeout)


def init_app(app: Flask) -> None:
    app.extensions["handoff"] = Handoff(app)

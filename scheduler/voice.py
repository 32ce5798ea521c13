"""Voice notes: downloaded from Twilio with the account's credentials, transcribed by an
OpenAI-compatible speech-to-text service (`POST {STT_URL}` multipart `file` + `model`, answer
`{"text": ...}`), then answered exactly as if the text had been typed.

No web worker waits for this: the webhook records the note as waiting and answers at once; the
web process runs `process` on a thread of its own, and the worker picks up what a dead process
left. The person's later messages wait behind the note and are answered after it, in order.
"""
from __future__ import annotations

import datetime as dt
import io
import logging

import mutagen
import requests

from bot import engine
from bot.turn import Inbound
from config import Settings
from scheduler import replies
from scheduler.sender import Sender
from storage.models import InboundMessage

logger = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024  # a WhatsApp voice note is ~2 KB a second: minutes, not hours
MAX_SECONDS = 180
TIMEOUT = 30  # seconds, for the download and for the transcription each
STALLED = dt.timedelta(seconds=45)  # a waiting message older than this was left by a dead process


class Unheard(Exception):
    """The voice note could not be turned into text (too long, unreachable, empty...)."""


def _download(url: str, settings: Settings) -> tuple[bytes, str]:
    auth = (settings.twilio_account_sid, settings.twilio_auth_token) if settings.twilio_account_sid else None
    with requests.get(url, auth=auth, timeout=TIMEOUT, stream=True) as response:
        if response.status_code != 200:
            raise Unheard(f"media download answered {response.status_code}")
        if int(response.headers.get("Content-Length") or 0) > MAX_BYTES:
            raise Unheard("voice note too large")
        data = b""
        for chunk in response.iter_content(64 * 1024):
            data += chunk
            if len(data) > MAX_BYTES:
                raise Unheard("voice note too large")
        return data, response.headers.get("Content-Type", "audio/ogg").split(";")[0]


def _seconds(data: bytes) -> float | None:
    """The recording's length, when its container says (Ogg/Opus, MP3, M4A...)."""
    try:
        audio = mutagen.File(io.BytesIO(data))
    except Exception:  # a format mutagen does not know: the size limit still holds
        return None
    return audio.info.length if audio is not None and audio.info else None


def transcribe(inbound: Inbound, settings: Settings) -> str:
    """The text of a voice note; raises Unheard when there is none."""
    data, content_type = _download(inbound.media_url, settings)
    length = _seconds(data)
    if length is not None and length > MAX_SECONDS:
        raise Unheard(f"voice note of {length:.0f} s")
    extension = {"audio/ogg": "ogg", "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/amr": "amr",
                 "audio/wav": "wav", "audio/x-wav": "wav", "audio/webm": "webm"}.get(content_type, "ogg")
    headers = {"Authorization": f"Bearer {settings.stt_api_key}"} if settings.stt_api_key else {}
    try:
        response = requests.post(settings.stt_url, headers=headers, timeout=TIMEOUT,
                                 data={"model": settings.stt_model, "language": "pt"},
                                 files={"file": (f"voice.{extension}", data, content_type)})
    except requests.RequestException as exc:
        raise Unheard(f"speech-to-text unreachable: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise Unheard(f"speech-to-text answered {response.status_code}")
    try:
        text = response.json().get("text")
    except ValueError:
        raise Unheard("speech-to-text answered no JSON") from None
    if not isinstance(text, str) or not text.strip():
        raise Unheard("nothing was said")
    return " ".join(text.split())[:1000]


def process(person_id: int, settings: Settings, sender: Sender) -> None:
    """Answers the person's waiting messages in order, transcribing voice notes on the way, then
    hands the replies to Twilio."""
    heard: dict[int, str | None] = {}
    while True:
        row = InboundMessage.waiting_for(person_id).first()
        if row is None:
            break
        inbound = Inbound(**row.waiting)
        if inbound.voice and row.id not in heard:
            try:
                heard[row.id] = transcribe(inbound, settings)
            except (Unheard, requests.RequestException) as exc:
                logger.warning("a voice note was not transcribed: %s", exc)
                heard[row.id] = None
        if not engine.run_waiting(person_id, settings, heard):
            break
    replies.deliver(person_id, settings, sender)


def stalled(now: dt.datetime) -> list[int]:
    """The people with a message waiting since before STALLED: a process died on it."""
    rows = (InboundMessage.select(InboundMessage.user).distinct()
            .where(InboundMessage.waiting.is_null(False) & (InboundMessage.created_at < now - STALLED)
                   & InboundMessage.user.is_null(False))
            .tuples())
    return [person for (person,) in rows]

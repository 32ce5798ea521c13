"""The physical ceiling: a bare Flask endpoint that checks the same Twilio signature as the
real webhook and returns a fixed TwiML reply. No database, no conversation."""
from __future__ import annotations

import os

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator

REPLY = ('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Como posso te ajudar?</Message>'
         "</Response>")


def create_app() -> Flask:
    app = Flask(__name__)
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])

    @app.post("/whatsapp")
    def webhook():
        if not validator.validate(request.url, request.form, request.headers.get("X-Twilio-Signature", "")):
            return Response("Forbidden", status=403)
        return Response(REPLY, mimetype="application/xml")

    return app

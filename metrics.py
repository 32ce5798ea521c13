"""What /metrics exposes (Prometheus text format, `prometheus_client`).

Two sources, each correct with any number of web and worker processes:

- The database, read at scrape time: messages received (inbound_messages), sent and failed by
  kind (outbound_messages by kind and status), reminders sent, webhook deliveries, the outbox
  backlog and the age of its oldest pending row, open handoffs. Every process writes these rows,
  so one scrape of any web process sees them all. The queries read indexes only
  (outbound_messages (kind, status) and (status, created_at), handoffs' unique open_for).
  A count of rows is a counter that never resets with a restart; a message Twilio reports failed
  after accepting it moves from sent to failed, which Prometheus reads as a (rare) counter reset.
- This process: the turn latency histogram, which only the process that ran the turn knows.
  With several gunicorn workers set PROMETHEUS_MULTIPROC_DIR to an empty directory (gunicorn.conf.py
  empties it at start and marks dead workers): each process then writes its observations
  there and a scrape sums them all (the library's multiprocess mode). Without it, a scrape shows
  the histogram of the one process that answered.
"""
from __future__ import annotations

import datetime as dt
import os

import peewee
from prometheus_client import CollectorRegistry, Histogram, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from storage.models import Handoff, InboundMessage, OutboundMessage, OutboxKind, OutboxStatus

__all__ = ["CONTENT_TYPE_LATEST", "TURN_SECONDS", "exposition"]

# Observed in this process (and, in multiprocess mode, written to PROMETHEUS_MULTIPROC_DIR).
PROCESS = CollectorRegistry(auto_describe=True)
TURN_SECONDS = Histogram(
    "agendador_turn_duration_seconds", "Time to answer one inbound WhatsApp message (webhook turn)",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0), registry=PROCESS)

SENT = {OutboxStatus.SENT.value, OutboxStatus.DELIVERED.value, OutboxStatus.READ.value}


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class DatabaseCollector:
    """The figures the database already knows, computed at each scrape."""

    def __init__(self, now: dt.datetime):
        self.now = now

    def collect(self):
        m = OutboundMessage
        by_kind_status = list(m.select(m.kind, m.status, peewee.fn.COUNT(m.id)).group_by(m.kind, m.status).tuples())

        received = CounterMetricFamily("agendador_messages_received", "Inbound WhatsApp messages received")
        received.add_metric([], InboundMessage.select().count())
        yield received

        sent = CounterMetricFamily("agendador_messages_sent", "WhatsApp messages the worker sent, by kind",
                                   labels=["kind"])
        failed = CounterMetricFamily("agendador_messages_failed", "WhatsApp messages that failed for good, by kind",
                                     labels=["kind"])
        backlog = GaugeMetricFamily("agendador_outbox_backlog", "Outbox rows waiting to be sent (pending), by kind",
                                    labels=["kind"])
        totals: dict[tuple[str, str], int] = {}
        for kind, status, count in by_kind_status:
            kind = kind.value if isinstance(kind, OutboxKind) else kind
            status = status.value if isinstance(status, OutboxStatus) else status
            bucket = "sent" if status in SENT else status
            totals[(kind, bucket)] = totals.get((kind, bucket), 0) + count
        messages = [k.value for k in OutboxKind if k != OutboxKind.WEBHOOK]
        for kind in messages:
            sent.add_metric([kind], totals.get((kind, "sent"), 0))
            failed.add_metric([kind], totals.get((kind, OutboxStatus.FAILED.value), 0))
        for kind in OutboxKind:
            backlog.add_metric([kind.value], totals.get((kind.value, OutboxStatus.PENDING.value), 0))
        yield sent
        yield failed

        reminders = CounterMetricFamily("agendador_reminders_sent", "Reminders the worker sent")
        reminders.add_metric([], totals.get((OutboxKind.REMINDER.value, "sent"), 0))
        yield reminders

        webhook = OutboxKind.WEBHOOK.value
        delivered = CounterMetricFamily("agendador_webhook_deliveries", "Webhook events a receiver accepted (2xx)")
        delivered.add_metric([], totals.get((webhook, "sent"), 0))
        yield delivered
        given_up = CounterMetricFamily("agendador_webhook_deliveries_failed",
                                       "Webhook events given up after WEBHOOK_MAX_ATTEMPTS failed attempts")
        given_up.add_metric([], totals.get((webhook, OutboxStatus.FAILED.value), 0))
        yield given_up

        yield backlog
        oldest = (m.select(m.created_at).where(m.status == OutboxStatus.PENDING)
                  .order_by(m.created_at).limit(1).scalar())
        age = GaugeMetricFamily("agendador_outbox_oldest_pending_age_seconds",
                                "Age of the oldest pending outbox row (0 when none)")
        age.add_metric([], max(0.0, (self.now - oldest).total_seconds()) if oldest else 0.0)
        yield age

        handoffs = GaugeMetricFamily("agendador_handoffs_open", "Chats handed to a person and not yet closed")
        handoffs.add_metric([], Handoff.select().where(Handoff.open_for.is_null(False)).count())
        yield handoffs


def exposition(now: dt.datetime) -> bytes:
    """Every metric, in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(TURN_SECONDS)
    registry.register(DatabaseCollector(now))
    return generate_latest(registry)

"""Renders bench/RESULTS.md from a run's figures, the targets, and the optimisation log."""
from __future__ import annotations

import os

from bench.common import ROOT

HISTORY = os.path.join(ROOT, "bench", "history.md")


def _check(ok: bool) -> str:
    return "met" if ok else "**missed**"


def write(results: dict) -> None:
    m, w, s, r = results["machine"], results["webhook"], results["scale"], results["reminders"]
    my, sq = w["mysql"], w["sqlite"]
    small, large = s["10000"], s["1000000"]
    peak_rss = max(my["web_worker_peak_rss_mb"], sq["web_worker_peak_rss_mb"])
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {m['date']}, in {m['total_minutes']} minutes.",
        "",
        "| machine | |",
        "|---|---|",
        f"| cores | {m['cores']} |",
        f"| CPU | {m['cpu']} |",
        f"| Python | {m['python']} |",
        f"| databases | MariaDB {m['database']} (defaults: durable commits); SQLite (WAL, synchronous=FULL) |",
        f"| load generator | {m['wrk']}, and `bench/loadgen.py` (asyncio) |",
        "",
        "Everything runs on this one machine: gunicorn, MariaDB, the load generator and the fake",
        "Twilio server share its cores, as in the figures the targets were set from.",
        "",
        "## Floors",
        "",
        "Floors, not targets: the design is kept simple (one path through a turn) and must stay above",
        "these; a speed-up that needs a second code path must buy at least 2x (bench/history.md).",
        "",
        "| floor | result | |",
        "|---|---|---|",
        f"| menu path on MariaDB >= 0.22 of the ceiling | {my['menu_ratio']} | {_check(my['menu_ratio'] >= 0.22)} |",
        f"| menu path on SQLite >= 0.40 of the ceiling | {sq['menu_ratio']} | {_check(sq['menu_ratio'] >= 0.40)} |",
        f"| p99 < 25 ms at 80 messages/s, MariaDB | {my['steady_80']['p99_ms']} ms | {_check(my['steady_80']['p99_ms'] < 25)} |",
        f"| p99 < 25 ms at 80 messages/s, SQLite | {sq['steady_80']['p99_ms']} ms | {_check(sq['steady_80']['p99_ms'] < 25)} |",
        f"| reply handed to Twilio within 300 ms (p95) at 80 messages/s, MariaDB | {my['handoff']['p95_ms']} ms"
        f" | {_check(my['handoff']['p95_ms'] < 300)} |",
        f"| reply handed to Twilio within 300 ms (p95) at 80 messages/s, SQLite | {sq['handoff']['p95_ms']} ms"
        f" | {_check(sq['handoff']['p95_ms'] < 300)} |",
        f"| booking at 1M rows <= 1.5x the cost at 10k | {large['book_ms']} ms vs {small['book_ms']} ms"
        f" ({s['book_ratio']}x) | {_check(s['book_ratio'] <= 1.5)} |",
        f"| free slots at 1M within 1.5x of 10k | {large['free_slots_ms']} ms vs {small['free_slots_ms']} ms"
        f" ({s['free_slots_ratio']}x) | {_check(s['free_slots_ratio'] <= 1.5)} |",
        f"| 10,000 reminders created in < 2 s, set-based | {r['create_seconds']} s | {_check(r['create_seconds'] < 2)} |",
        f"| dispatch >= 300 messages/s per worker, no limit | {r['unlimited']['per_second']}/s"
        f" | {_check(r['unlimited']['per_second'] >= 300)} |",
        f"| with the limit, 80/s +-5% | {r['limited']['per_second']}/s ({r['limited']['deviation_pct']:+}%)"
        f" | {_check(abs(r['limited']['deviation_pct']) <= 5)} |",
        f"| web worker RSS < 100 MB | {peak_rss} MB | {_check(peak_rss < 100)} |",
        "",
        "## Webhook throughput",
        "",
        f"gunicorn `-c gunicorn.conf.py --workers {w['workers']}` (threaded workers) for every target, with signature"
        " checking on, in one run: the ceiling, then the app on MariaDB and on SQLite (`bench/out/bench.db`, WAL,"
        " synchronous=FULL). Every request is a new, signed message (a new MessageSid). INTERACTIVE=off here (TwiML"
        " answers, like the ceiling's); the reply hand-off has its own table below.",
        "",
        "| target | load | messages/s | p50 | p99 | ratio |",
        "|---|---|---|---|---|---|",
        f"| ceiling: bare Flask, same signature check, fixed TwiML | wrk, 32 connections | {w['ceiling']['per_second']}"
        f" | {w['ceiling']['p50_ms']} ms | {w['ceiling']['p99_ms']} ms | 1 |",
        f"| ceiling, scripted clients | loadgen, 200 clients | {w['ceiling_scripts']['per_second']}"
        f" | {w['ceiling_scripts']['p50_ms']} ms | {w['ceiling_scripts']['p99_ms']} ms | 1 |",
    ]
    for name, f in (("MariaDB", my), ("SQLite", sq)):
        lines += [
            f"| {name}: menu path, `menu` / `meus agendamentos`, 1,000 phones | wrk, 32 connections"
            f" | {f['menu']['per_second']} | {f['menu']['p50_ms']} ms | {f['menu']['p99_ms']} ms | {f['menu_ratio']} |",
            f"| {name}: booking path, 200 phones at once, 3 full bookings each | loadgen, 200 clients"
            f" | {f['booking']['per_second']} | {f['booking']['p50_ms']} ms | {f['booking']['p99_ms']} ms"
            f" | {f['booking_ratio']} |",
            f"| {name}: steady 80 messages/s (menu path, open loop) | loadgen --rate 80 | {f['steady_80']['per_second']}"
            f" | {f['steady_80']['p50_ms']} ms | {f['steady_80']['p99_ms']} ms | |",
        ]
    lines += [
        "",
        f"Bookings made: MariaDB {my['booking'].get('appointments', '?')}, SQLite {sq['booking'].get('appointments', '?')}"
        " (600 expected each). Errors: MariaDB menu"
        f" {my['menu']['errors']} socket, {my['menu']['non_2xx']} non-2xx; SQLite menu {sq['menu']['errors']} socket,"
        f" {sq['menu']['non_2xx']} non-2xx.",
        "",
        "## Reply hand-off (INTERACTIVE=on)",
        "",
        "Each reply is an outbox row written in the turn's transaction and handed to Twilio (the fake, its own"
        " process) by the web process right after the commit. From the moment the load generator sent a message to"
        " the moment its reply reached the fake, at a steady 80 messages a second, each from its own phone:",
        "",
        "| database | replies | p50 | p95 | p99 | webhook answer p99 |",
        "|---|---|---|---|---|---|",
        f"| MariaDB | {my['handoff']['replies']} | {my['handoff']['p50_ms']} ms | {my['handoff']['p95_ms']} ms"
        f" | {my['handoff']['p99_ms']} ms | {my['handoff']['webhook_p99_ms']} ms |",
        f"| SQLite | {sq['handoff']['replies']} | {sq['handoff']['p50_ms']} ms | {sq['handoff']['p95_ms']} ms"
        f" | {sq['handoff']['p99_ms']} ms | {sq['handoff']['webhook_p99_ms']} ms |",
        "",
        "Commands: `" + w["ceiling"]["command"] + "`; `" + my["booking"]["command"] + "`; `"
        + my["steady_80"]["command"] + "`.",
        "",
        "## Booking at scale",
        "",
        f"{s['professionals']} professionals, {s['years']} years of appointments (one in ten cancelled), bulk-inserted;"
        f" medians of {s['samples']} runs in one process.",
        "",
        "| rows | seeding | free slots of one professional, one day (p99) | booking transaction (p99) |",
        "|---|---|---|---|",
        f"| {small['rows']:,} | {small['seed_seconds']} s | {small['free_slots_ms']} ms ({small['free_slots_p99_ms']} ms)"
        f" | {small['book_ms']} ms ({small['book_p99_ms']} ms) |",
        f"| {large['rows']:,} | {large['seed_seconds']} s | {large['free_slots_ms']} ms ({large['free_slots_p99_ms']} ms)"
        f" | {large['book_ms']} ms ({large['book_p99_ms']} ms) |",
        f"| 1M / 10k | | {s['free_slots_ratio']}x | {s['book_ratio']}x |",
        "",
        "`EXPLAIN` at 1M rows:",
        "",
    ]
    for name, plan in s["explain"].items():
        lines.append(f"- {name}: " + "; ".join(f"`{row}`" for row in plan))
    lines += [
        "",
        "## Reminders",
        "",
        f"{r['due']:,} booked appointments with their 2h reminder due; a real worker (`python -m scheduler --once`)"
        " sends through the real `twilio` client to the fake Twilio server (`tests/fake_twilio.py`, its own process).",
        "",
        "| step | figure |",
        "|---|---|",
        f"| creating the reminder rows (two `INSERT ... SELECT` per lead) | {r['create_seconds']} s for"
        f" {r['created']['pending']:,} pending + {r['created']['skipped']:,} skipped |",
        f"| dispatch, no rate limit | {r['unlimited']['per_second']} messages/s ({r['unlimited']['sent']:,} sent) |",
        f"| dispatch at `OUTBOX_RATE=80` | {r['limited']['per_second']}/s over {r['limited']['sent']:,} messages"
        f" ({r['limited']['deviation_pct']:+}%); busiest second {r['limited']['busiest_second']},"
        f" quietest {r['limited']['quietest_second']} |",
        f"| worker's log line (no limit) | `{r['unlimited']['summary']}` |",
        "",
        "## Memory",
        "",
        f"- web worker (gunicorn threaded worker, peak over the webhook runs): {peak_rss} MB",
        f"- scheduler worker (peak over the dispatch runs): {r['worker_peak_rss_mb']} MB",
        "",
    ]
    if os.path.exists(HISTORY):
        with open(HISTORY) as history:
            lines.append(history.read().rstrip() + "\n")
    with open(os.path.join(ROOT, "bench", "RESULTS.md"), "w") as out:
        out.write("\n".join(lines))

"""Renders bench/RESULTS.md from a run's figures, the targets, and the optimisation log."""
from __future__ import annotations

import os

from bench.common import ROOT

HISTORY = os.path.join(ROOT, "bench", "history.md")


def _check(ok: bool) -> str:
    return "met" if ok else "**missed**"


def write(results: dict) -> None:
    m, w, s, r = results["machine"], results["webhook"], results["scale"], results["reminders"]
    small, large = s["10000"], s["1000000"]
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
        f"| database | MariaDB {m['database']} (defaults: durable commits) |",
        f"| load generator | {m['wrk']}, and `bench/loadgen.py` (asyncio) |",
        "",
        "Everything runs on this one machine: gunicorn, MariaDB, the load generator and the fake",
        "Twilio server share its cores, as in the figures the targets were set from.",
        "",
        "## Targets",
        "",
        "| target | result | |",
        "|---|---|---|",
        f"| menu path >= 0.40 of the ceiling | {w['menu_ratio']} | {_check(w['menu_ratio'] >= 0.40)} |",
        f"| booking path >= 0.25 of the ceiling | {w['booking_ratio']} | {_check(w['booking_ratio'] >= 0.25)} |",
        f"| p99 < 25 ms at 80 messages/s | {w['steady_80']['p99_ms']} ms | {_check(w['steady_80']['p99_ms'] < 25)} |",
        f"| free slots at 1M within 1.5x of 10k, < 5 ms | {large['free_slots_ms']} ms vs {small['free_slots_ms']} ms"
        f" ({s['free_slots_ratio']}x) | {_check(s['free_slots_ratio'] <= 1.5 and large['free_slots_ms'] < 5)} |",
        f"| booking at 1M within 1.5x of 10k, < 5 ms | {large['book_ms']} ms vs {small['book_ms']} ms"
        f" ({s['book_ratio']}x) | {_check(s['book_ratio'] <= 1.5 and large['book_ms'] < 5)} |",
        f"| 10,000 reminders created in < 2 s, set-based | {r['create_seconds']} s | {_check(r['create_seconds'] < 2)} |",
        f"| dispatch >= 300 messages/s per worker, no limit | {r['unlimited']['per_second']}/s"
        f" | {_check(r['unlimited']['per_second'] >= 300)} |",
        f"| with the limit, 80/s +-5% | {r['limited']['per_second']}/s ({r['limited']['deviation_pct']:+}%)"
        f" | {_check(abs(r['limited']['deviation_pct']) <= 5)} |",
        f"| web worker RSS < 100 MB | {w['web_worker_peak_rss_mb']} MB | {_check(w['web_worker_peak_rss_mb'] < 100)} |",
        "",
        "## Webhook throughput",
        "",
        f"gunicorn `-c gunicorn.conf.py --workers {w['workers']}` (sync workers) for both targets, on MariaDB, with"
        " signature checking on. Every request is a new, signed message (a new MessageSid).",
        "",
        "| target | load | messages/s | p50 | p99 | ratio |",
        "|---|---|---|---|---|---|",
        f"| ceiling: bare Flask, same signature check, fixed TwiML | wrk, 32 connections | {w['ceiling']['per_second']}"
        f" | {w['ceiling']['p50_ms']} ms | {w['ceiling']['p99_ms']} ms | 1 |",
        f"| menu path: `menu` / `meus agendamentos`, 1,000 phones | wrk, 32 connections | {w['menu']['per_second']}"
        f" | {w['menu']['p50_ms']} ms | {w['menu']['p99_ms']} ms | {w['menu_ratio']} |",
        f"| ceiling, scripted clients | loadgen, 200 clients | {w['ceiling_scripts']['per_second']}"
        f" | {w['ceiling_scripts']['p50_ms']} ms | {w['ceiling_scripts']['p99_ms']} ms | 1 |",
        f"| booking path: 200 phones at once, 3 full bookings each, in order | loadgen, 200 clients"
        f" | {w['booking']['per_second']} | {w['booking']['p50_ms']} ms | {w['booking']['p99_ms']} ms"
        f" | {w['booking_ratio']} |",
        f"| steady 80 messages/s (menu path, open loop) | loadgen --rate 80 | {w['steady_80']['per_second']}"
        f" | {w['steady_80']['p50_ms']} ms | {w['steady_80']['p99_ms']} ms | |",
        "",
        f"The booking run made {w['booking'].get('appointments', '?')} appointments (600 expected). Errors:"
        f" menu {w['menu']['errors']} socket, {w['menu']['non_2xx']} non-2xx; booking {w['booking']['errors'] or 'none'}.",
        "With 200 clients queueing on the workers, the booking path's latency is mostly waiting for a worker.",
        "",
        "Commands: `" + w["ceiling"]["command"] + "`; `" + w["booking"]["command"] + "`; `"
        + w["steady_80"]["command"] + "`.",
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
        f"- web worker (gunicorn sync worker, peak over the webhook runs): {w['web_worker_peak_rss_mb']} MB",
        f"- scheduler worker (peak over the dispatch runs): {r['worker_peak_rss_mb']} MB",
        "",
    ]
    if os.path.exists(HISTORY):
        with open(HISTORY) as history:
            lines.append(history.read().rstrip() + "\n")
    with open(os.path.join(ROOT, "bench", "RESULTS.md"), "w") as out:
        out.write("\n".join(lines))

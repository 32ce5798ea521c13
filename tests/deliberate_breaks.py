"""Proof that the reliability tests can fail: applies one deliberate break to the code at a
time, runs the tests that guard it, prints whether they caught it, and restores the file.

    .venv/bin/python tests/deliberate_breaks.py        # all of them (needs the local MariaDB)
    .venv/bin/python tests/deliberate_breaks.py 0 3    # some of them, by index

Never run it while editing: it rewrites the files it breaks (and restores them).
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "TEST_DATABASE_URL": os.environ.get("TEST_DATABASE_URL", "mysql://root@127.0.0.1:3306/test")}
BREAKS = [
    ("no-overlap: professional row lock removed", "storage/booking.py",
     "        locked = [row[0] for row in locking(query.order_by(Professional.id)).tuples()]",
     "        locked = [row[0] for row in query.order_by(Professional.id).tuples()]",
     ["tests/test_storage.py::test_ten_processes_racing_for_overlapping_times_one_wins[mysql]",
      "tests/test_reliability.py::test_twenty_customers_confirming_the_same_slot_one_wins[mysql]",
      "tests/test_professionals.py::test_ten_concurrent_any_bookings_with_three_professionals[mysql]"]),
    ("dedupe: the reply stored for a MessageSid is never looked up", "bot/engine.py",
     "    seen = InboundMessage.reply_to(inbound.sid)",
     "    seen = None",
     ["tests/test_reliability.py::test_the_same_message_sid_five_times_at_once_has_one_effect[mysql]",
      "tests/test_conversation.py::test_concurrent_deliveries_of_one_message_sid_have_one_effect[mysql]"]),
    ("outage: webhook lets database errors through (the app's 503 error, not the kind TwiML)", "bot/webhook.py",
     "        if is_unavailable(exc):\n            logger.warning(\"database unavailable while answering a message: %s\", type(exc).__name__)\n            return twiml(texts.UNAVAILABLE)",
     "        if is_unavailable(exc):\n            raise",
     ["tests/test_reliability.py::test_a_database_outage_is_answered_kindly_and_survived[mysql]"]),
    ("worker crash: claim by SELECT then UPDATE (not conditional)", "scheduler/dispatch.py",
     "                claim = claim.where(condition).order_by(*order).limit(limit - claimed)",
     "                ids = [r.id for r in m.select(m.id).where(condition).order_by(*order).limit(limit - claimed)]\n"
     "                time.sleep(0.01)\n"
     "                claim = claim.where(m.id.in_(ids or [0]))",
     ["tests/test_worker_processes.py::test_three_workers_at_once_send_500_reminders_exactly_once[mysql]"]),
    ("fuzzing: an off-by-one in reading numbered answers", "bot/choices.py",
     "    return n - 1 if n is not None and 1 <= n <= count else None",
     "    return n - 1 if n is not None and 1 <= n <= count + 1 else None",
     ["tests/test_conversation_fuzz.py", "tests/test_fuzz_stateful.py"]),
    ("forgery: signature check skipped", "bot/webhook.py",
     "    signature = request.headers.get(\"X-Twilio-Signature\", \"\")\n    if not signature:\n        return False\n    return RequestValidator(token).validate(signed_url(), request.form, signature)",
     "    return True",
     ["tests/test_security.py", "tests/test_conversation.py::test_forged_or_missing_signatures_are_403_and_change_nothing[mysql]"]),
    ("access: API token compared with ==, and an empty token accepted", "api/routes.py",
     "    ok = bool(expected) and scheme.lower() == \"bearer\" and hmac.compare_digest(\n        given.strip().encode(), expected.encode())",
     "    ok = scheme.lower() == \"bearer\" and (given.strip() == (expected or \"\"))",
     ["tests/test_security.py", "tests/test_api.py"]),
    ("abuse: rate limit off", "bot/flows/guards.py",
     "    over = turn.recent + 1 - turn.settings.rate_limit_per_minute",
     "    over = 0",
     ["tests/test_security.py"]),
    ("rules: the customers' change notice read from the booking notice", "storage/booking.py",
     "    if policy.change_notice and appointment.date - now < rules.change_notice:",
     "    if policy.change_notice and appointment.date - now < rules.min_notice:",
     ["tests/test_conversation.py::test_the_change_notice_is_its_own_rule_not_the_booking_notice"]),
    ("secrets: message text logged at INFO", "bot/webhook.py",
     "    settings = current_app.config[\"SETTINGS\"]\n    try:\n        reply = engine.handle(message, settings)",
     "    settings = current_app.config[\"SETTINGS\"]\n    logger.info(\"message: %s\", message.text)\n    try:\n        reply = engine.handle(message, settings)",
     ["tests/test_conversation.py", "tests/test_zz_log_secrets.py"]),
    ("webhooks: the signature leaves the timestamp out of what it signs", "scheduler/webhooks.py",
     "    mac = hmac.new(secret.encode(), f\"{timestamp}.\".encode() + body, hashlib.sha256).hexdigest()",
     "    mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()",
     ["tests/test_outbound_webhooks.py"]),
    ("webhooks: an outcome recorded again is told again", "storage/booking.py",
     "        if AppointmentStatus(before) != status:",
     "        if AppointmentStatus(before) or True:",
     ["tests/test_outbound_webhooks.py"]),
    ("calendar: a professional's feed shows every appointment", "storage/calendar_feeds.py",
     "        query = query.where(Appointment.professional == feed.professional_id)",
     "        query = query",
     ["tests/test_calendar_feed.py"]),
    ("metrics: a scrape shows only the histogram of the worker that answers it", "metrics.py",
     "    if multiprocess_dir():",
     "    if False:",
     ["tests/test_metrics.py"]),
    ("marketing: the weekly cap read before the write, not in the conditional update", "scheduler/marketing.py",
     "            won = User.update(marketing_last_at=now).where((User.id == user.id) & _reachable()\n"
     "                                                           & _week_free(now)).execute()",
     "            won = User.update(marketing_last_at=now).where((User.id == user.id) & _reachable()).execute()",
     ["tests/test_marketing.py::test_the_week_is_taken_by_the_conditional_update_not_by_what_a_worker_read_before[mysql]",
      "tests/test_marketing.py::test_two_workers_running_the_pass_at_once_send_each_message_once[mysql]"]),
    ("no-shows: the six-month window ignored", "storage/booking.py",
     "                                       & (Appointment.date > since) & (Appointment.date <= now)).count())",
     "                                       & (Appointment.date <= now)).count())",
     ["tests/test_no_show_rules.py::test_only_no_shows_of_the_last_six_months_count[mysql]"]),
]


def main() -> None:
    only = sys.argv[1:]
    for i, (name, path, old, new, tests) in enumerate(BREAKS):
        if only and str(i) not in only:
            continue
        full = os.path.join(ROOT, path)
        with open(full) as handle:
            original = handle.read()
        assert old in original, (name, "pattern not found")
        with open(full, "w") as handle:
            handle.write(original.replace(old, new, 1))
        try:
            done = subprocess.run([os.path.join(ROOT, ".venv", "bin", "pytest"), "-q", "-x", "-p", "no:cacheprovider",
                                   *tests], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900)
            last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-200:]
            failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
            print(f"{name}: {'CAUGHT' if done.returncode else 'NOT CAUGHT'} -- {last} {failed[:2]}", flush=True)
        finally:
            with open(full, "w") as handle:
                handle.write(original)


if __name__ == "__main__":
    main()

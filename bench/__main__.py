"""`make bench`: every benchmark, then bench/RESULTS.md with the machine, the date, each figure,
the commands, and how it compares with the targets."""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time

from bench import common


def machine() -> dict:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    server = subprocess.run(["mysql", "-uroot", "-h127.0.0.1", "-N", "-e", "SELECT VERSION()"],
                            capture_output=True, text=True).stdout.strip()
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {"cores": os.cpu_count(), "cpu": model, "python": platform.python_version(), "database": server or "?",
            "wrk": wrk[0] if wrk else "?", "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not shutil.which("wrk"):
        raise SystemExit("make bench needs wrk (Debian's wrk package)")


def app_for_bench():
    """The app on the bench's MariaDB database, for the in-process parts (seeding, timing)."""
    from app import create_app

    # The bench's own connection seeds a million rows in one statement: no 5-second read timeout.
    url = common.database_url() + "?read_timeout=900&write_timeout=900"
    return create_app({"database_url": url, "app_env": "test", "sender": "memory", "daily_summary_at": None})


def main() -> None:
    from bench import reminder_bench, report, scale_bench, webhook_bench

    ensure_wrk()
    started = time.monotonic()
    results: dict = {"machine": machine()}
    only = set(sys.argv[1:]) or {"webhook", "scale", "reminders"}
    for name, module in (("webhook", webhook_bench), ("scale", scale_bench), ("reminders", reminder_bench)):
        if name not in only:
            continue
        print(f"bench: {name} ...", flush=True)
        common.recreate_database()  # the webhook runs also make their own, on each database
        module.run(app_for_bench(), results)
        print(json.dumps(results.get(name), indent=1, default=str)[:3000], flush=True)
    results["machine"]["total_minutes"] = round((time.monotonic() - started) / 60, 1)
    os.makedirs(common.OUT, exist_ok=True)
    with open(os.path.join(common.OUT, "results.json"), "w") as handle:
        json.dump(results, handle, indent=1, default=str)
    if only == {"webhook", "scale", "reminders"}:
        report.write(results)
        print("bench: wrote bench/RESULTS.md", flush=True)


if __name__ == "__main__":
    main()

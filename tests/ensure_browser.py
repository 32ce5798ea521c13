"""Makes sure a Chromium is installed for the browser test (Debian's package; Playwright's own
browser download is never used). Prints why when it cannot; the test then skips, or fails
under CI=true."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys


def chromium() -> str | None:
    return shutil.which("chromium") or ("/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)


def main() -> int:
    if chromium():
        return 0
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        print("browser test: no Chromium, and apt-get as root is not available to install it", flush=True)
        return 0
    print("browser test: installing Debian's chromium package", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run([apt, "install", "-y", "-qq", "chromium"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        subprocess.run([apt, "update", "-qq"], env=env, capture_output=True)
        done = subprocess.run([apt, "install", "-y", "-qq", "chromium"], env=env, capture_output=True, text=True)
    if not chromium():
        print(f"browser test: could not install chromium ({done.stderr.strip()[-300:]})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

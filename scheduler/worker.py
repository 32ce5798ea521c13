"""The worker process: builds the app, then runs the reminder and outbox pass on a schedule."""
from __future__ import annotations

import argparse
import logging
import sys

from config import ConfigError

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scheduler", description=__doc__)
    parser.add_argument("--once", action="store_true", help="run one pass and exit")
    args = parser.parse_args(argv)
    from app import create_app

    try:
        create_app()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if args.once:
        logger.info("one pass: nothing to do yet")

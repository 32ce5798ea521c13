"""The two public pt-BR date and time corpora in ../shared/nlu (Duckling, Microsoft Recognizers-Text),
read against the demo business and judged by the corpora's own score.py.

The corpora are one measure, not the spec. What this holds: no wrong reading except the few where
the corpus itself notes a second defensible reading and the project's rule picks that one; and no
fewer correct readings than measured when this test was written."""
from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.nlu.catalog import Catalog, Offer
from bot.nlu.understand import understand
from storage.demo import DEMO_HOURS, DEMO_SERVICES

CORPORA = Path(os.environ.get("NLU_CORPORA", Path(__file__).resolve().parents[2] / "shared" / "nlu"))
TZ = ZoneInfo("America/Sao_Paulo")

# Correct readings measured (python ../shared/nlu/score.py gives the same figures through the CLI).
FLOORS = {"duckling_pt_cases.json": 165, "recognizers_pt_cases.json": 130}

# Wrong by the corpus, right by the project's rules; each case carries a `note` in the corpus.
RULE_OVER_CORPUS = {
    # README: "today's weekday means today" (unless today's time has passed). At 04:30 on a Tuesday,
    # Duckling reads "terça" as next week's.
    **dict.fromkeys(["terça-feira", "terça feira", "terça", "terca-feira", "terca feira", "terca", "ter."],
                    "today's weekday means today"),
    # Issue #14: a bare hour takes the 12-hour reading inside opening hours; Duckling takes the next
    # 05:15 after 04:30 and notes that a salon would mean 17:15.
    "5 e quinze": "12-hour reading inside opening hours",
}


def _demo_catalog() -> Catalog:
    hours: dict[int, list[tuple[int, int]]] = {}
    for weekday, start, end in DEMO_HOURS:
        hours.setdefault(weekday, []).append((start, end))
    services = tuple(Offer(i, name) for i, (name, _) in enumerate(DEMO_SERVICES, 1))
    return Catalog("demo", services, (Offer(1, "Equipe"),), {w: tuple(h) for w, h in hours.items()}, TZ)


def _scorer():
    path = CORPORA / "score.py"
    if not path.exists():
        pytest.skip(f"the shared corpora are not here ({CORPORA}); set NLU_CORPORA to read them elsewhere")
    spec = importlib.util.spec_from_file_location("nlu_score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("corpus", sorted(FLOORS))
def test_no_wrong_reading_and_no_fewer_right_ones(corpus):
    score = _scorer()
    catalog = _demo_catalog()
    outcomes: dict[str, list[dict]] = {"correct": [], "wrong": [], "not understood": []}
    for case in json.loads((CORPORA / corpus).read_text())["cases"]:
        now = dt.datetime.fromisoformat(case["now"]).astimezone(TZ) if case.get("now") else score.DEFAULT_NOW
        got = understand(case["phrase"], now, catalog).as_dict()
        outcomes[score.judge(case, got)].append(case)
    wrong = {case["phrase"] for case in outcomes["wrong"]}
    assert wrong <= RULE_OVER_CORPUS.keys(), f"read as another day or time: {sorted(wrong - RULE_OVER_CORPUS.keys())}"
    assert all(case.get("note") for case in outcomes["wrong"])
    assert len(outcomes["correct"]) >= FLOORS[corpus]

"""bot/conversation.md must say what bot/conversation.py does: the routes before any state in
their order, each state's step, and a diagram that draws every state and nothing else."""
from __future__ import annotations

import os
import re

from bot.conversation import ROUTES
from bot.states import State

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bot", "conversation.md")


def _doc() -> str:
    with open(DOC, encoding="utf-8") as handle:
        return handle.read()


def _name(function) -> str:
    """`module.function` as the page writes it: the last part of the module's path."""
    return f"{function.__module__.rsplit('.', 1)[-1]}.{function.__name__}"


def _table_rows(section: str) -> list[list[str]]:
    """The cells of the first table under the heading `section`."""
    text = _doc().split(f"## {section}", 1)[1]
    rows = []
    for line in text.splitlines()[1:]:
        if line.startswith("## "):
            break
        if line.startswith("|") and not set(line) <= set("|- "):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows[1:]  # without the header


def test_the_routes_before_any_state_are_the_tables_in_order():
    documented = [(row[1], row[2]) for row in _table_rows("Before any state")] \
        + [(row[1], row[2]) for row in _table_rows("Fallbacks: the ways out of every state")]
    actual = [(name, _name(check)) for name, check in ROUTES.filters + ROUTES.fallbacks]
    assert documented == actual
    numbers = [row[0] for row in _table_rows("Before any state") + _table_rows("Fallbacks: the ways out of every state")]
    assert numbers == [str(i) for i in range(1, len(actual) + 1)]


def test_every_state_has_its_documented_step():
    documented = {row[0]: row[1] for row in _table_rows("States and their steps")}
    assert documented == {state.name: _name(step) for state, step in ROUTES.states.items()}
    assert set(ROUTES.states) == set(State)


def test_the_diagram_draws_every_state_and_nothing_else():
    diagram = _doc().split("```mermaid", 1)[1].split("```", 1)[0]
    drawn = set()
    for line in diagram.splitlines():
        match = re.match(r"\s*(\[\*\]|[A-Z_]+)\s*-->\s*([A-Z_]+)", line)
        if match:
            drawn.update(name for name in match.groups() if name != "[*]")
    assert drawn == {state.name for state in State}

"""Money, exactly: amounts are whole centavos (int), commissions whole basis points (int).

The one place that reads an amount or a percentage as people write them in Brazil, and that
computes a commission. No float ever holds money.
"""
from __future__ import annotations

import re

MAX_CENTS = 100_000_000  # R$ 1.000.000,00: anything above is a typo, not a price
MAX_BP = 10_000  # 100%

# "45", "45,5", "45,50", "1.234,56", "1234,56", "R$ 45,00", "45.50" (a dot with one or two digits
# after it is a decimal point: people type it so on a phone keyboard).
_GROUPED = re.compile(r"[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]{1,2})?")
_PLAIN = re.compile(r"[0-9]+(?:[,.][0-9]{1,2})?")
_PERCENT = re.compile(r"([0-9]{1,3})(?:[,.]([0-9]{1,2}))?")


class BadAmount(ValueError):
    """The text is not an amount of money (or a percentage) this code accepts."""


def parse_amount(text: str) -> int:
    """Centavos in an amount written the Brazilian way: `45`, `45,5`, `R$ 1.234,56`. Refuses
    negatives, more than two decimals, garbage and amounts above MAX_CENTS (BadAmount)."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
    if cleaned[:2].lower() == "r$":
        cleaned = cleaned[2:]
    if _GROUPED.fullmatch(cleaned):
        whole, _, fraction = cleaned.replace(".", "").partition(",")
    elif _PLAIN.fullmatch(cleaned):
        whole, _, fraction = cleaned.replace(".", ",").partition(",")
    else:
        raise BadAmount(text)
    cents = int(whole) * 100 + int((fraction or "0").ljust(2, "0"))
    if cents > MAX_CENTS:
        raise BadAmount(text)
    return cents


def parse_percent(text: str) -> int:
    """Basis points in a percentage: `40%`, `40`, `37,5%`, `12.25 %`; from 0 to 100 (BadAmount otherwise)."""
    cleaned = text.strip().replace(" ", "").removesuffix("%")
    match = _PERCENT.fullmatch(cleaned)
    if match is None:
        raise BadAmount(text)
    bp = int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))
    if bp > MAX_BP:
        raise BadAmount(text)
    return bp


def commission(cents: int, bp: int | None) -> int:
    """The commission on an amount, in centavos, rounded half up to the centavo (each
    appointment on its own, so a report's rows add up to its totals)."""
    if not bp or not cents:
        return 0
    return (cents * bp + 5_000) // 10_000


def decimal_point(cents: int | None) -> str | None:
    """'45.00': an amount for JSON (a string, so no client reads it as a float)."""
    return None if cents is None else f"{cents // 100}.{cents % 100:02d}"


def decimal_comma(cents: int | None) -> str:
    """'1234,56': an amount for a pt-BR spreadsheet cell (no thousands separator); '' when unknown."""
    return "" if cents is None else f"{cents // 100},{cents % 100:02d}"


def percent_point(bp: int | None) -> str | None:
    """'37.50' for 3750 basis points, for JSON; None when none is set."""
    return None if bp is None else f"{bp // 100}.{bp % 100:02d}"


def percent_comma(bp: int | None) -> str:
    """'37,5' for 3750 basis points; '' when none is set."""
    if bp is None:
        return ""
    whole, rest = divmod(bp, 100)
    return str(whole) if not rest else f"{whole},{rest:02d}".rstrip("0")

"""bot.nlu.understand: what customers write on WhatsApp, and what the bot must read in it.

One table, written from how Brazilians type (hj, amanha, dps, qro, vcs, no accents, 15hrs, 15 hs,
15.30, emoji), each row with the whole reading expected: intent, service, professional, date, time
and window. A row that expects no date, time or window is an "ask again": reading anything there
would propose a day or time the customer did not say, which is worse than asking.

The business: a barbershop open Monday to Friday 09:00-12:00 and 13:00-19:00, Saturday 09:00-13:00,
closed on Sunday. Unless a row says otherwise it is Monday 2026-03-09, 10:00.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dates import parse_when
from bot.nlu.catalog import Catalog, Offer
from bot.nlu.people import person_name
from bot.nlu.text import MAX_CHARS, normalize
from bot.nlu.understand import Reading, understand
from storage.db import database

TZ = ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2026, 3, 9, 10, 0, tzinfo=TZ)  # Monday morning
TUESDAY_NIGHT = dt.datetime(2026, 3, 10, 20, 0, tzinfo=TZ)  # after closing
TUESDAY_MORNING = dt.datetime(2026, 3, 10, 9, 0, tzinfo=TZ)
TUESDAY_AFTERNOON = dt.datetime(2026, 3, 10, 15, 0, tzinfo=TZ)
SATURDAY_EVENING = dt.datetime(2026, 3, 14, 18, 0, tzinfo=TZ)

WEEKDAYS = ((9 * 60, 12 * 60), (13 * 60, 19 * 60))
CATALOG = Catalog(
    business="Barbearia do Zé",
    services=(Offer(1, "Corte"), Offer(2, "Barba"), Offer(3, "Corte + barba"), Offer(4, "Sobrancelha"),
              Offer(5, "Pigmentação")),
    professionals=(Offer(1, "João"), Offer(2, "Ana Paula"), Offer(3, "Marcos"), Offer(4, "Thiago")),
    hours={0: WEEKDAYS, 1: WEEKDAYS, 2: WEEKDAYS, 3: WEEKDAYS, 4: WEEKDAYS, 5: ((9 * 60, 13 * 60),)},
    timezone=TZ,
)


def D(days: int, start: dt.datetime = NOW) -> str:
    """The date `days` after the reference day, as the CLI prints it."""
    return (start.date() + dt.timedelta(days=days)).isoformat()


MORNING, AFTERNOON, EVENING = ["06:00", "12:00"], ["12:00", "18:00"], ["18:00", "24:00"]
KEYS = ("intent", "service", "professional", "date", "time", "window")


def row(family: str, text: str, now: dt.datetime = NOW, **expected):
    """One phrasing and its whole expected reading (keys not given: nothing read)."""
    unknown = set(expected) - set(KEYS)
    assert not unknown, unknown
    when = "" if now == NOW else f" @ {now:%a %H:%M}"
    return pytest.param(text, now, {key: expected.get(key) for key in KEYS}, id=f"{family}: {text}{when}")


# --- days -------------------------------------------------------------------------------------------
RELATIVE = [
    row("relative", "hoje", date=D(0)),
    row("relative", "hj", date=D(0)),
    row("relative", "HJ", date=D(0)),
    row("relative", "hoje?", date=D(0)),
    row("relative", "pode ser hoje", date=D(0)),
    row("relative", "amanhã", date=D(1)),
    row("relative", "amanha", date=D(1)),
    row("relative", "AMANHÃ!!", date=D(1)),
    row("relative", "amnh", date=D(1)),
    row("relative", "amanhã sim", date=D(1)),
    row("relative", "depois de amanhã", date=D(2)),
    row("relative", "depois de amanha", date=D(2)),
    row("relative", "dps de amanhã", date=D(2)),
    row("relative", "dps de amanha", date=D(2)),
    row("relative", "depois d amanha", date=D(2)),
    row("relative", "ontem", date=D(-1)),
    row("relative", "daqui a 2 dias", date=D(2)),
    row("relative", "daqui 2 dias", date=D(2)),
    row("relative", "daqui a dois dias", date=D(2)),
    row("relative", "em 2 dias", date=D(2)),
    row("relative", "dentro de 3 dias", date=D(3)),
    row("relative", "em uma semana", date=D(7)),
    row("relative", "daqui a uma semana", date=D(7)),
    row("relative", "em 1 semana", date=D(7)),
    row("relative", "daqui a 15 dias", date=D(15)),
    row("relative", "em 2 semanas", date=D(14)),
    row("relative", "dois dias depois de hoje", date=D(2)),
]

WEEKDAY = [
    row("weekday", "segunda", date=D(0)),  # today, and still open
    row("weekday", "seg", date=D(0)),
    row("weekday", "terça", date=D(1)),
    row("weekday", "terca", date=D(1)),
    row("weekday", "ter", date=D(1)),
    row("weekday", "terça-feira", date=D(1)),
    row("weekday", "3a feira", date=D(1)),
    row("weekday", "quarta", date=D(2)),
    row("weekday", "qua", date=D(2)),
    row("weekday", "quarta feira", date=D(2)),
    row("weekday", "4ª", date=D(2)),
    row("weekday", "quinta", date=D(3)),
    row("weekday", "qui", date=D(3)),
    row("weekday", "5a feira", date=D(3)),
    row("weekday", "sexta", date=D(4)),
    row("weekday", "sexta-feira", date=D(4)),
    row("weekday", "Sexta Feira", date=D(4)),
    row("weekday", "sex", date=D(4)),
    row("weekday", "6a", date=D(4)),
    row("weekday", "6ª feira", date=D(4)),
    row("weekday", "na sexta", date=D(4)),
    row("weekday", "pra sexta", date=D(4)),
    row("weekday", "essa sexta", date=D(4)),
    row("weekday", "nessa sexta agora", date=D(4)),
    row("weekday", "sexta agora", date=D(4)),
    row("weekday", "sexta desta semana", date=D(4)),
    row("weekday", "sábado", date=D(5)),
    row("weekday", "sabado", date=D(5)),
    row("weekday", "sab", date=D(5)),
    row("weekday", "domingo", date=D(6)),
    row("weekday", "dom", date=D(6)),
    row("weekday", "próxima segunda", date=D(7)),
    row("weekday", "proxima segunda", date=D(7)),
    row("weekday", "segunda que vem", date=D(7)),
    row("weekday", "segunda q vem", date=D(7)),
    row("weekday", "segunda da semana que vem", date=D(7)),
    row("weekday", "terça da semana que vem", date=D(8)),
    row("weekday", "terca da semana q vem", date=D(8)),
    row("weekday", "quarta da próxima semana", date=D(9)),
    row("weekday", "quinta na semana que vem", date=D(10)),
    row("weekday", "sexta da semana que vem", date=D(11)),
    row("weekday", "sexta 13", date=D(4)),  # this Friday is the 13th
    row("weekday", "sexta-feira 27", date=D(18)),
]

DATES = [
    row("date", "10/03", date=D(1)),
    row("date", "10/3", date=D(1)),
    row("date", "10/03/2026", date=D(1)),
    row("date", "10/03/26", date=D(1)),
    row("date", "10-03", date=D(1)),
    row("date", "2026-03-10", date=D(1)),
    row("date", "25/12", date="2026-12-25"),
    row("date", "25.12", date="2026-12-25"),
    row("date", "5/1", date="2027-01-05"),
    row("date", "dia 10", date=D(1)),
    row("date", "dia 15", date=D(6)),
    row("date", "no dia 20", date=D(11)),
    row("date", "dia 5", date="2026-04-05"),
    row("date", "dia quinze", date=D(6)),
    row("date", "dia primeiro", date="2026-04-01"),
    row("date", "dia 31", date="2026-03-31"),
    row("date", "5 de maio", date="2026-05-05"),
    row("date", "cinco de maio", date="2026-05-05"),
    row("date", "5 maio", date="2026-05-05"),
    row("date", "maio 5", date="2026-05-05"),
    row("date", "primeiro de abril", date="2026-04-01"),
    row("date", "1º de abril", date="2026-04-01"),
    row("date", "1o de abril", date="2026-04-01"),
    row("date", "um de abril", date="2026-04-01"),
    row("date", "dez de abril", date="2026-04-10"),
    row("date", "vinte e um de abril", date="2026-04-21"),
    row("date", "15 de março", date=D(6)),
    row("date", "15 de marco", date=D(6)),
    row("date", "3 de março", date="2027-03-03"),  # this year's has gone
    row("date", "25 de dezembro", date="2026-12-25"),
    row("date", "25 dez", date="2026-12-25"),
    row("date", "2 de jan", date="2027-01-02"),
    row("date", "12 de outubro de 2026", date="2026-10-12"),
    row("date", "segunda, 16 de março", date=D(7)),
    row("date", "sexta dia 13", date=D(4)),
    row("date", "dia 13, sexta", date=D(4)),
]

# --- times ------------------------------------------------------------------------------------------
TIMES = [
    row("time", "15h", time="15:00"),
    row("time", "15 h", time="15:00"),
    row("time", "15hs", time="15:00"),
    row("time", "15 hs", time="15:00"),
    row("time", "15hrs", time="15:00"),
    row("time", "15 hrs", time="15:00"),
    row("time", "15 horas", time="15:00"),
    row("time", "15:00", time="15:00"),
    row("time", "15:30", time="15:30"),
    row("time", "15h30", time="15:30"),
    row("time", "15h30min", time="15:30"),
    row("time", "15.30", time="15:30"),
    row("time", "15.00", time="15:00"),
    row("time", "às 15", time="15:00"),
    row("time", "as 15", time="15:00"),
    row("time", "ás 15", time="15:00"),
    row("time", "às 15h", time="15:00"),
    row("time", "15:30h", time="15:30"),
    row("time", "às 14.30", time="14:30"),
    row("time", "9h", time="09:00"),
    row("time", "9:30", time="09:30"),
    row("time", "10h", time="10:00"),
    row("time", "11h", time="11:00"),
    row("time", "12h", time="12:00"),
    row("time", "12:30", time="12:30"),
    row("time", "13h", time="13:00"),
    row("time", "18h", time="18:00"),
    row("time", "19h", time="19:00"),
    row("time", "20h", time="20:00"),
    row("time", "07:00", time="07:00"),
    row("time", "08:30", time="08:30"),
    row("time", "meio dia", time="12:00"),
    row("time", "meio-dia", time="12:00"),
    row("time", "meiodia", time="12:00"),
    row("time", "ao meio dia", time="12:00"),
    row("time", "meio dia e meia", time="12:30"),
    row("time", "meio dia e quinze", time="12:15"),
    row("time", "meia noite", time="00:00"),
    row("time", "3pm", time="15:00"),
    row("time", "3 pm", time="15:00"),
    row("time", "10am", time="10:00"),
    row("time", "5:30pm", time="17:30"),
]

# A bare hour takes its reading inside opening hours: "às 3" is 15:00 in a barbershop.
TWELVE_HOUR = [
    row("12-hour", "às 3", time="15:00"),
    row("12-hour", "as 3", time="15:00"),
    row("12-hour", "3h", time="15:00"),
    row("12-hour", "às 2", time="14:00"),
    row("12-hour", "às 1", time="13:00"),
    row("12-hour", "às 4 e meia", time="16:30"),
    row("12-hour", "às 5", time="17:00"),
    row("12-hour", "às 6", time="18:00"),
    row("12-hour", "6h", time="18:00"),
    row("12-hour", "às 9", time="09:00"),
    row("12-hour", "às 10", time="10:00"),
    row("12-hour", "às 11", time="11:00"),
    row("12-hour", "às 12", time="12:00"),
    row("12-hour", "as duas", time="14:00"),
    row("12-hour", "as 3?", time="15:00"),
    row("12-hour", "as 3 pode ser?", time="15:00"),
    row("12-hour", "as tres ta bom", time="15:00"),
    row("12-hour", "pode ser as 3 com o João", professional="João", time="15:00"),
    row("12-hour", "2 horas", time="14:00"),
    row("12-hour", "3:30", time="15:30"),
    row("12-hour", "às 7", ),  # 07:00 and 19:00 both fall outside: ask
    row("12-hour", "às 8"),
    row("12-hour", "8h", time="08:00"),  # written with "h": as written (and closed then, the bot says)
    row("12-hour", "às 10h", time="10:00"),  # both 10:00 and 22:00 could be open elsewhere: as written
    row("12-hour", "as 8 e meia"),
]

TIME_WORDS = [
    row("time words", "às três", time="15:00"),
    row("time words", "as tres", time="15:00"),
    row("time words", "às duas", time="14:00"),
    row("time words", "às três da tarde", time="15:00"),
    row("time words", "as 3 da tarde", time="15:00"),
    row("time words", "3 da tarde", time="15:00"),
    row("time words", "três e meia", time="15:30"),
    row("time words", "tres e meia", time="15:30"),
    row("time words", "seis e meia", time="18:30"),
    row("time words", "4 e meia", time="16:30"),
    row("time words", "dez e meia", time="10:30"),
    row("time words", "onze e quinze", time="11:15"),
    row("time words", "duas e quinze", time="14:15"),
    row("time words", "às 3 e quinze", time="15:15"),
    row("time words", "às 3 e 15", time="15:15"),
    row("time words", "às 3 e trinta", time="15:30"),
    row("time words", "uma e meia", time="13:30"),
    row("time words", "uma da tarde", time="13:00"),
    row("time words", "às onze e quarenta e cinco", time="11:45"),
    row("time words", "quinze para as cinco", time="16:45"),
    row("time words", "quinze pras 5", time="16:45"),
    row("time words", "dez para as 3", time="14:50"),
    row("time words", "quinze para o meio dia", time="11:45"),
    row("time words", "quinze pro meio dia", time="11:45"),
    row("time words", "5 para meio dia", time="11:55"),
    row("time words", "às dez da manhã", time="10:00"),
    row("time words", "às 9 da manhã", time="09:00"),
    row("time words", "8 da manhã", time="08:00"),
    row("time words", "às 7 da noite", time="19:00"),
    row("time words", "as sete da noite", time="19:00"),
    row("time words", "8 da noite", time="20:00"),
    row("time words", "dezesseis horas", time="16:00"),
    row("time words", "às dezoito", time="18:00"),
]

# --- stretches of the day -------------------------------------------------------------------------
RANGES = [
    row("range", "entre 14 e 16h", window=["14:00", "16:00"]),
    row("range", "entre 14h e 16h", window=["14:00", "16:00"]),
    row("range", "das 14 às 16", window=["14:00", "16:00"]),
    row("range", "das 14h às 16h", window=["14:00", "16:00"]),
    row("range", "das 14 as 16hs", window=["14:00", "16:00"]),
    row("range", "das 2 às 4", window=["14:00", "16:00"]),
    row("range", "de 14 a 16h", window=["14:00", "16:00"]),
    row("range", "14h-16h", window=["14:00", "16:00"]),
    row("range", "14-16h", window=["14:00", "16:00"]),
    row("range", "entre 9 e 11h", window=["09:00", "11:00"]),
    row("range", "entre as 3 e as 5", window=["15:00", "17:00"]),
    row("range", "das 9 até as 11", window=["09:00", "11:00"]),
    row("range", "depois das 17h", window=["17:00", "24:00"]),
    row("range", "dps das 17", window=["17:00", "24:00"]),
    row("range", "depois das 5", window=["17:00", "24:00"]),
    row("range", "a partir das 15h", window=["15:00", "24:00"]),
    row("range", "a partir das 3", window=["15:00", "24:00"]),
    row("range", "após as 16h", window=["16:00", "24:00"]),
    row("range", "antes das 10", window=["00:00", "10:00"]),
    row("range", "antes das 10h", window=["00:00", "10:00"]),
    row("range", "até as 11", window=["00:00", "11:00"]),
    row("range", "ate 11h", window=["00:00", "11:00"]),
    row("range", "antes do meio dia", window=["00:00", "12:00"]),
    row("range", "depois do meio dia", window=["12:00", "24:00"]),
    row("range", "à tarde, depois das 3", window=["15:00", "18:00"]),
]

PARTS = [
    row("part of day", "de manhã", window=MORNING),
    row("part of day", "de manha", window=MORNING),
    row("part of day", "pela manhã", window=MORNING),
    row("part of day", "manhã", window=MORNING),
    row("part of day", "à tarde", window=AFTERNOON),
    row("part of day", "a tarde", window=AFTERNOON),
    row("part of day", "de tarde", window=AFTERNOON),
    row("part of day", "tarde", window=AFTERNOON),
    row("part of day", "à noite", window=EVENING),
    row("part of day", "de noite", window=EVENING),
    row("part of day", "fim da tarde", window=["16:00", "19:00"]),
    row("part of day", "final da tarde", window=["16:00", "19:00"]),
    row("part of day", "no finalzinho da tarde", window=["16:00", "19:00"]),
    row("part of day", "fim de tarde", window=["16:00", "19:00"]),
    row("part of day", "começo da tarde", window=["12:00", "15:00"]),
    row("part of day", "inicio da tarde", window=["12:00", "15:00"]),
    row("part of day", "meio da tarde", window=["14:00", "17:00"]),
    row("part of day", "fim da manhã", window=["10:00", "12:00"]),
    row("part of day", "depois do almoço", window=["13:00", "16:00"]),
    row("part of day", "dps do almoco", window=["13:00", "16:00"]),
    row("part of day", "após o almoço", window=["13:00", "16:00"]),
    row("part of day", "hora do almoço", window=["12:00", "14:00"]),
    row("part of day", "no almoço", window=["12:00", "14:00"]),
    row("part of day", "antes do almoço", window=["00:00", "12:00"]),
    row("part of day", "esta noite", date=D(0), window=EVENING),
    row("part of day", "essa tarde", date=D(0), window=AFTERNOON),
    row("part of day", "hoje à tarde", date=D(0), window=AFTERNOON),
    row("part of day", "hj a noite", date=D(0), window=EVENING),
    row("part of day", "hoje de noite", date=D(0), window=EVENING),
    row("part of day", "amanhã de manhã", date=D(1), window=MORNING),
    row("part of day", "amanha de manha", date=D(1), window=MORNING),
    row("part of day", "amanhã cedo", date=D(1), window=["06:00", "10:00"]),
    row("part of day", "amanha cedinho", date=D(1), window=["06:00", "10:00"]),
    row("part of day", "amanhã no fim da tarde", date=D(1), window=["16:00", "19:00"]),
    row("part of day", "amanha depois do almoço", date=D(1), window=["13:00", "16:00"]),
    row("part of day", "hoje na hora do almoço", date=D(0), window=["12:00", "14:00"]),
    row("part of day", "sexta de manhã", date=D(4), window=MORNING),
    row("part of day", "sábado pela manhã", date=D(5), window=MORNING),
    row("part of day", "terça à tarde", date=D(1), window=AFTERNOON),
    row("part of day", "amanhã entre 14 e 16h", date=D(1), window=["14:00", "16:00"]),
    row("part of day", "sexta depois das 17h", date=D(4), window=["17:00", "24:00"]),
    row("part of day", "quinta antes das 10", date=D(3), window=["00:00", "10:00"]),
]

# --- day and time together --------------------------------------------------------------------------
TOGETHER = [
    row("day and time", "amanhã às 15h", date=D(1), time="15:00"),
    row("day and time", "amanha as 15", date=D(1), time="15:00"),
    row("day and time", "amanhã 15h", date=D(1), time="15:00"),
    row("day and time", "amanha 15hrs", date=D(1), time="15:00"),
    row("day and time", "amanhã às 3", date=D(1), time="15:00"),
    row("day and time", "amanhã 15.30", date=D(1), time="15:30"),
    row("day and time", "hj 16h", date=D(0), time="16:00"),
    row("day and time", "hoje às 17:30", date=D(0), time="17:30"),
    row("day and time", "hoje às 10", date=D(0), time="10:00"),
    row("day and time", "sexta às 10", date=D(4), time="10:00"),
    row("day and time", "sexta 10h", date=D(4), time="10:00"),
    row("day and time", "sexta 14:30", date=D(4), time="14:30"),
    row("day and time", "sexta as 4", date=D(4), time="16:00"),
    row("day and time", "segunda as 3", date=D(0), time="15:00"),
    row("day and time", "terça às 11h", date=D(1), time="11:00"),
    row("day and time", "quarta 9 e meia", date=D(2), time="09:30"),
    row("day and time", "quinta às três e meia", date=D(3), time="15:30"),
    row("day and time", "sábado às 11", date=D(5), time="11:00"),
    row("day and time", "sábado às 10h", date=D(5), time="10:00"),
    row("day and time", "25/12 às 9h", date="2026-12-25", time="09:00"),
    row("day and time", "dia 15 às 18", date=D(6), time="18:00"),
    row("day and time", "dia 20 às 4", date=D(11), time="16:00"),
    row("day and time", "dia 10 as 16h30", date=D(1), time="16:30"),
    row("day and time", "sexta 20 às 3", date=D(11), time="15:00"),
    row("day and time", "amanhã à tarde às 3", date=D(1), time="15:00"),
    row("day and time", "amanhã de manhã às 10", date=D(1), time="10:00"),
    row("day and time", "amanhã à noite às 7", date=D(1), time="19:00"),
    row("day and time", "hoje as 10 da noite", date=D(0), time="22:00"),
    row("day and time", "às 3 amanhã", date=D(1), time="15:00"),
    row("day and time", "15h amanhã", date=D(1), time="15:00"),
    row("day and time", "10/03 15h", date=D(1), time="15:00"),
    row("day and time", "5 de maio às 14h", date="2026-05-05", time="14:00"),
    row("day and time", "dps de amanhã às 16h", date=D(2), time="16:00"),
    row("day and time", "daqui a 2 dias às 10", date=D(2), time="10:00"),
    row("day and time", "terça da semana que vem às 15h", date=D(8), time="15:00"),
    row("day and time", "amanhã às 15h 👍", date=D(1), time="15:00"),
    row("day and time", "bom dia 10h", time="10:00"),
]

# A weekday naming today whose time has passed means next week's.
PASSED = [
    row("passed", "terça às 11h", TUESDAY_NIGHT, date=D(7, TUESDAY_NIGHT), time="11:00"),
    row("passed", "terça", TUESDAY_NIGHT, date=D(7, TUESDAY_NIGHT)),  # closed for today
    row("passed", "terça de manhã", TUESDAY_AFTERNOON, date=D(7, TUESDAY_AFTERNOON), window=MORNING),
    row("passed", "terça às 11h", TUESDAY_MORNING, date=D(0, TUESDAY_MORNING), time="11:00"),
    row("passed", "terça às 3", TUESDAY_AFTERNOON, date=D(0, TUESDAY_AFTERNOON), time="15:00"),
    row("passed", "terça às 2", TUESDAY_AFTERNOON, date=D(7, TUESDAY_AFTERNOON), time="14:00"),
    row("passed", "terça", TUESDAY_MORNING, date=D(0, TUESDAY_MORNING)),
    row("passed", "sábado", SATURDAY_EVENING, date=D(7, SATURDAY_EVENING)),
    row("passed", "hoje às 11h", TUESDAY_NIGHT, date=D(0, TUESDAY_NIGHT), time="11:00"),  # said so
    row("passed", "amanhã", TUESDAY_NIGHT, date=D(1, TUESDAY_NIGHT)),
]

# --- one message, everything in it ----------------------------------------------------------------
ONE_MESSAGE = [
    row("one message", "quero marcar corte com o João sexta às 15h", intent="book", service="Corte",
        professional="João", date=D(4), time="15:00"),
    row("one message", "qro marcar um corte amanha as 3", intent="book", service="Corte", date=D(1), time="15:00"),
    row("one message", "corte amanhã 15h", intent="book", service="Corte", date=D(1), time="15:00"),
    row("one message", "barba sexta de manhã", intent="book", service="Barba", date=D(4), window=MORNING),
    row("one message", "quero corte e barba com a Ana Paula no sábado às 10", intent="book",
        service="Corte + barba", professional="Ana Paula", date=D(5), time="10:00"),
    row("one message", "tem horário pra sobrancelha hoje à tarde?", intent="book", service="Sobrancelha",
        date=D(0), window=AFTERNOON),
    row("one message", "marcar com o marcos terça 14h", intent="book", professional="Marcos", date=D(1), time="14:00"),
    row("one message", "Thiago tem vaga amanhã?", intent="book", professional="Thiago", date=D(1)),
    row("one message", "agendar sombrancelha pra sexta", intent="book", service="Sobrancelha", date=D(4)),
    row("one message", "quero fazer a barba hoje 17h", intent="book", service="Barba", date=D(0), time="17:00"),
    row("one message", "sexta às 15h com o João, corte", intent="book", service="Corte", professional="João",
        date=D(4), time="15:00"),
    row("one message", "Oi! Queria agendar um corte pra amanhã de tarde com o Tiago", intent="book",
        service="Corte", professional="Thiago", date=D(1), window=AFTERNOON),
    row("one message", "bom dia, tem horario amanha depois das 17h pra corte?", intent="book", service="Corte",
        date=D(1), window=["17:00", "24:00"]),
    row("one message", "pigmentação dia 20 às 10h", intent="book", service="Pigmentação", date=D(11), time="10:00"),
    row("one message", "quero cortar o cabelo sexta", intent="book", service="Corte", date=D(4)),
    row("one message", "marca pra mim corte + barba quinta 9h30", intent="book", service="Corte + barba",
        date=D(3), time="09:30"),
    row("one message", "agendar pra 5 de maio 14h", intent="book", date="2026-05-05", time="14:00"),
    row("one message", "cancelar o de amanhã", intent="cancel", date=D(1)),
    row("one message", "desmarcar sexta", intent="cancel", date=D(4)),
    row("one message", "quero cancelar meu horário de quinta às 10", intent="cancel", date=D(3), time="10:00"),
    row("one message", "quero remarcar pra quinta às 16h", intent="reschedule", date=D(3), time="16:00"),
    row("one message", "trocar para sexta", intent="reschedule", date=D(4)),
    row("one message", "da pra mudar meu horario pra amanha de tarde?", intent="reschedule", date=D(1),
        window=AFTERNOON),
    row("one message", "remarca pra sexta 10h por favor", intent="reschedule", date=D(4), time="10:00"),
    row("one message", "vocês abrem domingo?", intent="hours", date=D(6)),
    row("one message", "vcs abrem sabado?", intent="hours", date=D(5)),
    row("one message", "quanto custa o corte?", intent="services", service="Corte"),
    row("one message", "qual o valor da barba", intent="services", service="Barba"),
]

# --- intents ----------------------------------------------------------------------------------------
INTENTS = [
    row("intent", "marcar", intent="book"),
    row("intent", "agendar", intent="book"),
    row("intent", "quero agendar", intent="book"),
    row("intent", "Quero marcar um horário", intent="book"),
    row("intent", "quero um horário", intent="book"),
    row("intent", "queria um horario", intent="book"),
    row("intent", "qro marcar", intent="book"),
    row("intent", "gostaria de agendar", intent="book"),
    row("intent", "tem horário?", intent="book"),
    row("intent", "tem vaga?", intent="book"),
    row("intent", "consigo um encaixe?", intent="book"),
    row("intent", "marca pra mim", intent="book"),
    row("intent", "quero cortar o cabelo", intent="book", service="Corte"),
    row("intent", "reservar", intent="book"),
    row("intent", "meus horários", intent="list"),
    row("intent", "meus horarios", intent="list"),
    row("intent", "meus agendamentos", intent="list"),
    row("intent", "tenho horário marcado?", intent="list"),
    row("intent", "quando é meu horário?", intent="list"),
    row("intent", "qual é o meu horário", intent="list"),
    row("intent", "minha agenda", intent="list"),
    row("intent", "desmarcar", intent="cancel"),
    row("intent", "cancelar", intent="cancel"),
    row("intent", "quero cancelar", intent="cancel"),
    row("intent", "cancela por favor", intent="cancel"),
    row("intent", "preciso desmarcar", intent="cancel"),
    row("intent", "cancelar meu agendamento", intent="cancel"),
    row("intent", "remarcar", intent="reschedule"),
    row("intent", "quero remarcar", intent="reschedule"),
    row("intent", "reagendar", intent="reschedule"),
    row("intent", "preciso mudar o horário", intent="reschedule"),
    row("intent", "trocar o dia", intent="reschedule"),
    row("intent", "dá pra adiar?", intent="reschedule"),
    row("intent", "que horas vocês abrem?", intent="hours"),
    row("intent", "que horas vcs fecham", intent="hours"),
    row("intent", "até que horas vocês atendem?", intent="hours"),
    row("intent", "qual o horário de funcionamento?", intent="hours"),
    row("intent", "horario de atendimento", intent="hours"),
    row("intent", "vocês abrem hoje?", intent="hours", date=D(0)),
    row("intent", "ta aberto?", intent="hours"),
    row("intent", "fecham às 19?", intent="hours", time="19:00"),
    row("intent", "até que horas hoje?", intent="hours", date=D(0)),
    row("intent", "abre domingo?", intent="hours", date=D(6)),
    row("intent", "qual o endereço?", intent="address"),
    row("intent", "onde fica?", intent="address"),
    row("intent", "onde vocês ficam", intent="address"),
    row("intent", "me manda a localização", intent="address"),
    row("intent", "como chego aí?", intent="address"),
    row("intent", "quanto custa?", intent="services"),
    row("intent", "qual o preço", intent="services"),
    row("intent", "preços", intent="services"),
    row("intent", "tabela de valores", intent="services"),
    row("intent", "quais serviços vocês fazem?", intent="services"),
    row("intent", "quanto fica corte e barba?", intent="services", service="Corte + barba"),
    row("intent", "obrigado", intent="thanks"),
    row("intent", "obrigada!", intent="thanks"),
    row("intent", "obg", intent="thanks"),
    row("intent", "obgd", intent="thanks"),
    row("intent", "muito obrigado", intent="thanks"),
    row("intent", "valeu", intent="thanks"),
    row("intent", "vlw", intent="thanks"),
    row("intent", "blz", intent="thanks"),
    row("intent", "beleza", intent="thanks"),
    row("intent", "ok", intent="thanks"),
    row("intent", "Ok!", intent="thanks"),
    row("intent", "👍", intent="thanks"),
    row("intent", "👍🏽", intent="thanks"),
    row("intent", "🙏", intent="thanks"),
    row("intent", "show, valeu", intent="thanks"),
    row("intent", "ta bom, obrigado", intent="thanks"),
    row("intent", "combinado", intent="thanks"),
    row("intent", "oi", intent="greeting"),
    row("intent", "Oi!", intent="greeting"),
    row("intent", "oie", intent="greeting"),
    row("intent", "olá", intent="greeting"),
    row("intent", "bom dia", intent="greeting"),
    row("intent", "boa tarde", intent="greeting"),
    row("intent", "boa noite!", intent="greeting"),
    row("intent", "oi, tudo bem?", intent="greeting"),
    row("intent", "e aí", intent="greeting"),
    row("intent", "falar com atendente", intent="human"),
    row("intent", "quero falar com um atendente", intent="human"),
    row("intent", "humano", intent="human"),
    row("intent", "quero falar com alguém", intent="human"),
    row("intent", "falar com uma pessoa", intent="human"),
    row("intent", "quero falar com o dono", intent="human"),
    row("intent", "atendente por favor", intent="human"),
    row("intent", "não quero falar com robô", intent="human"),
    row("intent", "oi, quero marcar", intent="book"),
    row("intent", "boa tarde! gostaria de agendar um horario", intent="book"),
    row("intent", "não quero cancelar"),
    row("intent", "nao quero marcar agora"),
    row("intent", "desmarcar e marcar outro"),  # which one? not clear enough to act
    row("intent", "se eu precisar cancelar, como faço?"),  # asking about it, not asking for it
    row("intent", "qual a política de cancelamento?"),
    row("intent", "posso cancelar depois?"),
    row("intent", "e se eu cancelar?"),
    row("intent", "caso eu não possa ir, desmarco como?"),
    row("intent", "não vou cancelar não"),
    row("intent", "cancela não"),
    row("intent", "sim, pode cancelar", intent="cancel"),
    row("intent", "se possível cancela o de amanhã", intent="cancel", date=D(1)),  # polite, not hypothetical
    row("intent", "esquece, cancela", intent="cancel"),
    row("intent", "quero marcar, não cancelar", intent="book"),
    row("intent", "vocês cancelaram meu horário?"),
    row("intent", "eu tinha marcado pra sexta", date=D(4)),
    row("intent", "quero cortar", intent="book", service="Corte"),
    row("intent", "qualquer coisa te aviso"),
    row("intent", "1"),
    row("intent", "sim"),
]

# --- names with typos -------------------------------------------------------------------------------
NAMES_WITH_TYPOS = [
    row("service", "corte", service="Corte"),
    row("service", "Corte", service="Corte"),
    row("service", "CORTE", service="Corte"),
    row("service", "cort", service="Corte"),
    row("service", "o corte", service="Corte"),
    row("service", "barba", service="Barba"),
    row("service", "brba", service="Barba"),
    row("service", "sobrancelha", service="Sobrancelha"),
    row("service", "sombrancelha", service="Sobrancelha"),
    row("service", "sobrancelah", service="Sobrancelha"),
    row("service", "sobrancelhas", service="Sobrancelha"),
    row("service", "sobracelha", service="Sobrancelha"),
    row("service", "corte e barba", service="Corte + barba"),
    row("service", "corte+barba", service="Corte + barba"),
    row("service", "corte + barba", service="Corte + barba"),
    row("service", "Corte + Barba", service="Corte + barba"),
    row("service", "pigmentação", service="Pigmentação"),
    row("service", "pigmentacao", service="Pigmentação"),
    row("service", "pigmentasao", service="Pigmentação"),
    row("service", "crote"),  # close, but only worth a "did you mean Corte?"
    row("service", "barab"),
    row("service", "s"),  # a single letter never picks Sobrancelha
    row("service", "c"),
    row("service", "b"),
    row("service", "so"),
    row("service", "sob"),
    row("service", "corte e sobrancelha"),  # two services: asked
    row("service", "pintura"),
    row("service", "barbeiro"),
    row("service", "certo", intent="thanks"),
    row("professional", "joão", professional="João"),
    row("professional", "joao", professional="João"),
    row("professional", "Joao", professional="João"),
    row("professional", "com o João", professional="João"),
    row("professional", "jão", professional="João"),
    row("professional", "ana paula", professional="Ana Paula"),
    row("professional", "com a Ana", professional="Ana Paula"),
    row("professional", "ana", professional="Ana Paula"),
    row("professional", "marcos", professional="Marcos"),
    row("professional", "thiago", professional="Thiago"),
    row("professional", "tiago", professional="Thiago"),
    row("professional", "com o tiago", professional="Thiago"),
    row("professional", "marcus"),  # a guess: "did you mean Marcos?"
    row("professional", "qualquer um"),
    row("professional", "tanto faz"),
    row("professional", "eu marco com vocês"),
    row("professional", "Oi, sou o João, quero marcar corte", intent="book", service="Corte"),  # the customer
    row("professional", "aqui é a Ana, tem horário amanhã?", intent="book", date=D(1)),
    row("professional", "sou a Bia e quero marcar com o João", intent="book", professional="João"),
    row("professional", "às 15h com o João ou com o Marcos", time="15:00"),
    row("professional", "não quero com o João"),
    row("professional", "com o Tiago não, com o Marcos", professional="Marcos"),
    row("professional", "prefiro o Thiago", professional="Thiago"),
    row("professional", "o Marcos trabalha sábado?", intent="hours", professional="Marcos", date=D(5)),
    row("service", "não quero corte, quero barba", intent="book", service="Barba"),
    row("service", "o corte é quanto?", intent="services", service="Corte"),
    row("service", "corte, barba e sobrancelha"),
    row("service", "Oi, é da barbearia?"),
]

# --- ask again: reading anything here would be a guess --------------------------------------------
ASK_AGAIN = [
    row("ask", "sexta que vem"),  # this Friday (13th) or next week's (20th)?
    row("ask", "proxima sexta"),
    row("ask", "sábado que vem"),
    row("ask", "domingo que vem"),
    row("ask", "terça q vem"),  # tomorrow, or next week's?
    row("ask", "sexta 20"),  # this Friday at 20h, or Friday the 20th?
    row("ask", "sexta, 16/03"),  # the 16th is a Monday
    row("ask", "segunda, 13 de março"),
    row("ask", "10.03"),  # 10/03 or 10:03?
    row("ask", "1.5"),
    row("ask", "versão 2.0"),
    row("ask", "meu cpf é 123.456.789-00"),
    row("ask", "paguei 35,00"),
    row("ask", "R$ 40"),
    row("ask", "3x no cartão"),
    row("ask", "a cada 15 dias"),
    row("ask", "24h"),
    row("ask", "sexta 11/11"),  # the 11th of November is a Wednesday
    row("ask", "primeira sexta de abril"),
    row("ask", "segunda opção"),
    row("ask", "pela segunda vez"),
    row("ask", "vou ter que sair"),
    row("ask", "não posso amanhã"),
    row("ask", "amanhã não dá"),
    row("ask", "nem hoje nem amanhã"),
    row("ask", "amanhã ou depois"),
    row("ask", "sexta ou sábado"),
    row("ask", "14h ou 15h"),
    row("ask", "amanhã às 10 ou 11", date=D(1)),  # the day is clear, the time is a choice
    row("ask", "pode ser na terça ou quarta de manhã", window=MORNING),
    row("ask", "hoje não, amanhã às 10", date=D(1), time="10:00"),
    row("ask", "não, amanhã às 10", date=D(1), time="10:00"),  # "não" answers the last question
    row("ask", "Não consigo hoje, só amanhã", date=D(1)),
    row("ask", "às 8 ou 9"),
    row("ask", "de manhã ou à tarde"),
    row("ask", "amanhã de manhã às 15h", date=D(1)),  # the morning or 15h? the day is clear
    row("ask", "dia seguinte"),
    row("ask", "fim de semana"),
    row("ask", "semana que vem"),
    row("ask", "mês que vem"),
    row("ask", "daqui a pouco"),
    row("ask", "mais tarde"),
    row("ask", "qualquer dia"),
    row("ask", "o quanto antes"),
    row("ask", "demora 2 horas?"),
    row("ask", "leva quanto tempo? 1 hora?"),
    row("ask", "de 15 em 15 dias"),
    row("ask", "em um dia de semana"),
    row("ask", "em 2 dias úteis"),
    row("ask", "entre 3 e 10"),
    row("ask", "o valor deve estar entre 3 e 10"),
    row("ask", "custa R$ 35.00?", intent="services"),
    row("ask", "são 15.00 reais?"),
    row("ask", "dia 32"),
    row("ask", "31/02"),
    row("ask", "às 25h"),
    row("ask", "14:75"),
    row("ask", "sexta 14 às 16"),  # a range, or the 14th?
    row("ask", "fica na rua 25 de março, 100"),  # a street
    row("ask", "daqui a 2 horas"),  # from now, not at 14h
    row("ask", "daqui 1 hora"),
    row("ask", "chego em 10 minutos"),
    row("ask", "vou atrasar 10 min"),
    row("ask", "quero marcar pra 2 pessoas", intent="book"),
    row("ask", "tenho 15 anos"),
    row("ask", "meu telefone é 11 99999-9999"),
    row("ask", "sexta-feira santa"),  # a holiday
    row("ask", "quarta-feira de cinzas"),
    row("ask", "qual a marca da pomada?"),
    row("ask", "quais são as três opções?"),  # "as" the article, not "às"
    row("ask", "quero as duas coisas"),
    row("ask", "as 3 primeiras"),
    row("ask", "amanhã ou depois às 10"),
    row("ask", "15"),  # a bare number answers a numbered list
    row("ask", "3"),
    row("ask", "1 - Agendar", intent="book"),
    row("ask", "boa tarde, tudo bem?", intent="greeting"),
    row("ask", "boa noite", intent="greeting"),
    row("ask", "pode ser", intent=None),
    row("ask", "😀", intent="thanks"),
    row("ask", ""),
    row("ask", "   "),
    row("ask", "'; DROP TABLE users; --"),
    row("ask", "<script>alert(1)</script>"),
]

TABLE = (RELATIVE + WEEKDAY + DATES + TIMES + TWELVE_HOUR + TIME_WORDS + RANGES + PARTS + TOGETHER + PASSED
         + ONE_MESSAGE + INTENTS + NAMES_WITH_TYPOS + ASK_AGAIN)


@pytest.mark.parametrize(("text", "now", "expected"), TABLE)
def test_reading(text, now, expected):
    assert understand(text, now, CATALOG).as_dict() == expected


# --- a person's name, for the registration step -----------------------------------------------------
PERSON_NAMES = [
    ("Roberto", "Roberto"),
    ("roberto", "Roberto"),
    ("Não, é Roberto", "Roberto"),
    ("nao, é o Roberto", "Roberto"),
    ("não é roberto", "Roberto"),
    ("Não é Roberto, é Roberta", "Roberta"),
    ("meu nome é Ana", "Ana"),
    ("Meu nome é Ana Paula", "Ana Paula"),
    ("meu nome eh ana", "Ana"),
    ("sou a Ana Paula", "Ana Paula"),
    ("sou o João", "João"),
    ("eu sou a Bia", "Bia"),
    ("me chamo Carlos", "Carlos"),
    ("me chamo carlos eduardo", "Carlos Eduardo"),
    ("pode me chamar de Bia", "Bia"),
    ("pode me chamar de Bia 😊", "Bia"),
    ("é o Pedro", "Pedro"),
    ("Oi, sou o João, quero marcar", "João"),
    ("Meu nome é Maria da Silva e quero agendar", "Maria da Silva"),
    ("Oi! Meu nome é Fernanda.", "Fernanda"),
    ("bom dia, sou a Júlia", "Júlia"),
    ("ana paula", "Ana Paula"),
    ("José Carlos", "José Carlos"),
    ("não", None),
    ("Não.", None),
    ("sim", None),
    ("oi", None),
    ("quero marcar", None),
    ("amanhã às 15h", None),
    ("sexta", None),
    ("meu nome é", None),
    ("123", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), PERSON_NAMES, ids=[f"name: {t}" for t, _ in PERSON_NAMES])
def test_person_name(text, expected):
    assert person_name(text) == expected


def test_the_table_is_large_and_its_rows_distinct():
    ids = [param.id for param in TABLE] + [f"name: {text}" for text, _ in PERSON_NAMES]
    assert len(ids) >= 400
    assert len(ids) == len(set(ids))


# --- what an unsure reading keeps for the question -------------------------------------------------

def test_an_ambiguous_weekday_keeps_both_days_for_the_question():
    reading = understand("sexta que vem", NOW, CATALOG)
    assert reading.day is None
    assert reading.when.day_options == (dt.date(2026, 3, 13), dt.date(2026, 3, 20))


def test_an_hour_outside_opening_hours_keeps_both_readings():
    reading = understand("às 8", NOW, CATALOG)
    assert reading.time is None
    assert reading.when.time_options == (dt.time(8), dt.time(20))


def test_a_close_name_is_a_guess_to_confirm():
    reading = understand("crote", NOW, CATALOG)
    assert reading.service is None
    assert reading.service_guess.name == "Corte"
    assert understand("marcus", NOW, CATALOG).professional_guess.name == "Marcos"


def test_an_unclear_intent_is_seen_but_not_followed():
    reading = understand("desmarcar e marcar outro", NOW, CATALOG)
    assert reading.intent is not None
    assert reading.clear_intent is None


def test_a_closed_day_is_flagged():
    assert understand("domingo às 10", NOW, CATALOG).closed
    assert not understand("sábado às 10", NOW, CATALOG).closed


def test_the_12_hour_reading_follows_the_business_hours():
    night_owls = Catalog(hours=dict.fromkeys(range(7), ((18 * 60, 23 * 60),)), timezone=TZ)
    assert understand("às 9", NOW, night_owls).time == dt.time(21)
    assert understand("às 9", NOW, CATALOG).time == dt.time(9)


def test_without_opening_hours_a_bare_hour_is_asked():
    assert understand("às 3", NOW, Catalog(timezone=TZ)).time is None
    assert understand("às 15", NOW, Catalog(timezone=TZ)).time == dt.time(15)


def test_now_is_read_in_the_business_time_zone():
    utc = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)  # Monday 23:00 in São Paulo
    assert understand("amanhã", utc, CATALOG).day == dt.date(2026, 3, 10)
    naive = dt.datetime(2026, 3, 9, 23, 0)  # taken as business time
    assert understand("amanhã", naive, CATALOG).day == dt.date(2026, 3, 10)


def test_prices_and_ids_come_from_the_catalog():
    reading = understand("quero corte", NOW, CATALOG)
    assert (reading.service.id, reading.service.name) == (1, "Corte")


# --- cost and robustness -----------------------------------------------------------------------------

# Repeated pieces of what the readers look for: shapes that make a backtracking regex explode.
ADVERSARIAL = ["e isso ", "oie ", "15h ", "as 3 e ", "das 14 as ", "sexta que vem ", "1", ":", "a", "dia ", "de ",
               "não ", "quinze para as ", "entre as 3 e ", "9.", "1/", "meio dia e ", "👍", "marcar corte ",
               "ana paula ", "nao, e ", "sou a ", "de 5 a ", "depois das ", "3 e 3 e ", "vinte e ", "15.30.",
               "-", "12-", "quinta quarta ", "h", "às ", "1º de ", "a.m. ", "ou ", "e e e "]


@pytest.mark.parametrize("piece", ADVERSARIAL)
def test_a_10000_character_message_is_read_and_only_its_start_counts(piece):
    text = (piece * (10_000 // len(piece) + 1))[:10_000]
    assert len(normalize(text)) <= MAX_CHARS  # the work is bounded by the cap, whatever comes in
    assert isinstance(understand(text, NOW, CATALOG), Reading)
    person_name(text)
    parse_when(text, NOW.date())


def test_only_the_start_of_a_long_message_is_read():
    assert understand("amanhã " + "x" * 10_000, NOW, CATALOG).day == dt.date(2026, 3, 10)
    assert understand("x" * MAX_CHARS + " amanhã", NOW, CATALOG).day is None


def test_the_reading_needs_no_database(monkeypatch):
    monkeypatch.setattr(database, "obj", None)  # any query would fail
    assert understand("quero marcar corte com o João sexta às 15h", NOW, CATALOG).service.name == "Corte"


# The example database would write .hypothesis/ into the working tree.
@settings(database=None)
@given(text=st.text(max_size=300), minutes=st.integers(0, 60 * 24 * 365 * 3))
def test_any_text_gives_a_reading_with_the_contract_keys(text, minutes):
    now = NOW + dt.timedelta(minutes=minutes)
    reading = understand(text, now, CATALOG).as_dict()
    assert list(reading) == list(KEYS)
    if reading["time"] is not None:
        assert reading["window"] is None
    person_name(text)

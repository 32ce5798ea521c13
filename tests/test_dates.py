"""bot.dates: what Brazilian customers type for a day and a time, and how dates are written back."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dates import When, Window, format_date, format_day, format_time, parse_when, weekday_name

MON = dt.date(2026, 12, 7)  # a Monday
FRI = dt.date(2026, 12, 11)  # the Friday of that week
SUN = dt.date(2026, 12, 13)  # a Sunday
LATE_DEC = dt.date(2026, 12, 20)  # a Sunday close to the new year
NOV = dt.date(2026, 11, 10)  # a Tuesday in a 30-day month


def d(day: int, month: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def t(hour: int, minute: int = 0) -> dt.time:
    return dt.time(hour, minute)


EMPTY = When()
INVALID = When(invalid=True)

# (id, what the customer typed, today, what parse_when must return)
CASES = [
    # relative days
    ("hoje", "hoje", MON, When(day=MON)),
    ("hj-abbreviation-with-time", "hj as 18h", MON, When(day=MON, time=t(18))),
    ("amanha-accent-upper", "AMANHÃ", MON, When(day=d(8, 12))),
    ("amanha-no-accent", "amanha", MON, When(day=d(8, 12))),
    ("depois-de-amanha", "depois de amanhã", MON, When(day=d(9, 12))),
    ("depois-de-amanha-no-accent-with-time", "depois de amanha às 10h", MON, When(day=d(9, 12), time=t(10))),
    ("ontem-is-past", "ontem", MON, When(day=d(6, 12), past=True)),
    # weekdays: next occurrence on or after today
    ("segunda-on-monday-is-today", "segunda", MON, When(day=MON)),
    ("terca-accent", "terça", MON, When(day=d(8, 12))),
    ("terca-feira-hyphen", "terca-feira", MON, When(day=d(8, 12))),
    ("quarta-space-feira", "quarta feira", MON, When(day=d(9, 12))),
    ("qui-abbreviation", "qui", MON, When(day=d(10, 12))),
    ("sexta", "sexta", MON, When(day=d(11, 12))),
    ("sabado-accent-capital", "Sábado", MON, When(day=d(12, 12))),
    ("sabado-no-accent", "sabado", MON, When(day=d(12, 12))),
    ("sab-accent-abbreviation", "sáb", MON, When(day=d(12, 12))),
    ("dom-abbreviation", "dom", MON, When(day=d(13, 12))),
    ("sexta-on-friday-is-today", "sexta", FRI, When(day=FRI)),
    ("domingo-on-sunday-is-today", "domingo", SUN, When(day=SUN)),
    ("domingos-plural", "domingos", SUN, When(day=SUN)),
    # weekdays with "que vem" / "próxima": strictly after today, and asked (both days offered) when
    # people mean this week's or next week's ("sexta que vem" on a Monday: the 11th or the 18th?)
    ("sexta-que-vem-on-monday", "sexta que vem", MON, When(day_options=(d(11, 12), d(18, 12)))),
    ("sexta-que-vem-on-friday", "sexta que vem", FRI, When(day=d(18, 12))),
    ("domingo-que-vem-on-sunday", "domingo que vem", SUN, When(day=d(20, 12))),
    ("proxima-segunda-on-monday", "próxima segunda", MON, When(day=d(14, 12))),
    ("proximo-sabado", "proximo sabado", MON, When(day_options=(d(12, 12), d(19, 12)))),
    # words that only look like weekday abbreviations
    ("sexo-is-not-sex", "sexo", MON, EMPTY),
    ("verb-ter-is-not-tuesday", "vou ter que sair mais cedo", MON, EMPTY),
    ("ter-with-time-is-tuesday", "ter 10h", MON, When(day=d(8, 12), time=t(10))),
    # numeric dates
    ("dd/mm", "25/12", MON, When(day=d(25, 12))),
    ("dd/mm/yyyy", "25/12/2026", MON, When(day=d(25, 12))),
    ("dd/mm/yy", "25/12/26", MON, When(day=d(25, 12))),
    ("dd-mm", "25-12", MON, When(day=d(25, 12))),
    ("dd-mm-yyyy", "25-12-2026", MON, When(day=d(25, 12))),
    ("dd.mm", "25.12", MON, When(day=d(25, 12))),
    ("d/m-next-year", "5/1", MON, When(day=d(5, 1, 2027))),
    ("iso", "2026-12-25", MON, When(day=d(25, 12))),
    # month names
    ("de-dezembro", "25 de dezembro", MON, When(day=d(25, 12))),
    ("dezembro", "25 dezembro", MON, When(day=d(25, 12))),
    ("dez", "25 dez", MON, When(day=d(25, 12))),
    ("de-dez-dot", "25 de dez.", MON, When(day=d(25, 12))),
    ("primeiro-de-janeiro", "1º de janeiro", MON, When(day=d(1, 1, 2027))),
    ("marco-accent", "10 de março", MON, When(day=d(10, 3, 2027))),
    ("month-name-with-year", "3 de fev de 2027", MON, When(day=d(3, 2, 2027))),
    # dia N: the next such day of the month
    ("dia-25-this-month", "dia 25", MON, When(day=d(25, 12))),
    ("dia-5-next-month", "dia 5", MON, When(day=d(5, 1, 2027))),
    ("dia-31-skips-november", "dia 31", NOV, When(day=d(31, 12))),
    ("dia-32-invalid", "dia 32", MON, INVALID),
    # year rollover in December
    ("rollover-05/01", "05/01", LATE_DEC, When(day=d(5, 1, 2027))),
    ("rollover-20/12-is-today", "20/12", LATE_DEC, When(day=LATE_DEC)),
    ("rollover-19/12-next-year", "19/12", LATE_DEC, When(day=d(19, 12, 2027))),
    ("rollover-2-de-janeiro", "2 de janeiro", LATE_DEC, When(day=d(2, 1, 2027))),
    # days that do not exist
    ("31/11-invalid", "31/11", NOV, INVALID),
    ("30/02-invalid", "30/02", MON, INVALID),
    ("29/02/2027-invalid", "29/02/2027", MON, INVALID),
    ("32/01-invalid", "32/01", MON, INVALID),
    ("00/05-invalid", "00/05", MON, INVALID),
    ("15/13-invalid", "15/13", MON, INVALID),
    ("31-de-abril-invalid", "31 de abril", MON, INVALID),
    ("29/02-without-year-next-leap", "29/02", MON, When(day=d(29, 2, 2028))),
    ("29/02/2028-with-year", "29/02/2028", MON, When(day=d(29, 2, 2028))),
    # explicit years in the past
    ("past-year", "10/01/2020", MON, When(day=d(10, 1, 2020), past=True)),
    ("yesterday-with-year", "06/12/2026", MON, When(day=d(6, 12), past=True)),
    ("today-with-year-not-past", "07/12/2026", MON, When(day=MON)),
    # times
    ("14h", "14h", MON, When(time=t(14))),
    ("14-space-h", "14 h", MON, When(time=t(14))),
    ("14hs", "14hs", MON, When(time=t(14))),
    ("14-horas", "14 horas", MON, When(time=t(14))),
    ("14:30", "14:30", MON, When(time=t(14, 30))),
    ("14h30", "14h30", MON, When(time=t(14, 30))),
    ("14:30h", "14:30h", MON, When(time=t(14, 30))),
    ("as-14-dot-30", "às 14.30", MON, When(time=t(14, 30))),
    ("as-9-accent", "às 9", MON, When(time=t(9))),
    ("as-9", "as 9", MON, When(time=t(9))),
    ("as-9-wrong-accent", "ás 9", MON, When(time=t(9))),
    ("as-14", "às 14", MON, When(time=t(14))),
    ("9h-da-manha", "9h da manhã", MON, When(time=t(9))),
    ("3-da-tarde", "3 da tarde", MON, When(time=t(15))),
    ("8-da-noite", "8 da noite", MON, When(time=t(20))),
    ("10-da-noite", "10 da noite", MON, When(time=t(22))),
    ("meio-dia-hyphen", "meio-dia", MON, When(time=t(12))),
    ("meio-dia-space", "meio dia", MON, When(time=t(12))),
    ("meia-noite", "meia-noite", MON, When(time=t(0))),
    ("9-e-meia", "9 e meia", MON, When(time=t(9, 30))),
    ("9h-e-meia", "9h e meia", MON, When(time=t(9, 30))),
    ("after-hours-23h", "às 23h", MON, When(time=t(23))),
    ("before-hours-6h", "6h", MON, When(time=t(6))),
    ("25h-invalid", "25h", MON, INVALID),
    ("14:75-invalid", "14:75", MON, INVALID),
    ("as-24-invalid", "às 24", MON, INVALID),
    # bare numbers are menu choices
    ("bare-14", "14", MON, EMPTY),
    ("bare-3", "3", MON, EMPTY),
    ("menu-line", "1 - Agendar", MON, EMPTY),
    # day and time together
    ("amanha-as-15h", "amanhã às 15h", MON, When(day=d(8, 12), time=t(15))),
    ("sexta-14:30", "sexta 14:30", MON, When(day=d(11, 12), time=t(14, 30))),
    ("25/12-as-9h", "25/12 às 9h", MON, When(day=d(25, 12), time=t(9))),
    ("segunda-feira-10h", "segunda-feira 10h", MON, When(day=MON, time=t(10))),
    ("dia-10-as-16h30", "dia 10 as 16h30", MON, When(day=d(10, 12), time=t(16, 30))),
    ("sentence", "quero marcar amanhã às 15h por favor", MON, When(day=d(8, 12), time=t(15))),
    ("invalid-day-valid-time", "31/11 às 10h", NOV, When(time=t(10), invalid=True)),
    ("valid-day-invalid-time", "amanhã às 25h", MON, When(day=d(8, 12), invalid=True)),
    ("greeting-then-time", "bom dia 10h", MON, When(time=t(10))),
    # issue #14's families reach parse_when's callers too
    ("dps-de-amanha", "dps de amanhã", MON, When(day=d(9, 12))),
    ("dot-time", "15.30", MON, When(time=t(15, 30))),
    ("in-a-week", "em uma semana", MON, When(day=d(14, 12))),
    ("daqui-a-2-dias", "daqui a 2 dias", MON, When(day=d(9, 12))),
    ("tuesday-of-next-week", "terça da semana que vem", MON, When(day=d(15, 12))),
    ("date-in-words", "cinco de maio", MON, When(day=d(5, 5, 2027))),
    ("time-in-words", "às quinze e trinta", MON, When(time=t(15, 30))),
    ("quarter-to-noon", "quinze para o meio dia", MON, When(time=t(11, 45))),
    ("this-evening", "esta noite", MON, When(day=MON, window=Window(18 * 60, 24 * 60))),
    ("range", "entre 14 e 16h", MON, When(window=Window(14 * 60, 16 * 60))),
    # without opening hours a bare hour is read as written, in 24 hours (as admins type it);
    # bot.nlu.understand reads "às 3" as 15:00 against the business's hours
    ("bare-hour-literal-without-hours", "às 3", MON, When(time=t(3))),
    ("bare-hour-in-words-literal", "às três", MON, When(time=t(3))),
    # nothing about when
    ("oi", "oi", MON, EMPTY),
    ("no-date-words", "quero cortar o cabelo", MON, EMPTY),
    ("emoji", "😀", MON, EMPTY),
    ("sql", "'; DROP TABLE users; --", MON, EMPTY),
    ("html", "<script>alert(1)</script>", MON, EMPTY),
    ("empty-string", "", MON, EMPTY),
    ("only-spaces", "     ", MON, EMPTY),
]


@pytest.mark.parametrize(("text", "today", "expected"),
                         [pytest.param(text, today, expected, id=name) for name, text, today, expected in CASES])
def test_parse_when(text, today, expected):
    assert parse_when(text, today) == expected


def test_case_ids_are_unique():
    names = [case[0] for case in CASES]
    assert len(names) == len(set(names))


def test_only_the_start_of_a_long_message_is_read():
    assert parse_when("amanhã " + "x" * 10_000, MON) == When(day=d(8, 12))
    assert parse_when("x" * 10_000 + " amanhã", MON) == EMPTY


def test_a_datetime_for_today_counts_as_its_date():
    assert parse_when("amanhã", dt.datetime(2026, 12, 7, 23, 59)) == When(day=d(8, 12))


def test_empty_property():
    assert When().empty
    assert not When(day=MON).empty
    assert not When(time=t(9)).empty
    assert not When(invalid=True).empty


@pytest.mark.parametrize(("day", "name"), [
    (d(7, 12), "segunda-feira"),
    (d(8, 12), "terça-feira"),
    (d(9, 12), "quarta-feira"),
    (d(10, 12), "quinta-feira"),
    (d(11, 12), "sexta-feira"),
    (d(12, 12), "sábado"),
    (d(13, 12), "domingo"),
])
def test_weekday_name(day, name):
    assert weekday_name(day) == name


def test_format_date():
    assert format_date(d(25, 12)) == "25/12/2026"
    assert format_date(d(5, 1, 2027)) == "05/01/2027"


def test_format_day():
    assert format_day(d(25, 12)) == "sexta-feira, 25/12/2026"
    assert format_day(d(5, 1, 2027)) == "terça-feira, 05/01/2027"


def test_format_time():
    assert format_time(dt.time(9, 5)) == "09:05"
    assert format_time(dt.time(0, 0)) == "00:00"
    assert format_time(dt.datetime(2026, 12, 25, 23, 45, 59)) == "23:45"


# The example database would write .hypothesis/ into the working tree.
quick = settings(database=None)
todays = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))


@quick
@given(text=st.text(), today=todays)
def test_parse_when_never_raises(text, today):
    found = parse_when(text, today)
    assert isinstance(found, When)
    assert not found.past or (found.day is not None and found.day < today)
    assert not (found.invalid and found.empty)


@quick
@given(text=st.text(min_size=1, max_size=20).map(lambda s: (s * 10_000)[:10_000]))
def test_parse_when_never_raises_on_long_text(text):
    assert isinstance(parse_when(text, MON), When)


@quick
@given(start=st.text(min_size=200, max_size=220), tail=st.text())
def test_nothing_after_the_first_200_characters_matters(start, tail):
    assert parse_when(start + tail, MON) == parse_when(start, MON)


@quick
@given(day=todays, today=todays)
def test_a_formatted_date_reads_back(day, today):
    assert parse_when(format_date(day), today) == When(day=day, past=day < today)


@quick
@given(moment=st.times())
def test_a_formatted_time_reads_back(moment):
    assert parse_when(f"às {format_time(moment)}", MON) == When(time=moment.replace(second=0, microsecond=0))

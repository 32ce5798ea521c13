"""Prices, amounts charged, commissions, `caixa` and the revenue report, as the owner and the
accountant use them: admin commands through signed webhooks, the REST API over HTTP."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from bot import texts
from storage import booking, clock, money, revenue
from storage.availability import Rules
from storage.demo import seed_demo
from storage.models import Appointment, AppointmentStatus, AuditLog, Professional, Service, User
from tests.helpers import ADMIN_PHONE, SAO_PAULO, WhatsApp, freeze, local

BOOKING_DAY = local(2026, 10, 26, 10, 0)  # a Monday before the month of the report
AFTER_THE_MONTH = local(2026, 12, 2, 10, 0)
RULES = Rules(tz=SAO_PAULO)


@pytest.fixture
def shop(app, db):
    """The demo services; Zé (the default professional, renamed) and Ana; the clock on BOOKING_DAY."""
    freeze(BOOKING_DAY)
    seed_demo()
    ze = Professional.get()
    Professional.update(name="Zé").where(Professional.id == ze.id).execute()
    ana = Professional.create(name="Ana")
    return {"ze": Professional.get_by_id(ze.id), "ana": ana, **{s.name: s for s in Service.select()}}


@pytest.fixture
def owner(shop, client):
    return WhatsApp(client, ADMIN_PHONE)


def _customer(name: str) -> User:
    found = User.get_or_none(User.name == name)
    return found or User.create(name=name, phone=f"+5511970{User.select().count():06d}")


def book(shop, who: str, name: str, service: str, start: dt.datetime) -> Appointment:
    return booking.book(user_id=_customer(name).id, service=Service.get(Service.name == service), start=start,
                        rules=RULES, now=clock.now(), professional_id=shop[who].id, policy=booking.ADMIN)


def unchanged(*rows):
    """The rows as they are in the database now, to compare after a refused command."""
    return [type(row).get_by_id(row.id).__data__ for row in rows]


# --- a month of mixed appointments ----------------------------------------------------------------------------

@pytest.fixture
def november(shop, owner, api):
    """November 2026 as the owner lived it (the hand computation is in the test below)."""
    corte, barba, sobrancelha = shop["Corte"], shop["Barba"], shop["Sobrancelha"]
    assert owner.send(f"servico preco #{corte.id} 45,00") == texts.service_price_set(corte.id, "Corte", 4500)
    assert owner.send(f"servico preco #{barba.id} R$ 30") == texts.service_price_set(barba.id, "Barba", 3000)
    assert owner.send(f"profissional comissao #{shop['ze'].id} 40%") == texts.commission_set("Zé", "40")
    assert owner.send(f"profissional comissao #{shop['ana'].id} 37,5%") == texts.commission_set("Ana", "37,5")
    a = {
        "ze_corte": book(shop, "ze", "Carla", "Corte", local(2026, 11, 2, 9, 0)),
        "ze_barba": book(shop, "ze", "Diego", "Barba", local(2026, 11, 3, 10, 0)),
        "ze_falta": book(shop, "ze", "Edu", "Corte", local(2026, 11, 4, 14, 0)),
        "ze_cancelado": book(shop, "ze", "Fabi", "Corte", local(2026, 11, 5, 15, 0)),
        "ana_corte": book(shop, "ana", "Gabi", "Corte", local(2026, 11, 2, 11, 0)),
        "ana_sobrancelha": book(shop, "ana", "Helô", "Sobrancelha", local(2026, 11, 9, 13, 0)),
        "ana_barba": book(shop, "ana", "Igor", "Barba", local(2026, 11, 10, 16, 0)),
        "ana_falta": book(shop, "ana", "Juca", "Barba", local(2026, 11, 11, 17, 0)),
        "sem_registro": book(shop, "ze", "Lia", "Corte", local(2026, 11, 12, 9, 0)),
        "outubro": book(shop, "ze", "Mel", "Corte", local(2026, 10, 31, 12, 0)),
    }
    assert sobrancelha.price_cents is None
    # Through the REST API, at the edges of the month in local time (not bound by opening hours).
    user_id = _customer("Nina").id
    for key, when in (("api_ultimo_dia", "2026-11-30T23:30"), ("api_dezembro", "2026-12-01T00:30")):
        response = api.post("/appointments", json={"user_id": user_id, "date": when, "service_id": barba.id,
                                                   "professional_id": shop["ana"].id})
        assert response.status_code == 201
        a[key] = Appointment.get_by_id(response.get_json()["id"])
    # The price of a Corte goes up: what was booked keeps its price, even when moved.
    assert owner.send(f"servico preco #{corte.id} 50") == texts.service_price_set(corte.id, "Corte", 5000)
    booking.reschedule(a["ze_corte"].id, local(2026, 11, 2, 9, 30), rules=RULES, now=clock.now(),
                       policy=booking.ADMIN)
    a["ze_corte_novo_preco"] = book(shop, "ze", "Otto", "Corte", local(2026, 11, 6, 9, 0))

    freeze(AFTER_THE_MONTH)
    for key in ("ze_corte", "ze_corte_novo_preco", "ana_corte", "ana_sobrancelha", "api_ultimo_dia",
                "api_dezembro", "outubro"):
        assert owner.send(f"compareceu #{a[key].id}") == texts.admin_marked(f"#{a[key].id}", False)
    for key in ("ze_falta", "ana_falta"):
        assert owner.send(f"faltou #{a[key].id}") == texts.admin_marked(f"#{a[key].id}", True)
    owner.send(f"cancelar #{a['ze_cancelado'].id}")
    # Charged differs from the price: a tip on a booked one (which marks it attended), a discount.
    assert owner.send(f"cobrado #{a['ze_barba'].id} 35,50") == texts.charged(f"#{a['ze_barba'].id}", 3550, 3000, True)
    owner.send(f"compareceu #{a['ana_barba'].id}")
    assert owner.send(f"cobrado #{a['ana_barba'].id} 25") == texts.charged(f"#{a['ana_barba'].id}", 2500, 3000, False)
    return a


def test_prices_are_kept_as_booked_even_after_a_change_and_a_reschedule(november):
    price = {key: Appointment.get_by_id(a.id).price_cents for key, a in november.items()}
    assert price["ze_corte"] == 4500  # booked at 45,00, moved after the change
    assert price["ze_corte_novo_preco"] == 5000
    assert price["api_ultimo_dia"] == 3000 and price["ana_sobrancelha"] is None
    assert Appointment.get_by_id(november["ze_barba"].id).status == AppointmentStatus.DONE
    assert Appointment.get_by_id(november["ze_barba"].id).charged_cents == 3550


def test_the_month_matches_a_hand_computation(november, shop):
    report = revenue.report(dt.date(2026, 11, 1), dt.date(2026, 11, 30), rules=RULES, now=clock.now())
    # Attended: 45,00 (moved, old price) + 35,50 (charged) + 50,00 (new price) for Zé;
    # 45,00 + 0 (no price) + 25,00 (charged) + 30,00 (23:30 on the 30th, local) for Ana.
    totals = report.totals
    assert (totals.attended, totals.revenue_cents, totals.no_shows, totals.lost_cents) == (7, 23050, 2, 7500)
    assert (totals.unpriced, totals.unmarked) == (1, 1)
    by_name = {p.name: p for p in report.professionals}
    # Zé 40%: 18,00 + 14,20 + 20,00. Ana 37,5%: 16,875 -> 16,88; 0; 9,375 -> 9,38; 11,25.
    assert (by_name["Zé"].attended, by_name["Zé"].revenue_cents, by_name["Zé"].commission_cents) == (3, 13050, 5220)
    assert (by_name["Ana"].attended, by_name["Ana"].revenue_cents, by_name["Ana"].commission_cents) == (4, 10000, 3751)
    assert (by_name["Zé"].no_shows, by_name["Zé"].lost_cents, by_name["Ana"].lost_cents) == (1, 4500, 3000)
    assert totals.commission_cents == 8971
    ids = {row.id for row in report.rows}
    assert november["ze_cancelado"].id not in ids and november["outubro"].id not in ids
    assert november["api_dezembro"].id not in ids and november["sem_registro"].id not in ids


def test_caixa_of_the_month_through_the_webhook(november, owner):
    reply = owner.send("caixa 01/11 30/11")
    assert reply == texts.cash_report(
        "01/11/2026 a 30/11/2026", 7, 23050, 2, 7500,
        [texts.cash_professional("Zé", 3, 13050, 1, "40", 5220),
         texts.cash_professional("Ana", 4, 10000, 1, "37,5", 3751)],
        8971, 1, 1)
    assert "*R$ 230,50*" in reply and "R$ 89,71" in reply
    assert owner.send("caixa 1/11/2026 a 30/11/2026") == reply
    audit = AuditLog.select().where(AuditLog.action == "caixa").order_by(AuditLog.id.desc()).first()
    assert (audit.actor, audit.detail) == (ADMIN_PHONE, "ok: caixa 1/11/2026 a 30/11/2026")


def test_caixa_today_week_and_month(november, owner):
    today = owner.send("caixa")
    assert today.startswith("💰 *Caixa* - quarta-feira, 02/12/2026") and "Atendimentos: *0*" in today
    assert owner.send("caixa hoje") == today
    assert owner.send("caixa ontem").startswith("💰 *Caixa* - terça-feira, 01/12/2026\n✔️ Atendimentos: *1* - *R$ 30,00*")
    assert owner.send("caixa semana").startswith("💰 *Caixa* - 30/11/2026 a 06/12/2026\n✔️ Atendimentos: *2* - *R$ 60,00*")
    assert owner.send("caixa mes").startswith("💰 *Caixa* - 01/12/2026 a 31/12/2026")
    assert owner.send("caixa mês") == owner.send("caixa mes")


def test_a_professional_sees_only_their_own_caixa_and_cannot_charge(november, owner, shop, client):
    owner.send(f"profissional telefone #{shop['ana'].id} +5511955554444")
    ana = WhatsApp(client, "+5511955554444")
    reply = ana.send("caixa 01/11 30/11")
    assert reply == texts.cash_report("01/11/2026 a 30/11/2026", 4, 10000, 1, 3000,
                                      [texts.cash_professional("Ana", 4, 10000, 1, "37,5", 3751)], 3751, 1, 0)
    assert "Zé" not in reply
    before = unchanged(november["ana_corte"])
    assert ana.send(f"cobrado #{november['ana_corte'].id} 99") == texts.OWNER_ONLY
    assert unchanged(november["ana_corte"]) == before
    assert "caixa" in ana.send("ajuda") and "cobrado" not in ana.send("ajuda")


# --- the report over HTTP -----------------------------------------------------------------------------------

def test_the_json_report_has_rows_totals_and_commissions(november, api):
    response = api.get("/reports/revenue?from=2026-11-01&to=2026-11-30")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["from"], body["to"], body["currency"]) == ("2026-11-01", "2026-11-30", "BRL")
    assert body["totals"] == {"attended": 7, "revenue": "230.50", "no_shows": 2, "lost": "75.00",
                              "commission": "89.71", "unpriced": 1, "unmarked": 1}
    assert [(p["name"], p["revenue"], p["commission_percent"], p["commission"]) for p in body["professionals"]] == [
        ("Zé", "130.50", "40.00", "52.20"), ("Ana", "100.00", "37.50", "37.51")]
    tip = next(row for row in body["rows"] if row["id"] == november["ze_barba"].id)
    assert (tip["price"], tip["charged"], tip["revenue"], tip["commission"]) == ("30.00", "35.50", "35.50", "14.20")
    assert tip["start"] == "2026-11-03T10:00:00-03:00" and tip["status"] == "done"
    assert len(body["rows"]) == 9
    assert sum(Decimal(row["revenue"]) for row in body["rows"]) == Decimal(body["totals"]["revenue"])


def _csv_rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the accents right
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_the_csv_opens_with_the_accountant_s_columns(november, api):
    rows = _csv_rows(api.get("/reports/revenue.csv?from=2026-11-01&to=2026-11-30"))
    assert list(rows[0]) == ["data", "hora", "agendamento", "cliente", "serviço", "profissional", "status", "preço",
                             "valor cobrado", "valor", "comissão %", "comissão"]
    assert len(rows) == 9
    tip = next(row for row in rows if row["agendamento"] == str(november["ze_barba"].id))
    assert tip == {"data": "03/11/2026", "hora": "10:00", "agendamento": str(november["ze_barba"].id),
                   "cliente": "Diego", "serviço": "Barba", "profissional": "Zé", "status": "atendido",
                   "preço": "30,00", "valor cobrado": "35,50", "valor": "35,50", "comissão %": "40",
                   "comissão": "14,20"}
    last = next(row for row in rows if row["agendamento"] == str(november["api_ultimo_dia"].id))
    assert (last["data"], last["hora"], last["comissão %"], last["comissão"]) == ("30/11/2026", "23:30", "37,5", "11,25")
    no_show = next(row for row in rows if row["agendamento"] == str(november["ze_falta"].id))
    assert (no_show["status"], no_show["preço"], no_show["valor"], no_show["comissão"]) == ("faltou", "45,00", "0,00", "0,00")
    unpriced = next(row for row in rows if row["serviço"] == "Sobrancelha")
    assert (unpriced["preço"], unpriced["valor cobrado"], unpriced["valor"]) == ("", "", "0,00")

    def total(column):
        return sum(Decimal(row[column].replace(",", ".")) for row in rows)

    assert (total("valor"), total("comissão")) == (Decimal("230.50"), Decimal("89.71"))
    with_accept = api.client.get("/reports/revenue?from=2026-11-01&to=2026-11-30",
                                 headers={**api.headers, "Accept": "text/csv"})
    assert _csv_rows(with_accept) == rows


def test_a_name_that_looks_like_a_formula_is_written_as_text(shop, api):
    customer = User.create(name="=HYPERLINK(1)", phone="+5511933332222")
    made = booking.book(user_id=customer.id, service=shop["Corte"], start=local(2026, 10, 27, 9, 0), rules=RULES,
                        now=clock.now(), professional_id=shop["ze"].id, policy=booking.ADMIN)
    freeze(AFTER_THE_MONTH)
    booking.mark(made.id, AppointmentStatus.DONE, now=clock.now())
    rows = _csv_rows(api.get("/reports/revenue.csv?from=2026-10-01&to=2026-10-31"))
    assert rows[0]["cliente"] == "'=HYPERLINK(1)"


@pytest.mark.parametrize(("query", "message"), [
    ("", "from is required"),
    ("?from=2026-11-01", "to is required"),
    ("?from=01/11/2026&to=2026-11-30", "from must be a date like 2026-11-01"),
    ("?from=2026-11-31&to=2026-12-01", "from must be a date like 2026-11-01"),
    ("?from=2026-11-30&to=2026-11-01", "to must not be before from"),
    ("?from=2025-01-01&to=2026-01-02", "to must be at most 366 days from from"),
    ("?from=0001-01-01&to=0001-01-02", "from is out of range"),
])
def test_bad_dates_are_400(api, db, query, message):
    for path in ("/reports/revenue", "/reports/revenue.csv"):
        response = api.get(path + query)
        assert (response.status_code, response.get_json()) == (400, {"error": message})


def test_a_year_is_the_longest_range(api, db):
    assert api.get("/reports/revenue?from=2024-01-01&to=2024-12-31").status_code == 200  # 366 days, leap year


@pytest.mark.parametrize("path", ["/reports/revenue?from=2026-11-01&to=2026-11-30",
                                  "/reports/revenue.csv?from=2026-11-01&to=2026-11-30"])
def test_the_report_needs_the_token(client, db, path):
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        response = client.get(path, headers=headers)
        assert (response.status_code, response.get_json()) == (401, {"error": "Unauthorized"})


def test_services_and_appointments_expose_prices(november, api, shop):
    services = {s["name"]: s for s in api.get("/services").get_json()}
    assert (services["Corte"]["price"], services["Sobrancelha"]["price"]) == ("50.00", None)
    moved = api.get(f"/appointments/{november['ze_corte'].id}").get_json()
    assert (moved["price"], moved["charged"]) == ("45.00", None)
    tip = api.get(f"/appointments/{november['ze_barba'].id}").get_json()
    assert (tip["price"], tip["charged"]) == ("30.00", "35.50")
    schemas = api.client.get("/openapi.json").get_json()["components"]["schemas"]
    assert {"price"} <= set(schemas["Service"]["properties"])
    assert {"price", "charged"} <= set(schemas["Appointment"]["properties"])
    assert {"rows", "totals", "professionals"} <= set(schemas["RevenueReport"]["properties"])


# --- the admin commands, and bad input ------------------------------------------------------------------------

def test_prices_show_in_the_service_lists(owner, shop, whatsapp):
    corte = shop["Corte"]
    owner.send(f"servico preco #{corte.id} 1.234,56")
    assert f"#{corte.id} Corte - 30 min - R$ 1.234,56" in owner.send("servicos")
    customer = whatsapp("+5511977776666")
    customer.send("oi")
    customer.send("Bia")
    reply = customer.send("agendar")
    assert reply == texts.choose_service([(s.name, s.duration, s.price_cents) for s in Service.offered()])
    assert "Corte (30 min) - R$ 1.234,56" in reply and "Barba (30 min)\n" in reply
    assert owner.send(f"servico preco #{corte.id} sem preco") == texts.service_price_cleared(corte.id, "Corte")
    assert Service.get_by_id(corte.id).price_cents is None


@pytest.mark.parametrize("written", ["-5", "abc", "45,001", "R$", "1.23.4", "45,00 reais", "9999999999", "½"])
def test_a_bad_price_is_refused_clearly_and_changes_nothing(owner, shop, written):
    corte = shop["Corte"]
    owner.send(f"servico preco #{corte.id} 45")
    before = unchanged(corte)
    assert owner.send(f"servico preco #{corte.id} {written}") == texts.bad_amount(written, "servico preco #3 45,00")
    assert unchanged(corte) == before
    audit = AuditLog.select().order_by(AuditLog.id.desc()).first()
    assert (audit.action, audit.detail) == ("servico", f"refused: servico preco #{corte.id} {written}")


def test_bad_commands_answer_their_usage_and_change_nothing(owner, shop):
    before = unchanged(shop["Corte"], shop["ze"])
    assert owner.send("servico preco #999 10") == texts.service_not_found("#999")
    assert owner.send("servico preco #1") == texts.admin_usage("servico")
    assert owner.send(f"profissional comissao #{shop['ze'].id} 150%") == texts.bad_percent("150%")
    assert owner.send(f"profissional comissao #{shop['ze'].id} -3%") == texts.bad_percent("-3%")
    assert owner.send(f"profissional comissao #{shop['ze'].id} 12,345%") == texts.bad_percent("12,345%")
    assert owner.send("profissional comissao #999 10%") == texts.professional_not_found("#999")
    assert owner.send("caixa 31/02") == texts.admin_usage("caixa")
    assert owner.send("caixa amanha semana") == texts.admin_usage("caixa")
    assert owner.send("caixa 30/11 01/11") == texts.CASH_RANGE_BACKWARDS
    assert owner.send("caixa 01/01/2024 31/12/2025") == texts.cash_range_too_long(366)
    assert unchanged(shop["Corte"], shop["ze"]) == before
    outcomes = [row.detail.partition(":")[0] for row in AuditLog.select().order_by(AuditLog.id)]
    assert outcomes == ["refused", "usage", "refused", "refused", "refused", "refused", "usage", "usage",
                        "refused", "refused"]


def test_commission_can_be_cleared(owner, shop):
    owner.send(f"profissional comissao #{shop['ana'].id} 12.25 %")
    assert Professional.get_by_id(shop["ana"].id).commission_bp == 1225
    assert owner.send(f"profissional comissao #{shop['ana'].id} nenhuma") == texts.commission_cleared("Ana")
    assert Professional.get_by_id(shop["ana"].id).commission_bp is None


def test_cobrado_only_for_an_appointment_that_happened(owner, shop):
    future = book(shop, "ze", "Pedro", "Corte", local(2026, 10, 28, 9, 0))
    cancelled = book(shop, "ze", "Quim", "Corte", local(2026, 10, 26, 15, 0))
    no_show = book(shop, "ze", "Rui", "Corte", local(2026, 10, 26, 16, 0))
    owner.send(f"cancelar #{cancelled.id}")
    freeze(local(2026, 10, 27, 9, 0))
    owner.send(f"faltou #{no_show.id}")
    before = unchanged(future, cancelled, no_show)
    assert owner.send(f"cobrado #{future.id} 50") == texts.CHARGE_NOT_YET
    assert owner.send(f"cobrado #{cancelled.id} 50") == texts.charge_refused(f"#{cancelled.id}", "❌ cancelado")
    assert owner.send(f"cobrado #{no_show.id} 50") == texts.charge_refused(f"#{no_show.id}", "🚫 faltou")
    assert owner.send(f"cobrado #{no_show.id} -50") == texts.bad_amount("-50", f"cobrado #{no_show.id} 50,00")
    assert owner.send(f"cobrado #{no_show.id}") == texts.admin_usage("cobrado")
    assert owner.send("cobrado #99999 50") == texts.ADMIN_NOT_FOUND.format(ref="#99999")
    assert unchanged(future, cancelled, no_show) == before
    audits = list(AuditLog.select().where(AuditLog.action == "cobrado").order_by(AuditLog.id))
    assert [(a.detail.partition(":")[0], a.appointment_id) for a in audits] == [
        ("refused", future.id), ("refused", cancelled.id), ("refused", no_show.id), ("refused", no_show.id),
        ("usage", no_show.id), ("refused", 99999)]


def test_cobrado_again_corrects_the_amount(owner, shop):
    done = book(shop, "ze", "Sara", "Corte", local(2026, 10, 26, 14, 0))
    freeze(local(2026, 10, 26, 15, 0))
    owner.send(f"cobrado #{done.id} 40")
    assert owner.send(f"cobrado #{done.id} 42,5") == texts.charged(f"#{done.id}", 4250, None, False)
    assert Appointment.get_by_id(done.id).charged_cents == 4250


# --- the daily summary --------------------------------------------------------------------------------------

def test_the_daily_summary_carries_yesterday_s_figures(november, app):
    from scheduler.compose import compose
    from storage.models import OutboundMessage, OutboxKind

    row = OutboundMessage(recipient=ADMIN_PHONE, kind=OutboxKind.SUMMARY, params={"day": "2026-12-01"})
    sent = compose(row, None, None, None, app.config["SETTINGS"], clock.now())
    # 30/11: Ana's 23:30 Barba (local time), attended at 30,00; no no-shows.
    assert sent.body.startswith("☀️ Bom dia! " + texts.yesterday_figures(1, 3000, 0) + "\n\nSua agenda de hoje:")
    row.params = {"day": "2026-11-05"}  # 04/11: Zé's no-show
    assert texts.yesterday_figures(0, 0, 1) in compose(row, None, None, None, app.config["SETTINGS"], clock.now()).body


# --- money itself -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("written", "cents"), [
    ("45", 4500), ("45,00", 4500), ("45,5", 4550), ("R$ 45,00", 4500), ("r$45", 4500), ("1.234,56", 123456),
    ("1234,56", 123456), ("45.50", 4550), ("1.234", 123400), ("0", 0), ("1.000.000,00", 100_000_000)])
def test_amounts_as_brazilians_write_them(written, cents):
    assert money.parse_amount(written) == cents


@pytest.mark.parametrize(("written", "bp"), [("40%", 4000), ("40", 4000), ("37,5%", 3750), ("12.25 %", 1225),
                                              ("0%", 0), ("100%", 10000)])
def test_percentages(written, bp):
    assert money.parse_percent(written) == bp
    assert money.commission(10000, bp) == bp  # of R$ 100,00, a percentage in basis points is centavos


def test_commission_rounds_half_up_per_appointment():
    assert money.commission(4500, 3750) == 1688  # 16,875
    assert money.commission(2500, 3750) == 938  # 9,375
    assert money.commission(1, 4999) == 0 and money.commission(1, 5000) == 1
    assert money.commission(4500, None) == 0

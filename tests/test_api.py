"""The REST API, as an integrator uses it: real HTTP bodies, every status the contract names."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.models import Appointment, AppointmentStatus, OutboundMessage, OutboxKind, Service
from tests.helpers import API_TOKEN, freeze, local

MONDAY_9AM = local(2026, 12, 7, 9, 0)


@pytest.fixture
def shop(api, db):
    """A business with two services and a customer; the clock reads Monday 07/12/2026 09:00."""
    freeze(MONDAY_9AM)
    Service.create(name="Corte", duration=30)
    Service.create(name="Coloração", duration=90)
    response = api.post("/users", json={"name": "Ana Souza", "phone": "+5511988887777"})
    assert response.status_code == 201
    return {"user_id": response.get_json()["id"]}


# --- authentication ---------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Bearer wrong-token",
                                    f"Basic {API_TOKEN}", f"Bearer {API_TOKEN}x", f"bearer{API_TOKEN}"])
@pytest.mark.parametrize("path", ["/users", "/users/1", "/services", "/professionals",
                                  "/appointments", "/appointments/1"])
def test_every_endpoint_needs_the_token(client, path, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.get(path, headers=headers)
    assert response.status_code == 401
    assert response.get_json() == {"error": "Unauthorized"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_writes_need_the_token_and_change_nothing(client, api, db):
    assert client.post("/users", json={"name": "Eve", "phone": "+5511977776666"}).status_code == 401
    assert client.post("/appointments", json={}).status_code == 401
    assert client.delete("/appointments/1").status_code == 401
    assert api.get("/users").get_json() == []


def test_without_an_api_token_configured_everything_is_401(config):
    from app import create_app

    config["api_token"] = None
    client = create_app(config).test_client()
    for token in ("", "None", "null"):
        assert client.get("/users", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_openapi_is_public_and_describes_every_route(client, app):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops
                  if method != "parameters"}
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("api.", "reports.")):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)  # <int(min=1):id> -> {id}
            served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented


# --- users ------------------------------------------------------------------------------------

def test_a_new_user_is_created_and_listed(api, db):
    response = api.post("/users", json={"name": "João 💈", "phone": "+55 11 99999-9999", "extra": 1})
    assert response.status_code == 201
    body = response.get_json()
    assert body["message"] == "User created" and isinstance(body["id"], int)
    assert api.get("/users").get_json() == [{"id": body["id"], "name": "João 💈", "phone": "+5511999999999", "whatsapp_id": None}]
    assert api.get(f"/users/{body['id']}").get_json()["name"] == "João 💈"


def test_a_national_number_is_read_as_brazilian(api, db):
    response = api.post("/users", json={"name": "Bia", "phone": "11999999999"})
    assert response.status_code == 201
    assert api.get(f"/users/{response.get_json()['id']}").get_json()["phone"] == "+5511999999999"


def test_the_same_phone_twice_is_a_conflict_whatever_its_spelling(api, db):
    assert api.post("/users", json={"name": "Bia", "phone": "11999999999"}).status_code == 201
    response = api.post("/users", json={"name": "Outra", "phone": "+55 (11) 99999-9999"})
    assert response.status_code == 409
    assert "error" in response.get_json()
    assert len(api.get("/users").get_json()) == 1


@pytest.mark.parametrize("body", [
    {"phone": "+5511999999999"},
    {"name": "Ana"},
    {"name": "", "phone": "+5511999999999"},
    {"name": "   ", "phone": "+5511999999999"},
    {"name": "x" * 101, "phone": "+5511999999999"},
    {"name": 42, "phone": "+5511999999999"},
    {"name": "Ana", "phone": "123"},
    {"name": "Ana", "phone": "not a phone"},
    {"name": "Ana", "phone": True},
    {"name": "Ana", "phone": ["+5511999999999"]},
    {"name": None, "phone": None},
])
def test_invalid_users_are_refused_with_400(api, db, body):
    response = api.post("/users", json=body)
    assert response.status_code == 400
    assert set(response.get_json()) == {"error"}
    assert api.get("/users").get_json() == []


def test_bodies_that_are_not_json_objects(api, client):
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    assert client.post("/users", data="name=Ana", headers=headers).status_code == 415
    bad = client.post("/users", data="{not json", headers=headers, content_type="application/json")
    assert bad.status_code == 400 and bad.get_json() == {"error": "Body is not valid JSON"}
    listed = api.post("/users", json=[{"name": "Ana"}])
    assert listed.status_code == 400 and "object" in listed.get_json()["error"]


def test_unknown_user_is_404(api, db):
    response = api.get("/users/999")
    assert response.status_code == 404
    assert response.get_json() == {"error": "User not found"}


def test_services_and_professionals_are_listed(api, shop):
    services = api.get("/services").get_json()
    assert [(s["name"], s["duration"]) for s in services] == [("Corte", 30), ("Coloração", 90)]
    professionals = api.get("/professionals").get_json()
    assert len(professionals) == 1 and professionals[0]["active"] is True


# --- appointments ----------------------------------------------------------------------------------

def test_booking_by_service_name_uses_its_duration(api, shop):
    response = api.post("/appointments", json={"user_id": shop["user_id"], "date": "2026-12-08T14:00",
                                               "type": "coloracao"})
    assert response.status_code == 201
    assert response.get_json()["message"] == "Appointment created"
    appointment = api.get(f"/appointments/{response.get_json()['id']}").get_json()
    assert appointment["date"] == "2026-12-08T14:00:00-03:00"
    assert appointment["end"] == "2026-12-08T15:30:00-03:00"
    assert appointment["type"] == "Coloração" and appointment["duration"] == 90
    assert appointment["status"] == "booked" and appointment["user_id"] == shop["user_id"]


def test_booking_by_service_id_with_an_explicit_duration_and_offset(api, shop):
    service_id = api.get("/services").get_json()[0]["id"]
    response = api.post("/appointments", json={"user_id": shop["user_id"], "service_id": service_id,
                                               "date": "2026-12-08T17:00:00Z", "duration": 45})
    assert response.status_code == 201
    appointment = api.get(f"/appointments/{response.get_json()['id']}").get_json()
    assert appointment["date"] == "2026-12-08T14:00:00-03:00"  # 17:00 UTC is 14:00 in São Paulo
    assert appointment["duration"] == 45


def test_the_api_is_not_bound_by_opening_hours(api, shop):
    # Sunday 23:00: no opening hours exist at all; the owner's integration may book extra hours.
    response = api.post("/appointments", json={"user_id": shop["user_id"], "date": "2026-12-13T23:00",
                                               "type": "Corte"})
    assert response.status_code == 201


@pytest.mark.parametrize("change, message", [
    ({"user_id": None}, "user_id is required"),
    ({"date": None}, "date is required"),
    ({"type": None}, "type or service_id is required"),
    ({"date": "2026-12-01T10:00"}, "date is in the past"),
    ({"date": "amanhã"}, "date must be an ISO 8601 date-time"),
    ({"date": "2026-12-08"}, "date must include a time"),
    ({"date": "2026-02-30T10:00"}, "date must be an ISO 8601 date-time"),
    ({"type": "Massagem"}, "type names no service"),
    ({"duration": 0}, "duration must be"),
    ({"duration": 481}, "duration must be"),
    ({"duration": "30"}, "duration must be"),
    ({"duration": True}, "duration must be"),
    ({"user_id": "abc"}, "user_id must be a positive integer"),
    ({"user_id": -3}, "user_id must be a positive integer"),
])
def test_invalid_appointments_are_400(api, shop, change, message):
    body = {"user_id": shop["user_id"], "date": "2026-12-08T14:00", "type": "Corte"}
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    response = api.post("/appointments", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith(message)
    assert api.get("/appointments").get_json() == []


def test_errors_come_in_the_contract_order(api, shop):
    # Invalid input wins over an unknown user, which wins over an overlap.
    past_and_unknown = {"user_id": 999, "date": "2026-12-01T10:00", "type": "Corte"}
    assert api.post("/appointments", json=past_and_unknown).status_code == 400
    no_such_type_unknown_user = {"user_id": 999, "date": "2026-12-08T10:00", "type": "Massagem"}
    assert api.post("/appointments", json=no_such_type_unknown_user).status_code == 400
    first = {"user_id": shop["user_id"], "date": "2026-12-08T10:00", "type": "Corte"}
    assert api.post("/appointments", json=first).status_code == 201
    assert api.post("/appointments", json={**first, "user_id": 999}).status_code == 404


@pytest.mark.parametrize("change, message", [
    ({"user_id": 999}, "User not found"),
    ({"service_id": 999, "type": None}, "Service not found"),
    ({"professional_id": 999}, "Professional not found"),
])
def test_unknown_references_are_404(api, shop, change, message):
    body = {"user_id": shop["user_id"], "date": "2026-12-08T14:00", "type": "Corte", **change}
    body = {k: v for k, v in body.items() if v is not None}
    response = api.post("/appointments", json=body)
    assert response.status_code == 404
    assert response.get_json() == {"error": message}


def test_an_overlapping_appointment_is_409_and_touching_ones_are_fine(api, shop):
    user = shop["user_id"]
    assert api.post("/appointments", json={"user_id": user, "date": "2026-12-08T14:00",
                                           "type": "Coloração"}).status_code == 201  # 14:00-15:30
    overlap = api.post("/appointments", json={"user_id": user, "date": "2026-12-08T15:00", "type": "Corte"})
    assert overlap.status_code == 409
    assert overlap.get_json() == {"error": "The time overlaps another booked appointment"}
    before = api.post("/appointments", json={"user_id": user, "date": "2026-12-08T13:30", "type": "Corte"})
    after = api.post("/appointments", json={"user_id": user, "date": "2026-12-08T15:30", "type": "Corte"})
    assert (before.status_code, after.status_code) == (201, 201)
    assert len(api.get("/appointments").get_json()) == 3


def test_a_cancelled_appointment_frees_its_time(api, shop):
    body = {"user_id": shop["user_id"], "date": "2026-12-08T14:00", "type": "Corte"}
    first = api.post("/appointments", json=body).get_json()["id"]
    assert api.delete(f"/appointments/{first}").status_code == 200
    assert api.post("/appointments", json=body).status_code == 201


def test_cancel_notifies_the_customer_once_through_the_outbox(api, shop):
    body = {"user_id": shop["user_id"], "date": "2026-12-08T14:00", "type": "Corte"}
    appointment_id = api.post("/appointments", json=body).get_json()["id"]
    response = api.delete(f"/appointments/{appointment_id}")
    assert response.status_code == 200
    assert response.get_json() == {"message": "Appointment cancelled", "id": appointment_id}
    assert api.get(f"/appointments/{appointment_id}").get_json()["status"] == "cancelled"
    assert api.delete(f"/appointments/{appointment_id}").status_code == 200  # idempotent
    notices = list(OutboundMessage.select().where(OutboundMessage.kind == OutboxKind.CANCELLATION))
    assert [(n.recipient, n.appointment_id) for n in notices] == [("+5511988887777", appointment_id)]
    assert Appointment.get_by_id(appointment_id).status == AppointmentStatus.CANCELLED  # never deleted


def test_cancelling_a_finished_appointment_is_409_and_unknown_is_404(api, shop):
    from storage import booking, clock

    body = {"user_id": shop["user_id"], "date": "2026-12-08T14:00", "type": "Corte"}
    appointment_id = api.post("/appointments", json=body).get_json()["id"]
    booking.mark(appointment_id, AppointmentStatus.DONE, now=clock.now())
    assert api.delete(f"/appointments/{appointment_id}").status_code == 409
    assert api.delete("/appointments/999").status_code == 404
    assert api.get("/appointments/999").status_code == 404


def test_listing_filters(api, shop):
    other = api.post("/users", json={"name": "Caio", "phone": "+5521988887777"}).get_json()["id"]
    ids = {}
    for user, when in ((shop["user_id"], "2026-12-08T09:00"), (other, "2026-12-08T10:00"),
                       (shop["user_id"], "2026-12-09T09:00"), (shop["user_id"], "2026-12-10T09:00")):
        ids[when] = api.post("/appointments", json={"user_id": user, "date": when, "type": "Corte"}).get_json()["id"]
    api.delete(f"/appointments/{ids['2026-12-10T09:00']}")

    def listed(query):
        response = api.get("/appointments" + query)
        assert response.status_code == 200, response.get_json()
        return [a["id"] for a in response.get_json()]

    assert listed("") == list(ids.values())
    assert listed(f"?user_id={other}") == [ids["2026-12-08T10:00"]]
    assert listed("?from=2026-12-09") == [ids["2026-12-09T09:00"], ids["2026-12-10T09:00"]]
    assert listed("?to=2026-12-08") == [ids["2026-12-08T09:00"], ids["2026-12-08T10:00"]]
    assert listed("?from=2026-12-08T09:30&to=2026-12-09T09:30") == [ids["2026-12-08T10:00"], ids["2026-12-09T09:00"]]
    assert listed("?status=cancelled") == [ids["2026-12-10T09:00"]]
    assert listed(f"?status=booked&user_id={shop['user_id']}") == [ids["2026-12-08T09:00"], ids["2026-12-09T09:00"]]
    assert listed("?limit=2&offset=1") == [ids["2026-12-08T10:00"], ids["2026-12-09T09:00"]]
    for bad in ("?status=maybe", "?from=ontem", "?user_id=x", "?limit=0", "?offset=-1"):
        response = api.get("/appointments" + bad)
        assert response.status_code == 400 and "error" in response.get_json(), bad


# --- health and failures -----------------------------------------------------------------------------

def test_health_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("url", ["mysql://root@127.0.0.1:1/nowhere",
                                 "sqlite:////nonexistent-dir/agendador.db"])
def test_an_unreachable_database_is_503_json_without_details(config, url):
    from app import create_app

    config["database_url"] = url
    config["db_pool_wait"] = 0.5
    client = create_app(config).test_client()
    response = client.get("/users", headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert response.status_code == 503
    assert response.get_json() == {"error": "Database unavailable"}
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["database"] == "unreachable"


def test_unknown_paths_and_methods_answer_json(api):
    assert api.get("/nope").status_code == 404
    assert api.get("/nope").get_json() == {"error": "Not Found"}
    assert api.client.put("/users", headers=api.headers).status_code == 405


def test_times_are_stored_in_utc_on_every_backend(api, shop, db):
    api.post("/appointments", json={"user_id": shop["user_id"], "date": "2026-12-08T14:00", "type": "Corte"})
    raw = db.execute_sql("SELECT date FROM appointments").fetchone()[0]
    assert str(raw).startswith("2026-12-08 17:00:00")  # 14:00 in São Paulo (UTC-3)
    assert Appointment.get().date == dt.datetime(2026, 12, 8, 17, 0, tzinfo=dt.UTC)


# --- odd input: a 400 (or 413) with a short message, never a 500 -------------------------------------

def post_raw(api, path: str, text: str):
    """POSTs `text` as it is, so a test can send JSON that json.dumps would never write."""
    return api.client.post(path, data=text.encode("utf-8", "surrogatepass"), headers=api.headers,
                           content_type="application/json")


@pytest.mark.parametrize("query", [
    "?offset=²", "?limit=²", "?user_id=²", "?offset=1.5", "?limit=1e3", "?user_id=1%00",
    "?to=9999-12-31", "?from=9999-12-31T23:00", "?from=0001-01-01T00:00%2B14:00", "?from=0999-12-31",
    "?limit=" + "9" * 5000, "?offset=" + "9" * 5000, "?user_id=" + "9" * 5000, "?from=" + "2026-12-08" * 1000,
    "?status=%00", "?status=" + "x" * 100_000, "?from=%ED%A0%BD", "?to=",
])
def test_odd_query_values_are_400(api, db, query):
    response = api.get("/appointments" + query)
    assert response.status_code == 400, query
    assert set(response.get_json()) == {"error"}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["user_id", "from", "to", "status", "limit", "offset"]), value=st.text(max_size=50))
def test_no_query_value_is_a_server_error(api, db, name, value):
    response = api.get("/appointments", query_string={name: value})
    assert response.status_code in (200, 400), (name, value)


@pytest.mark.parametrize("path", ["/users/99999999999999999999", "/appointments/99999999999999999999",
                                  "/users/0", "/appointments/2147483648"])
def test_ids_out_of_range_are_404(api, db, path):
    assert api.get(path).status_code == 404
    if path.startswith("/appointments"):
        assert api.delete(path).status_code == 404


@pytest.mark.parametrize("raw", ['{"name": "\\ud83d", "phone": "+5511999999999"}',
                                 '{"name": "Ana \\udc8e Souza", "phone": "+5511999999999"}',
                                 '{"name": "Ana", "phone": "+55119999\\ud83d99999"}'])
def test_a_lone_surrogate_is_400(api, db, raw):
    response = post_raw(api, "/users", raw)
    assert response.status_code == 400
    assert set(response.get_json()) == {"error"}
    assert api.get("/users").get_json() == []


@pytest.mark.parametrize("path", ["/users", "/appointments"])
def test_json_nested_50000_deep_is_400(api, db, path):
    deep = "[" * 50_000 + "]" * 50_000
    for raw in (deep, '{"name": "Ana", "phone": "+5511999999999", "extra": ' + deep + "}"):
        response = post_raw(api, path, raw)
        assert response.status_code == 400
        assert response.get_json() == {"error": "Body is not valid JSON"}


@pytest.mark.parametrize("path", ["/users", "/appointments"])
def test_a_huge_body_is_413_before_it_is_read(api, db, path):
    response = api.post(path, json={"name": "Ana", "phone": "+5511999999999", "notes": "x" * 200_000})
    assert response.status_code == 413
    assert set(response.get_json()) == {"error"}
    assert api.get("/users").get_json() == []


# --- names: one rule for every way in (storage/names.py) -----------------------------------------------

@pytest.mark.parametrize("name", [
    "Ana\x00", "\x00\x00Ana", "\u200b" * 10, "Ana\u200bSouza", "Ana \u202eazuoS", "Ana\u2066Souza",
    "Ana\nSouza", "Ana\tSouza", "Ana\u2028Souza", "Ana\u2029", "Ana\ufeff", "\u3164\u3164", "A", "A 1",
    "12345", "💈💈", "Ana\ue000",
])
def test_names_with_control_or_invisible_characters_are_refused(api, db, name):
    response = api.post("/users", json={"name": name, "phone": "+5511999999999"})
    assert response.status_code == 400, repr(name)
    assert response.get_json()["error"].startswith("name ")
    assert api.get("/users").get_json() == []


@pytest.mark.parametrize("given, stored", [("  Ana   Souza ", "Ana Souza"), ("Ana\u00a0Souza", "Ana Souza"),
                                           ("Zoë O'Brien-Smith", "Zoë O'Brien-Smith"), ("李小龙", "李小龙"),
                                           ("Jo", "Jo"), ("Ana ❤️", "Ana ❤️")])
def test_names_are_stored_tidied(api, db, given, stored):
    response = api.post("/users", json={"name": given, "phone": "+5511999999999"})
    assert response.status_code == 201, response.get_json()
    assert api.get(f"/users/{response.get_json()['id']}").get_json()["name"] == stored


# --- the OpenAPI document ---------------------------------------------------------------------------------

def test_openapi_declares_the_bearer_scheme_and_every_error(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}
    assert spec["security"] == [{"bearer": []}]
    operations = {op["operationId"]: (method, op) for ops in spec["paths"].values() for method, op in ops.items()
                  if method != "parameters"}
    assert set(operations) == {"listUsers", "createUser", "getUser", "listServices", "listProfessionals",
                               "listAppointments", "createAppointment", "getAppointment", "cancelAppointment",
                               "revenueReport", "revenueReportCsv"}
    expected = {"listUsers": {"200"}, "createUser": {"201", "400", "409", "413", "415"}, "getUser": {"200", "404"},
                "listServices": {"200"}, "listProfessionals": {"200"}, "listAppointments": {"200", "400"},
                "createAppointment": {"201", "400", "404", "409", "413", "415"},
                "getAppointment": {"200", "404"}, "cancelAppointment": {"200", "404", "409"},
                "revenueReport": {"200", "400"}, "revenueReportCsv": {"200", "400"}}
    for operation_id, (_, op) in operations.items():
        assert set(op["responses"]) == expected[operation_id] | {"401", "503"}, operation_id
        assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
        for status, response in op["responses"].items():
            if status >= "400":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (operation_id, status)
    assert spec["components"]["schemas"]["Error"]["required"] == ["error"]


def test_openapi_constraints_are_the_code_s(client):
    from storage.availability import MAX_DURATION

    schemas = client.get("/openapi.json").get_json()["components"]["schemas"]
    assert set(schemas["NewUser"]["required"]) == {"name", "phone"}
    assert schemas["NewUser"]["properties"]["name"]["maxLength"] == 100
    assert set(schemas["NewAppointment"]["required"]) == {"user_id", "date"}
    duration = schemas["NewAppointment"]["properties"]["duration"]
    assert duration["maximum"] == MAX_DURATION.total_seconds() // 60 and duration["minimum"] == 1

"""The OpenAPI 3.1 description of the REST API. It must say exactly what api/routes.py does."""
from __future__ import annotations

from typing import Any


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_UNAUTHORIZED = _error("Missing or wrong bearer token")
_UNAVAILABLE = _error("The database is unreachable")


def _id_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}


def _when() -> dict[str, Any]:
    return {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}


def spec() -> dict[str, Any]:
    created = {"type": "object", "required": ["message", "id"],
               "properties": {"message": {"type": "string"}, "id": {"type": "integer"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Agendador WhatsApp API", "version": "1.0.0",
                 "description": "Users, services, professionals and appointments of the business. "
                                "Every call but this description needs `Authorization: Bearer <API_TOKEN>`. "
                                "Dates are ISO 8601; without an offset they are business local time."},
        "security": [{"bearer": []}],
        "paths": {
            "/users": {
                "get": {"summary": "List users", "operationId": "listUsers",
                        "responses": {"200": _ok("All users", {"type": "array", "items": _ref("User")}),
                                      "401": _UNAUTHORIZED, "503": _UNAVAILABLE}},
                "post": {"summary": "Create a user", "operationId": "createUser",
                         "requestBody": {"required": True, "content": {"application/json": {
                             "schema": _ref("NewUser")}}},
                         "responses": {"201": _ok("Created", created),
                                       "400": _error("A field is missing or invalid"),
                                       "401": _UNAUTHORIZED,
                                       "409": _error("The phone is already registered"),
                                       "415": _error("The body is not JSON"),
                                       "503": _UNAVAILABLE}},
            },
            "/users/{user_id}": {
                "get": {"summary": "Get a user", "operationId": "getUser",
                        "parameters": [_id_param("user_id")],
                        "responses": {"200": _ok("The user", _ref("User")), "401": _UNAUTHORIZED,
                                      "404": _error("No such user"), "503": _UNAVAILABLE}},
            },
            "/services": {
                "get": {"summary": "List active services", "operationId": "listServices",
                        "responses": {"200": _ok("Active services", {"type": "array", "items": _ref("Service")}),
                                      "401": _UNAUTHORIZED, "503": _UNAVAILABLE}},
            },
            "/professionals": {
                "get": {"summary": "List professionals", "operationId": "listProfessionals",
                        "responses": {"200": _ok("Professionals", {"type": "array", "items": _ref("Professional")}),
                                      "401": _UNAUTHORIZED, "503": _UNAVAILABLE}},
            },
            "/appointments": {
                "get": {
                    "summary": "List appointments, oldest first", "operationId": "listAppointments",
                    "parameters": [
                        {"name": "user_id", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}},
                        {"name": "from", "in": "query", "description": "Starts at or after (date or date-time)",
                         "schema": _when()},
                        {"name": "to", "in": "query", "description": "Starts before (a bare date includes that day)",
                         "schema": _when()},
                        {"name": "status", "in": "query", "schema": _ref("Status")},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647, "default": 1000},
                         "description": "At most 1000 are returned per call"},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 999999999, "default": 0}},
                    ],
                    "responses": {"200": _ok("Appointments", {"type": "array", "items": _ref("Appointment")}),
                                  "400": _error("A filter is invalid"), "401": _UNAUTHORIZED,
                                  "503": _UNAVAILABLE}},
                "post": {
                    "summary": "Book an appointment", "operationId": "createAppointment",
                    "description": "Not bound by opening hours. Errors are checked in this order: "
                                   "400 invalid input, 404 unknown references, 409 overlap.",
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": _ref("NewAppointment")}}},
                    "responses": {"201": _ok("Created", created),
                                  "400": _error("A field is missing or invalid, the date is past, or the type names no service"),
                                  "401": _UNAUTHORIZED,
                                  "404": _error("Unknown user, service or professional"),
                                  "409": _error("Overlaps another booked appointment of the professional "
                                                "(or, with no professional_id, no one who performs the service is free)"),
                                  "415": _error("The body is not JSON"),
                                  "503": _UNAVAILABLE}},
            },
            "/appointments/{appointment_id}": {
                "get": {"summary": "Get an appointment", "operationId": "getAppointment",
                        "parameters": [_id_param("appointment_id")],
                        "responses": {"200": _ok("The appointment", _ref("Appointment")),
                                      "401": _UNAUTHORIZED, "404": _error("No such appointment"),
                                      "503": _UNAVAILABLE}},
                "delete": {"summary": "Cancel an appointment (the customer is notified)",
                           "operationId": "cancelAppointment",
                           "parameters": [_id_param("appointment_id")],
                           "responses": {"200": _ok("Cancelled (also when it already was)", created),
                                         "401": _UNAUTHORIZED, "404": _error("No such appointment"),
                                         "409": _error("Already done or marked as a no-show"),
                                         "503": _UNAVAILABLE}},
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"],
                          "properties": {"error": {"type": "string"}}},
                "Status": {"type": "string", "enum": ["booked", "cancelled", "done", "no_show"]},
                "User": {"type": "object", "required": ["id", "name", "phone"],
                         "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                        "phone": {"type": "string", "description": "E.164",
                                                  "pattern": r"^\+[1-9][0-9]{6,15}$"}}},
                "NewUser": {"type": "object", "required": ["name", "phone"],
                            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 100,
                                                    "description": "not only white space"},
                                           "phone": {"type": "string", "minLength": 8, "maxLength": 32,
                                                     "description": "E.164, or a Brazilian national number; "
                                                                    "it must be a real number (400 otherwise)"}}},
                "Service": {"type": "object", "required": ["id", "name", "duration", "active"],
                            "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                           "duration": {"type": "integer", "description": "minutes"},
                                           "active": {"type": "boolean"}}},
                "Professional": {"type": "object", "required": ["id", "name", "active"],
                                 "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                "active": {"type": "boolean"}}},
                "Appointment": {
                    "type": "object",
                    "required": ["id", "user_id", "date", "type", "duration", "status"],
                    "properties": {
                        "id": {"type": "integer"}, "user_id": {"type": "integer"},
                        "date": {"type": "string", "format": "date-time",
                                 "description": "Start, ISO 8601 with the business offset"},
                        "end": {"type": "string", "format": "date-time"},
                        "type": {"type": "string", "description": "The service's name"},
                        "duration": {"type": "integer", "description": "minutes"},
                        "status": _ref("Status"),
                        "service_id": {"type": "integer"},
                        "professional_id": {"type": "integer"},
                        "confirmed": {"type": "boolean", "description": "The customer confirmed it"},
                    }},
                "NewAppointment": {
                    "type": "object", "required": ["user_id", "date"],
                    "properties": {
                        "user_id": {"type": "integer", "minimum": 1},
                        "date": {"type": "string", "format": "date-time",
                                 "description": "ISO 8601 date-time; without an offset, business local time. "
                                                "A date in the past is refused (400)."},
                        "type": {"type": "string", "minLength": 1, "maxLength": 60,
                                 "description": "A service's name (or give service_id)"},
                        "service_id": {"type": "integer", "minimum": 1},
                        "duration": {"type": "integer", "minimum": 1, "maximum": 480,
                                     "description": "minutes; the service's duration when absent"},
                        "professional_id": {"type": "integer", "minimum": 1,
                                            "description": "Absent: any professional who performs the service and "
                                                           "is free, the one with the fewest bookings that day"},
                    }},
            },
        },
    }

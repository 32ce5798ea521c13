"""schemathesis against /openapi.json on a live gunicorn: no 5xx, and every response conforms
to the schema the API publishes (status codes, content types, headers, bodies), schema-invalid
requests are refused, and the stateful phase follows the links between operations.

Two checks are left out, on purpose: `positive_data_acceptance`, because the API validates
meaning beyond the schema (a date in the past, a string that is no real phone number: 400 by
contract); and `use_after_free`, because DELETE /appointments/<id> cancels by contract and the
appointment stays readable with status "cancelled"."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from storage.db import database
from storage.models import Service, User
from tests.helpers import API_TOKEN
from tests.live import ROOT, gunicorn

pytestmark = pytest.mark.slow


def test_schemathesis_finds_no_server_error_and_no_schema_violation(app, db, tmp_path):
    Service.create(name="Corte", duration=30)
    User.create(name="Ana", phone="+5511988887777")
    database.close()
    st = os.path.join(os.path.dirname(sys.executable), "st")
    examples = os.environ.get("SCHEMATHESIS_EXAMPLES", "40")
    # One worker: with two, schemathesis' coverage phase has hypothesis call ast.parse from two
    # threads at once, which CPython 3.11 answers with "SystemError: AST constructor recursion
    # depth mismatch" (an error in the tool, not a finding).
    with gunicorn(app.config["SETTINGS"].database_url) as server:
        done = subprocess.run(
            [st, "run", f"{server.url}/openapi.json", "--header", f"Authorization: Bearer {API_TOKEN}",
             "--checks", "all", "--exclude-checks", "positive_data_acceptance,use_after_free", "--max-examples", examples, "--seed", "20261129", "--workers", "1",
             "--generation-database", "none", "--request-timeout", "10", "--report", "junit",
             "--report-dir", str(tmp_path), "--no-color"],
            cwd=ROOT, capture_output=True, text=True, timeout=600)
    print(done.stdout[-4000:])
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "passed" in done.stdout.lower()

"""GET /reports/revenue: the revenue and commissions of a range of local days, as JSON, or as a
CSV for a pt-BR spreadsheet (with `Accept: text/csv`, or at /reports/revenue.csv).

The CSV is what Excel and LibreOffice open right in Brazil: UTF-8 with a byte order mark (so
accents survive Excel), `;` between cells, a decimal comma, dates as dd/mm/aaaa. Figures come
from storage.revenue, the one rule behind `caixa` too."""
from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response, current_app, request
from flask.views import MethodView

from api.openapi import errors
from api.routes import require_token
from api.schemas import RevenueQuerySchema, RevenueReportSchema
from api.validation import Blueprint
from bot import texts
from storage import clock, money, revenue
from storage.availability import Rules

bp = Blueprint("reports", __name__, description="Revenue and commissions")
bp.before_request(require_token)

CSV_TYPE = "text/csv"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so runs as a formula in a spreadsheet

DESCRIPTION = ("Attended appointments and no-shows of the local days `from`..`to` (both included, at most "
               f"{revenue.MAX_DAYS} days), with totals and each professional's commission. Amounts are decimal "
               "strings in reais. With `Accept: text/csv` (or at /reports/revenue.csv) the same rows come as a CSV "
               "for pt-BR spreadsheets: UTF-8 with BOM, `;` separated, decimal comma, dates dd/mm/aaaa.")
CSV_CONTENT = {CSV_TYPE: {"schema": {"type": "string"}}}


def _report(query: dict[str, Any]) -> revenue.Report:
    rules = Rules.from_settings(current_app.config["SETTINGS"])
    return revenue.report(query["first"], query["last"], rules=rules, now=clock.now())


def _cell(value: str) -> str:
    """Text from people (names) never runs as a spreadsheet formula."""
    return "'" + value if value.startswith(_FORMULA) else value


def csv_response(report: revenue.Report, tz) -> Response:
    """The report's rows as a pt-BR CSV download."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(texts.REPORT_COLUMNS)
    for row in report.rows:
        local = row.start.astimezone(tz)
        writer.writerow([
            local.strftime("%d/%m/%Y"), local.strftime("%H:%M"), row.id, _cell(row.customer or texts.NO_NAME),
            _cell(row.service), _cell(row.professional), texts.REPORT_STATUS[row.status.value],
            money.decimal_comma(row.price_cents), money.decimal_comma(row.charged_cents),
            money.decimal_comma(row.revenue_cents), money.percent_comma(row.commission_bp),
            money.decimal_comma(row.commission_cents)])
    name = f"receita_{report.first.isoformat()}_{report.last.isoformat()}.csv"
    return Response(out.getvalue().encode("utf-8"), mimetype=CSV_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _wants_csv() -> bool:
    return request.accept_mimetypes.best_match(["application/json", CSV_TYPE]) == CSV_TYPE


@bp.route("/reports/revenue")
class RevenueReport(MethodView):
    @bp.arguments(RevenueQuerySchema, location="query")
    @errors(bp, {400: "A date is missing or invalid, `from` is after `to`, or the range is too long"})
    @bp.response(200, RevenueReportSchema, description="The report (JSON, or CSV with Accept: text/csv)",
                 content_type="application/json")
    @bp.alt_response(200, description="The report (JSON, or CSV with Accept: text/csv)", content_type=CSV_TYPE, success=True,
                     schema={"type": "string"})
    @bp.doc(operationId="revenueReport", description=DESCRIPTION)
    def get(self, query: dict[str, Any]):
        """Revenue and commissions of a range of days"""
        report = _report(query)
        if _wants_csv():
            return csv_response(report, current_app.config["SETTINGS"].timezone)
        return report


@bp.route("/reports/revenue.csv")
class RevenueReportCsv(MethodView):
    @bp.arguments(RevenueQuerySchema, location="query")
    @errors(bp, {400: "A date is missing or invalid, `from` is after `to`, or the range is too long"})
    @bp.doc(operationId="revenueReportCsv", description=DESCRIPTION,
            responses={"200": {"description": "The report as CSV", "content": CSV_CONTENT}})
    def get(self, query: dict[str, Any]):
        """Revenue and commissions of a range of days, as CSV"""
        return csv_response(_report(query), current_app.config["SETTINGS"].timezone)

"""The report pages and their Excel downloads. A period that cannot be read is shown on the page (400)."""

import tempfile

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse
from django.shortcuts import render
from django.utils import timezone

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import ValidationFailed
from brokerdesk.core.spreadsheets import CONTENT_TYPE
from brokerdesk.tickets.reports import excel
from brokerdesk.tickets.reports.figures import annual_report_figures, monthly_report_figures
from brokerdesk.tickets.reports.periods import SHANGHAI, parse_month, parse_year

PERMISSION = "tickets.view_ticket_reports"
NAV = "ticket_reports"


def _period_error(request, template: str, error: ValidationFailed, field: str):
    return render(request, template, {"error": error.message, field: request.GET.get(field, "")[:20],
                                      "nav_active": NAV}, status=400)


def _this_month() -> str:
    return timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y-%m")


@login_required
@permission_required(PERMISSION, raise_exception=True)
def monthly_report(request):
    """The monthly complaint report: ?month=YYYY-MM (default: this month)."""
    try:
        period = parse_month(request.GET.get("month"))
    except ValidationFailed as error:
        return _period_error(request, "tickets/report_monthly.html", error, "month")
    report = monthly_report_figures(request.user, period.year, period.month)
    return render(request, "tickets/report_monthly.html", {"report": report, "month": period.label,
                                                           "this_month": _this_month(), "nav_active": NAV})


@login_required
@permission_required(PERMISSION, raise_exception=True)
def annual_report(request):
    """The annual summary for the local CSRC office: ?year=YYYY (default: last year)."""
    try:
        period = parse_year(request.GET.get("year"))
    except ValidationFailed as error:
        return _period_error(request, "tickets/report_annual.html", error, "year")
    report = annual_report_figures(request.user, period.year)
    return render(request, "tickets/report_annual.html", {"report": report, "year": period.label,
                                                          "nav_active": NAV})


def _workbook_response(request, report, write, filename: str, kind: str) -> FileResponse:
    """Write the workbook to a temporary file (removed when closed) and stream it; the export is audited."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    write(report, request.user, file)
    file.seek(0)
    audit_record(actor=request.user, action="tickets.report_export", object_type="ticket_report",
                 object_id=report.period.label,
                 details={"report": kind, "period": report.period.label, "scope": report.scope,
                          "filename": filename, "tickets": report.tickets_total,
                          "complaints": report.complaints_total})
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@permission_required(PERMISSION, raise_exception=True)
def monthly_report_xlsx(request):
    try:
        period = parse_month(request.GET.get("month"))
    except ValidationFailed as error:
        return _period_error(request, "tickets/report_monthly.html", error, "month")
    report = monthly_report_figures(request.user, period.year, period.month)
    return _workbook_response(request, report, excel.monthly_workbook, f"complaints-{period.label}.xlsx", "monthly")


@login_required
@permission_required(PERMISSION, raise_exception=True)
def annual_report_xlsx(request):
    try:
        period = parse_year(request.GET.get("year"))
    except ValidationFailed as error:
        return _period_error(request, "tickets/report_annual.html", error, "year")
    report = annual_report_figures(request.user, period.year)
    return _workbook_response(request, report, excel.annual_workbook, f"complaints-annual-{period.label}.xlsx",
                              "annual")

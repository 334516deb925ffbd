"""The return-visit figures page, its Excel download, and the programme catalogue. A period that cannot be read
is shown on the page (400)."""

import tempfile

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse
from django.shortcuts import render

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import ValidationFailed
from brokerdesk.core.spreadsheets import CONTENT_TYPE
from brokerdesk.visits.reports import excel
from brokerdesk.visits.reports.catalogue import CATALOGUE_PERMISSION, programme_catalogue
from brokerdesk.visits.reports.figures import REPORT_PERMISSION, visit_figures
from brokerdesk.visits.reports.periods import parse_period

TEMPLATE = "visits/reports/figures.html"
NAV = "visit_reports"


def _period_or_error(request):
    try:
        return parse_period(request.GET.get("month"), request.GET.get("year")), None
    except ValidationFailed as error:
        return None, render(request, TEMPLATE, {"error": error.message, "month": request.GET.get("month", "")[:20],
                                                "year": request.GET.get("year", "")[:20], "nav_active": NAV},
                            status=400)


@login_required
@permission_required(REPORT_PERMISSION, raise_exception=True)
def visit_report(request):
    """The figures: ?month=YYYY-MM or ?year=YYYY (default: this year to date)."""
    period, error = _period_or_error(request)
    if error:
        return error
    figures = visit_figures(request.user, period)
    return render(request, TEMPLATE, {"figures": figures, "month": period.label if period.month else "",
                                      "year": str(period.year), "nav_active": NAV})


@login_required
@permission_required(REPORT_PERMISSION, raise_exception=True)
def visit_report_xlsx(request):
    """The same figures as a workbook; the download is audited."""
    period, error = _period_or_error(request)
    if error:
        return error
    figures = visit_figures(request.user, period)
    filename = f"return-visits-{period.label}.xlsx"
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    excel.figures_workbook(figures, request.user, file)
    file.seek(0)
    audit_record(actor=request.user, action="visits.report_export", object_type="visit_report",
                 object_id=period.label,
                 details={"period": period.label, "scope": figures.scope, "filename": filename,
                          "required": figures.total.required, "done": figures.total.done,
                          "findings": figures.findings_total,
                          "finding_list": figures.finding_items is not None})
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@permission_required(CATALOGUE_PERMISSION, raise_exception=True)
def programme_list(request):
    """Every programme with its targeting, working rules and script in words; editing is in the admin."""
    return render(request, "visits/programmes.html", {
        "entries": programme_catalogue(request.user), "nav_active": "visit_programmes",
        "may_edit": request.user.is_staff and request.user.has_perm("visits.change_programme")})

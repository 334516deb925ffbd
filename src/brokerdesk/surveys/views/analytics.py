"""NPS analytics pages: the dashboard, the verbatims and the Excel export. Thin: parse the filters, call
surveys.analytics, render. A filter that cannot be read is shown on the page (400); a branch the user may not see
(or a theme or segment that does not exist) is 404, like a missing one; without surveys.view_nps, 403."""

import tempfile
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.spreadsheets import CONTENT_TYPE
from brokerdesk.surveys import analytics
from brokerdesk.surveys.analytics_excel import nps_workbook

NAV = "surveys_nps"


def _nps_page(view):
    """login, surveys.view_nps, and the application's errors as the page's answers."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            analytics.require_view_nps(request.user)
            return view(request, *args, **kwargs)
        except PermissionDenied:
            raise DjangoPermissionDenied from None
        except NotFound:
            raise Http404 from None

    return wrapper


def _filters_or_error(request, template: str):
    try:
        return analytics.parse_filters(request.user, request.GET), None
    except ValidationFailed as error:
        context = {"error": error.message, "problems": error.problems, "params": _echo(request),
                   "choices": analytics.filter_choices(request.user), "nav_active": NAV}
        return None, render(request, template, context, status=400)


def _echo(request) -> dict:
    """The query values as typed, shortened, for the filter form after an error."""
    return {k: request.GET.get(k, "")[:40] for k in ("from", "to", "unit", "branch", "theme", "channel", "segment")}


def _context(request, filters) -> dict:
    params = filters.query()
    return {"filters": filters, "params": {k: str(v) for k, v in params.items()},
            "query": "&".join(f"{k}={v}" for k, v in params.items()),
            "choices": analytics.filter_choices(request.user), "nav_active": NAV}


@_nps_page
def nps_dashboard(request):
    filters, error = _filters_or_error(request, "surveys/analytics.html")
    if error:
        return error
    board = analytics.dashboard(request.user, filters)
    return render(request, "surveys/analytics.html", {**_context(request, filters), "board": board,
                                                      "chart": board.chart()})


@_nps_page
def nps_verbatims(request):
    filters, error = _filters_or_error(request, "surveys/analytics_verbatims.html")
    if error:
        return error
    officers = request.GET.get("officers") == "1"
    groups = analytics.verbatims(request.user, filters, officers=officers)
    return render(request, "surveys/analytics_verbatims.html", {**_context(request, filters), "groups": groups,
                                                                "officers": officers,
                                                                "limit": analytics.VERBATIM_COMMENTS})


@_nps_page
def nps_export(request):
    """The dashboard's figures as a workbook (and NPS by branch x period); the download is audited."""
    filters, error = _filters_or_error(request, "surveys/analytics.html")
    if error:
        return error
    board = analytics.dashboard(request.user, filters)
    table = analytics.branch_month_table(request.user, filters)
    filename = f"nps-{filters.first_day.isoformat()}-{filters.last_day.isoformat()}.xlsx"
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after sending
    nps_workbook(board, table, file)
    file.seek(0)
    audit_record(actor=request.user, action="surveys.nps_export", object_type="nps_report",
                 object_id=filename, details={"filters": filters.query(), "responses": board.total.responses,
                                              "filename": filename})
    response = FileResponse(file, as_attachment=True, filename=filename, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response

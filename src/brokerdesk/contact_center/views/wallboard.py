"""The wallboard (live, per center and skill queue) and the hourly/daily contact reports."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from brokerdesk.contact_center import forms, selectors
from brokerdesk.core.errors import NotFound
from brokerdesk.org.choices import Scope
from brokerdesk.org.models import ContactCenter

WALLBOARD = "contact_center.view_wallboard"
DEFINITIONS = {"sl_seconds": selectors.SERVICE_LEVEL_SECONDS, "short_seconds": selectors.SHORT_ABANDON_SECONDS}


def _board_context(request, centers, *, center=None) -> dict:
    boards = selectors.wallboard(centers)
    return {"boards": boards, "center": center, **DEFINITIONS,
            "agents": selectors.agents_board(center) if center is not None else None}


def _socket_center(request, center) -> int | None:
    if center is not None:
        return center.pk
    return 0 if request.user.scope == Scope.COMPANY else None


def _visible(request):
    centers = selectors.wallboard_centers(request.user)
    if not centers.exists():
        raise Http404
    return centers


def _center(request, center_id) -> ContactCenter:
    try:
        return selectors.wallboard_center_get_for_actor(request.user, center_id)
    except NotFound:
        raise Http404 from None


@login_required
@permission_required(WALLBOARD, raise_exception=True)
@require_GET
def wallboard(request):
    centers = _visible(request)
    context = _board_context(request, centers)
    context.update({"all_centers": centers, "socket_center": _socket_center(request, None),
                    "nav_active": "cc_wallboard"})
    if context["socket_center"] is None and len(context["boards"]) == 1:
        context["socket_center"] = context["boards"][0].center.pk
    return render(request, "contact_center/wallboard.html", context)


@login_required
@permission_required(WALLBOARD, raise_exception=True)
@require_GET
def wallboard_figures(request):
    return render(request, "contact_center/_wallboard_figures.html", _board_context(request, _visible(request)))


@login_required
@permission_required(WALLBOARD, raise_exception=True)
@require_GET
def wallboard_center(request, center_id: int):
    center = _center(request, center_id)
    context = _board_context(request, [center], center=center)
    context.update({"all_centers": selectors.wallboard_centers(request.user), "socket_center": center.pk,
                    "nav_active": "cc_wallboard"})
    return render(request, "contact_center/wallboard.html", context)


@login_required
@permission_required(WALLBOARD, raise_exception=True)
@require_GET
def wallboard_center_figures(request, center_id: int):
    center = _center(request, center_id)
    return render(request, "contact_center/_wallboard_figures.html",
                  _board_context(request, [center], center=center))


def report_centers(user):
    """Centers in the reports: company scope all, a center's staff their own."""
    centers = ContactCenter.objects.order_by("kind", "code")
    if user.scope == Scope.COMPANY:
        return centers
    if user.scope == Scope.CENTER and user.center_id:
        return centers.filter(pk=user.center_id)
    return centers.none()


@login_required
@permission_required("contact_center.view_contact_reports", raise_exception=True)
@require_GET
def reports(request):
    centers = report_centers(request.user)
    form = forms.ReportForm(request.GET or None, centers=centers, initial=forms.ReportForm.default_initial())
    rows, totals, by = [], {}, "day"
    if not request.GET:
        form = forms.ReportForm(forms.ReportForm.default_initial(), centers=centers)
    if form.is_valid():
        data = form.cleaned_data
        by = data["by"] or "day"
        chosen = [data["center"]] if data["center"] else list(centers)
        rows = selectors.contact_report(chosen, data["start"], data["end"], by=by)
        totals = selectors.report_totals(rows)
    summary = [{"center": c, "figures": totals[c.pk]} for c in centers if c.pk in totals]
    return render(request, "contact_center/reports.html", {
        "form": form, "rows": rows, "summary": summary, "by": by, "nav_active": "cc_reports", **DEFINITIONS},
        status=200 if form.is_valid() else 422)

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import render
from django.views import defaults

from brokerdesk.core.audit import audit_record, audit_verify
from brokerdesk.core.errors import NotFound
from brokerdesk.core.models import AuditEvent
from brokerdesk.core.registry import home_panels_for


@login_required
def home(request):
    panels = [
        {"panel": panel, "context": panel.context(request.user)} for panel in home_panels_for(request.user)
    ]
    return render(request, "core/home.html", {"panels": panels})


@permission_required("core.view_audit_trail", raise_exception=True)
def audit_list(request):
    events = AuditEvent.objects.all()
    filters = {
        "action": request.GET.get("action", "").strip(),
        "actor": request.GET.get("actor", "").strip(),
        "object_type": request.GET.get("object_type", "").strip(),
        "object_id": request.GET.get("object_id", "").strip(),
    }
    if filters["action"]:
        events = events.filter(action__startswith=filters["action"])
    if filters["actor"]:
        events = events.filter(actor_username=filters["actor"])
    if filters["object_type"]:
        events = events.filter(object_type=filters["object_type"])
    if filters["object_id"]:
        events = events.filter(object_id=filters["object_id"])
    page = Paginator(events.order_by("-seq"), 50).get_page(request.GET.get("page"))
    template = "core/_audit_rows.html" if request.htmx else "core/audit_list.html"
    return render(request, template, {"page": page, "filters": filters})


@permission_required("core.view_audit_trail", raise_exception=True)
def audit_verify_view(request):
    checked, broken = audit_verify()
    return render(request, "core/_audit_verify.html", {"checked": checked, "broken": broken})


def permission_denied(request, exception=None):
    """handler403: every refused page request is audited, then shown as the 403 page."""
    user = getattr(request, "user", None)
    audit_record(
        actor=user if user is not None and user.is_authenticated else None,
        action="access.denied",
        details={"path": request.path[:300], "method": request.method},
    )
    return render(request, "403.html", status=403)


API_PREFIX = "/api/"


def page_not_found(request, exception):
    """handler404: the 404 page, except under /api/, where integrators are promised the JSON error shape.

    URLs the API's routes do not match (an unknown path, a customer id that is not a number) never
    reach ninja's exception handlers, so they are answered here.
    """
    if request.path.startswith(API_PREFIX):
        return JsonResponse(NotFound().as_dict(), status=404, json_dumps_params={"ensure_ascii": False})
    return defaults.page_not_found(request, exception)

"""Callback requests and voicemails of the agent's center (/cc/callbacks/): open ones first, call back, close."""

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from brokerdesk.contact_center import selectors
from brokerdesk.contact_center.choices import CallbackStatus
from brokerdesk.contact_center.services.callbacks import callback_close
from brokerdesk.core.errors import ApplicationError, NotFound

DESK = "contact_center.use_agent_desktop"


@login_required
@permission_required(DESK, raise_exception=True)
def callbacks(request, *, error: str = "", status: int = 200):
    show = request.GET.get("show", CallbackStatus.OPEN)
    requests = selectors.callbacks_visible_to(request.user)
    requests = (requests.filter(status=CallbackStatus.OPEN).order_by("requested_at", "pk") if show == "open"
                else requests.exclude(status=CallbackStatus.OPEN).order_by("-handled_at", "-pk"))
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    return render(request, "contact_center/callbacks.html",
                  {"page": page, "show": show, "error": error, "statuses": CallbackStatus}, status=status)


@login_required
@permission_required(DESK, raise_exception=True)
@require_POST
def callback_done(request, callback_id: int):
    try:
        callback_close(actor=request.user, callback_id=callback_id, status=request.POST.get("status", ""),
                       note=request.POST.get("note", ""))
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        message = "; ".join(error.problems) or error.message
        return callbacks(request, error=message, status=422)
    return redirect("contact_center:callbacks")

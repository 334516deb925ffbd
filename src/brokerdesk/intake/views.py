from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from brokerdesk.core.errors import NotFound
from brokerdesk.intake import selectors


@permission_required("intake.view_intakebatch", raise_exception=True)
def batch_list(request):
    page = Paginator(selectors.batches_visible_to(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "intake/batch_list.html", {"page": page})


@login_required
def batch_detail(request, batch_id: int):
    # No permission decorator: without access the batch looks missing (404), like any object not yours.
    try:
        batch = selectors.batch_get_for_actor(request.user, batch_id)
    except NotFound:
        raise Http404 from None
    return render(request, "intake/batch_detail.html", {"batch": batch})

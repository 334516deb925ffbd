from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_POST

from brokerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.registry import customer_sections_for
from brokerdesk.customers import selectors, services
from brokerdesk.customers.presenters import customer_card


def _get_360(request, customer_id, *, unmasked=False):
    try:
        return selectors.customer_360(request.user, customer_id, unmasked=unmasked)
    except NotFound:
        raise Http404 from None


@permission_required("customers.view_customer", raise_exception=True)
def customer_search(request):
    query = request.GET.get("q", "").replace("\x00", "")[:100]
    try:
        page = max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        page = 1
    results = None
    if query.strip():
        results = selectors.customer_search(request.user, query, page=page, page_size=20)
        results.cards = [customer_card(c) for c in results.items]
    template = "customers/_search_results.html" if request.htmx else "customers/search.html"
    return render(request, template, {"q": query, "results": results, "cap": selectors.SEARCH_MATCH_CAP})


def _sections(request, customer) -> list[dict]:
    """The sections other apps add to the 360 (segments, ...), each with its context, in order."""
    return [{"section": section, "context": section.context(request.user, customer)}
            for section in customer_sections_for(request.user)]


@permission_required("customers.view_customer", raise_exception=True)
def customer_detail(request, customer_id: int):
    view = _get_360(request, customer_id)
    return render(request, "customers/detail.html", {"view": view, "sections": _sections(request, view["customer"])})


@require_POST
@login_required
def customer_unmask(request, customer_id: int):
    try:
        card = services.customer_unmask(
            actor=request.user, customer_id=customer_id, reason=request.POST.get("reason", "")
        )
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        return render(request, "customers/_error.html", {"message": exc.message}, status=403)
    view = _get_360(request, customer_id, unmasked=True)
    view["card"] = card
    return render(request, "customers/_identity.html", {"view": view})


@require_POST
@login_required
def customer_note_add(request, customer_id: int):
    error = None
    try:
        services.customer_note_add(actor=request.user, customer_id=customer_id, body=request.POST.get("body", ""))
    except NotFound:
        raise Http404 from None
    except (ValidationFailed, PermissionDenied) as exc:
        error = "; ".join(m for msgs in exc.details.values() for m in msgs) if exc.details else exc.message
    view = _get_360(request, customer_id)
    return render(request, "customers/_timeline.html", {"view": view, "note_error": error},
                  status=422 if error else 200)

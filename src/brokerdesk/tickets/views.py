"""Ticket pages: the queue, a ticket with its history and the actions its status allows, recording a ticket
during a call (or a regulator referral), the branch's supervision queue, attachments, and the public form."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.core.forms import put_errors
from brokerdesk.core.request_context import current_ip
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.tickets import attachments, forms, selectors, services
from brokerdesk.tickets.choices import TicketChannel, TicketKind, TicketStatus
from brokerdesk.tickets.workflow import actions_from

PUBLIC_FORM_SALT = "tickets.public-form"


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        return 1


def _flag(request, name: str) -> bool:
    return request.GET.get(name) in ("1", "on", "true")


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
def queue(request):
    status = request.GET.get("status", "open")
    kind = request.GET.get("kind", "")
    filters = selectors.QueueFilter(
        status=status if status in ("open", "all", *TicketStatus.values) else "open",
        kind=kind if kind in TicketKind.values else "", mine=_flag(request, "mine"),
        overdue=_flag(request, "overdue"), major=_flag(request, "major"), query=request.GET.get("q", "")[:60])
    page = selectors.ticket_queue(request.user, filters, page=_page_number(request))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "tickets/queue.html", {
        "page": page, "filters": filters, "statuses": TicketStatus.choices, "kinds": TicketKind.choices,
        "query": query.urlencode(), "supervision": list(selectors.supervision_queue(request.user)[:20]),
    })


def _ticket_input(data: dict, *, customer_id=None) -> services.TicketInput:
    return services.TicketInput(
        kind=data["kind"], channel=data["channel"], subject=data["subject"], description=data["description"],
        category_id=data.get("category"), customer_id=customer_id, contact_name=data.get("contact_name", ""),
        contact_phone=data.get("contact_phone", ""), contact_email=data.get("contact_email", ""),
        interaction_ref=data.get("interaction_ref", ""), regulator_source=data.get("regulator_source", ""),
        regulator_ref=data.get("regulator_ref", ""), regulator_deadline=data.get("regulator_deadline"),
        amount_involved=data.get("amount_involved"), clients_involved=data.get("clients_involved") or 1,
        committed_resolution_at=data.get("committed_resolution_at"), priority=data.get("priority", "normal"))


@login_required
@permission_required("tickets.add_ticket", raise_exception=True)
@require_http_methods(["GET", "POST"])
def create(request):
    """Record a ticket. From the customer 360 or a call, ?customer=<id>&call=<reference> fills in the client and
    the interaction; ?kind=regulator_referral opens the regulator-referral form."""
    customer = None
    customer_param = request.POST.get("customer") or request.GET.get("customer")
    if customer_param:
        try:
            customer = customer_get_for_actor(request.user, customer_param)
        except NotFound:
            raise Http404 from None
    regulator = (request.POST.get("kind") or request.GET.get("kind")) == TicketKind.REGULATOR_REFERRAL
    initial = {"interaction_ref": request.GET.get("call", "")[:64], "kind": request.GET.get("kind", "complaint")}
    if regulator:
        initial["channel"] = TicketChannel.REGULATOR
    form = forms.TicketForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.ticket_create(actor=request.user, data=_ticket_input(
                form.cleaned_data, customer_id=customer.pk if customer else None), accept=True)
        except ApplicationError as error:
            put_errors(form, error)
        else:
            messages.success(request, _("Ticket %(number)s recorded; you are its first-contact owner.")
                             % {"number": ticket.number})
            return redirect("tickets:detail", ticket.pk)
    return render(request, "tickets/create.html", {"form": form, "customer": customer, "regulator": regulator},
                  status=422 if request.method == "POST" else 200)


def _detail_context(request, ticket) -> dict:
    user = request.user
    actions = actions_from(ticket.status, kind=ticket.kind)
    if ticket.waiting_on_client_since:
        actions = [a for a in actions if a != "pause"]
    else:
        actions = [a for a in actions if a != "resume"]
    return {
        "ticket": ticket, "events": selectors.ticket_history(ticket), "actions": actions,
        "orders": ticket.supervision_orders.select_related("target_branch", "target_department", "dispatched_by",
                                                           "replied_by", "reviewed_by"),
        "timers": ticket.timers.filter(supervision__isnull=True).order_by("due_at"),
        "attachments": ticket.attachments.all(), "escalations": ticket.escalations.all(),
        "accountabilities": ticket.accountabilities.all(),
        "branches": selectors.dispatch_branches(user), "departments": selectors.dispatch_departments(user),
        "colleagues": selectors.handover_candidates(user, ticket),
        "satisfaction_choices": forms.Satisfaction.choices,
        "can_work": user.has_perm("tickets.work_ticket"), "can_dispatch": user.has_perm("tickets.dispatch_ticket")
        and user.sees_all_branches, "can_escalate": user.has_perm("tickets.escalate_ticket"),
    }


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
def detail(request, ticket_id: int):
    try:
        ticket = selectors.ticket_get_for_actor(request.user, ticket_id)
    except NotFound:
        raise Http404 from None
    return render(request, "tickets/detail.html", _detail_context(request, ticket))


def _do(request, ticket_id: int, action):
    """Run one service call for a ticket page's form; show its error in place, or the updated ticket."""
    try:
        action()
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        try:
            ticket = selectors.ticket_get_for_actor(request.user, ticket_id)
        except NotFound:
            raise Http404 from None
        context = _detail_context(request, ticket) | {"action_error": error.message,
                                                      "action_details": error.details}
        return render(request, "tickets/detail.html", context, status=error.status)
    return redirect("tickets:detail", ticket_id)


def _handlers():
    """The ticket page's forms, each posted to /tickets/<id>/<action>/ and mapped to its service."""
    return {
        "accept": lambda r, t: services.ticket_accept(actor=r.user, ticket_id=t),
        "start": lambda r, t: services.ticket_start(actor=r.user, ticket_id=t, note=r.POST.get("note", "")),
        "dispatch": lambda r, t: _dispatch(r, t),
        "reply": lambda r, t: services.ticket_reply(actor=r.user, ticket_id=t, findings=r.POST.get("findings", ""),
                                                    measures=r.POST.get("measures", "")),
        "propose": lambda r, t: services.ticket_propose(actor=r.user, ticket_id=t,
                                                        resolution=r.POST.get("resolution", "")),
        "return": lambda r, t: services.ticket_return(actor=r.user, ticket_id=t, note=r.POST.get("note", "")),
        "resolve": lambda r, t: services.ticket_resolve(actor=r.user, ticket_id=t, note=r.POST.get("note", "")),
        "callback": lambda r, t: services.ticket_callback_start(actor=r.user, ticket_id=t),
        "record_satisfaction": lambda r, t: _satisfaction(r, t),
        "close": lambda r, t: services.ticket_close(actor=r.user, ticket_id=t, note=r.POST.get("note", "")),
        "reopen": lambda r, t: services.ticket_reopen(actor=r.user, ticket_id=t, reason=r.POST.get("reason", "")),
        "handover": lambda r, t: services.ticket_handover(actor=r.user, ticket_id=t,
                                                          to_staff_id=r.POST.get("to_staff"),
                                                          reason=r.POST.get("reason", "")),
        "pause": lambda r, t: services.ticket_pause(actor=r.user, ticket_id=t, reason=r.POST.get("reason", "")),
        "resume": lambda r, t: services.ticket_resume(actor=r.user, ticket_id=t, note=r.POST.get("note", "")),
        "note": lambda r, t: services.ticket_note_add(actor=r.user, ticket_id=t, note=r.POST.get("note", "")),
        "escalate": lambda r, t: services.ticket_escalate(actor=r.user, ticket_id=t,
                                                          reason=r.POST.get("reason", "")),
        "record_accountability": lambda r, t: services.accountability_record(
            actor=r.user, ticket_id=t, staff_id=r.POST.get("staff") or None,
            staff_name=r.POST.get("staff_name", ""), finding=r.POST.get("finding", ""),
            measure=r.POST.get("measure", "")),
        "attach": lambda r, t: attachments.attachment_add(actor=r.user, ticket_id=t, upload=r.FILES.get("file")),
    }


def _dispatch(request, ticket_id):
    form = forms.DispatchForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return services.ticket_dispatch(actor=request.user, ticket_id=ticket_id, instructions=request.POST.get(
        "instructions", ""), branch_id=data.get("branch"), department_id=data.get("department"),
        reply_by=data.get("reply_by"))


def _satisfaction(request, ticket_id):
    form = forms.SatisfactionForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    return services.ticket_satisfaction_record(actor=request.user, ticket_id=ticket_id,
                                               satisfaction=data.get("satisfaction"),
                                               comment=request.POST.get("comment", ""),
                                               reached=request.POST.get("reached") != "no")


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
@require_POST
def act(request, ticket_id: int, action: str):
    handler = _handlers().get(action)
    if handler is None:
        raise Http404
    return _do(request, ticket_id, lambda: handler(request, ticket_id))


@login_required
@permission_required("tickets.view_ticket", raise_exception=True)
def attachment(request, ticket_id: int, attachment_id: int):
    try:
        return attachments.attachment_response(actor=request.user, ticket_id=ticket_id, attachment_id=attachment_id)
    except NotFound:
        raise Http404 from None


# --- The public form ----------------------------------------------------------------------------------------


def _rate_limited(request) -> bool:
    """At most PUBLIC_FORM_LIMIT_PER_HOUR submissions per client address per hour (a shared cache, so the limit
    holds across web processes)."""
    key = f"tickets:public:{current_ip() or request.META.get('REMOTE_ADDR', '')}:{int(time.time() // 3600)}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > settings.PUBLIC_FORM_LIMIT_PER_HOUR


def _looks_automated(form) -> str | None:
    """A filled honeypot, a missing or forged start stamp, or a form sent faster than a person can type."""
    if form.cleaned_data.get("website"):
        return "honeypot"
    try:
        started = signing.loads(form.cleaned_data.get("started", ""), salt=PUBLIC_FORM_SALT, max_age=6 * 3600)
    except signing.BadSignature:
        return "stamp"
    if time.time() - float(started) < settings.PUBLIC_FORM_MIN_SECONDS:
        return "too_fast"
    return None


@require_http_methods(["GET", "POST"])
def public_form(request):
    """投诉建议: clients write in without signing in. Rate-limited, with a honeypot and a signed start time."""
    stamp = signing.dumps(str(time.time()), salt=PUBLIC_FORM_SALT)
    if request.method == "GET":
        form = forms.PublicTicketForm(initial={"started": stamp})
        return render(request, "tickets/public_form.html", {"form": form})
    if _rate_limited(request):
        return render(request, "tickets/public_form.html", {"form": forms.PublicTicketForm(initial={
            "started": stamp}), "limited": True}, status=429)
    form = forms.PublicTicketForm(request.POST)
    if form.is_valid():
        if _looks_automated(form):
            # Told nothing: a bot learns no more from a refusal than from a success.
            return render(request, "tickets/public_done.html", {"number": None})
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(actor=None, data=services.TicketInput(
                kind=data["kind"], channel=TicketChannel.WEB, subject=data["subject"],
                description=data["description"], contact_name=data["name"], contact_phone=data["phone"],
                contact_email=data.get("email", "")))
        except ApplicationError as error:
            put_errors(form, error)
        else:
            return render(request, "tickets/public_done.html", {"number": ticket.number})
    form.data = form.data.copy()
    form.data["started"] = stamp
    return render(request, "tickets/public_form.html", {"form": form}, status=422)

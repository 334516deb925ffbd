"""The agent desktop (/cc/desk/): state control, the screen-pop (pushed over ws/cc/desktop/), the call's actions
(ticket, note, transfer with a note) and the wrap-up. Every action is an htmx post that re-renders the panel."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from brokerdesk.contact_center import forms, selectors
from brokerdesk.contact_center.choices import AgentState, TransferTarget
from brokerdesk.contact_center.realtime import render_screen_pop
from brokerdesk.contact_center.services.agents import agent_state_set
from brokerdesk.contact_center.services.calls import call_transfer, call_wrap_up
from brokerdesk.core.errors import ApplicationError, NotFound, PermissionDenied
from brokerdesk.customers.services import customer_note_add
from brokerdesk.knowledge.selectors import excerpt, knowledge_search
from brokerdesk.visits.requests import visit_task_request

DESK = "contact_center.use_agent_desktop"
CALL_STATES = (AgentState.RINGING, AgentState.ON_CALL, AgentState.WRAP_UP)


def _message(error: ApplicationError) -> str:
    """The field problems when there are any (they say what to fix), else the message."""
    return "; ".join(error.problems) or error.message


def _panel_context(request, profile, *, error: str = "", forms_in: dict | None = None) -> dict:
    call = profile.current_call if profile.state in CALL_STATES else None
    context = {"profile": profile, "call": call, "error": error, "state_form": forms.StateForm(
        initial={"state": profile.state if profile.state in dict(forms.STATE_CHOICES) else AgentState.AVAILABLE,
                 "break_reason": profile.break_reason})}
    if call is not None:
        targets = selectors.transfer_targets(profile)
        context.update({
            "wrap_up_form": forms.WrapUpForm(), "transfer_form": forms.TransferForm(), "note_form": forms.NoteForm(),
            "centers": [c for c in targets["centers"] if c.pk != profile.center_id] + [profile.center],
            "agents": targets["agents"], "transfer_targets": TransferTarget.choices,
            "ticket_url": _ticket_url(call),
        })
    context.update(forms_in or {})
    return context


def _ticket_url(call) -> str:
    params = {"call": call.call_ref, "kind": "consultation"}
    if call.customer_id:
        params["customer"] = call.customer_id
    return f"{reverse('tickets:create')}?{urlencode(params)}"


def _profile_or_none(request):
    return selectors.agent_profile_of(request.user)


def _panel(request, profile, *, status: int = 200, error: str = "") -> object:
    profile = selectors.agent_profile_of(request.user) or profile
    return render(request, "contact_center/_desk_panel.html", _panel_context(request, profile, error=error),
                  status=status)


@login_required
@permission_required(DESK, raise_exception=True)
@require_GET
def desk(request):
    profile = _profile_or_none(request)
    if profile is None:
        return render(request, "contact_center/no_profile.html", status=200)
    pop = ""
    if profile.state in CALL_STATES and profile.current_call_id:
        pop = render_screen_pop(profile.current_call, request.user)
    context = _panel_context(request, profile)
    context.update({"pop": pop, "nav_active": "cc_desk"})
    return render(request, "contact_center/desk.html", context)


@login_required
@permission_required(DESK, raise_exception=True)
@require_GET
def desk_panel(request):
    profile = _profile_or_none(request)
    if profile is None:
        raise Http404
    return _panel(request, profile)


@login_required
@permission_required(DESK, raise_exception=True)
@require_GET
def desk_pop(request):
    """The screen-pop of the agent's current call (the page asks again after a reconnect)."""
    profile = _profile_or_none(request)
    if profile is None:
        raise Http404
    if profile.state not in CALL_STATES or not profile.current_call_id:
        return render(request, "contact_center/_no_call.html")
    return render(request, "contact_center/_pop_wrapper.html",
                  {"pop": render_screen_pop(profile.current_call, request.user)})


@login_required
@permission_required(DESK, raise_exception=True)
@require_POST
def desk_state(request):
    profile = _profile_or_none(request)
    if profile is None:
        raise Http404
    form = forms.StateForm(request.POST)
    if not form.is_valid():
        return _panel(request, profile, status=422, error=_("Choose available, break or offline."))
    try:
        agent_state_set(actor=request.user, agent=profile, state=form.cleaned_data["state"],
                        break_reason=form.cleaned_data["break_reason"])
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        return _panel(request, profile, status=422, error=_message(error))
    return _panel(request, profile)


def _call_action(request, call_id, act):
    """Fetch the agent's call (404 when it is not one of theirs), run act(call), re-render the panel."""
    try:
        call = selectors.desk_call_for_agent(request.user, call_id)
    except NotFound:
        raise Http404 from None
    profile = _profile_or_none(request)
    if profile is None:
        raise Http404
    try:
        act(call)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as error:
        return _panel(request, profile, status=403, error=error.message)
    except ApplicationError as error:
        return _panel(request, profile, status=422, error=_message(error))
    return _panel(request, profile)


@login_required
@permission_required(DESK, raise_exception=True)
@require_POST
def wrap_up(request, call_id: int):
    def act(call):
        form = forms.WrapUpForm(request.POST)
        if not form.is_valid():
            from brokerdesk.core.errors import ValidationFailed

            raise ValidationFailed(details={"code": [_("Choose a wrap-up code.")]})
        call_wrap_up(actor=request.user, call=call, code=form.cleaned_data["code"].code,
                     note=form.cleaned_data["note"])

    return _call_action(request, call_id, act)


@login_required
@permission_required(DESK, raise_exception=True)
@require_POST
def transfer(request, call_id: int):
    def act(call):
        from brokerdesk.core.errors import ValidationFailed

        form = forms.TransferForm(request.POST)
        if not form.is_valid():
            raise ValidationFailed(details={k: [str(m) for m in v] for k, v in form.errors.items()})
        data = form.cleaned_data
        call_transfer(actor=request.user, call=call, target=data["target"], center=data["center"],
                      agent=data["agent"], note=data["note"])

    return _call_action(request, call_id, act)


def _for_the_caller(request, call_id, template: str, act) -> object:
    """Something done for the identified caller of one of the agent's calls: act(call) -> the template's context.
    404 when the call is not the agent's; 422 with the reason when the caller is unknown or the service refuses."""
    try:
        call = selectors.desk_call_for_agent(request.user, call_id)
    except NotFound:
        raise Http404 from None
    if not call.customer_id:
        return render(request, template, {"error": _("The caller is not identified: find the client first.")},
                      status=422)
    try:
        context = act(call)
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        return render(request, template, {"error": _message(error), "call": call}, status=422)
    return render(request, template, {"call": call, **context})


@login_required
@permission_required(DESK, raise_exception=True)
@require_POST
def note(request, call_id: int):
    """A note on the caller's record during the call (customers' note service)."""
    return _for_the_caller(request, call_id, "contact_center/_note_result.html", lambda call: {
        "note": customer_note_add(actor=request.user, customer_id=call.customer_id,
                                  body=request.POST.get("body", ""))})


@login_required
@permission_required(DESK, raise_exception=True)
@require_POST
def request_visit(request, call_id: int):
    """Book a return visit for the caller ("we'll call you back about it"), in the on-request programme's queue."""
    return _for_the_caller(request, call_id, "contact_center/_visit_result.html", lambda call: {
        "task": visit_task_request(actor=request.user, customer_id=call.customer_id,
                                   note=request.POST.get("note", ""), source_ref=f"call:{call.call_ref}")})


@login_required
@permission_required(DESK, raise_exception=True)
@require_GET
def knowledge(request):
    """The knowledge base at the desk: the best articles for what the caller asks (htmx, as the agent types)."""
    query = request.GET.get("q", "").strip()[:200]
    hits = [(article, excerpt(article.body, 160)) for article, _score in knowledge_search(request.user, query, 5)
            ] if query else []
    return render(request, "contact_center/_knowledge.html", {"query": query, "hits": hits})


"""Staff pages: campaigns (list, create, progress, start/close), the survey builder (htmx, errors in place),
responses, phone surveys at the desk, the experience panel and action items. Thin: parse, call a service or a
selector, render; "not yours" is the 404 of a missing object."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.org.models import Branch, Department, Staff
from brokerdesk.surveys import campaigns, selectors, services, tokens
from brokerdesk.surveys.choices import ActionStatus, Audience, SurveyChannel, SurveyStatus, TriggerEvent
from brokerdesk.surveys.models import ExperienceOfficer, Survey, Theme
from brokerdesk.surveys.responses import phone_response_record, questions_of
from brokerdesk.surveys.rules import KINDS, QuestionSpec, coerce_trigger
from brokerdesk.surveys.views.public import _form_context


def _or_404(fetch):
    try:
        return fetch()
    except NotFound:
        raise Http404 from None


def _when(text: str) -> datetime | None:
    value = parse_datetime((text or "").strip())
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _int_or_none(text):
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


# --- campaigns ---------------------------------------------------------------------------------------------

@login_required
@permission_required("surveys.run_campaign", raise_exception=True)
def campaign_list(request):
    rows = [(c, campaigns.campaign_progress(c)) for c in selectors.campaigns_list(request.user)[:100]]
    return render(request, "surveys/campaign_list.html", {"rows": rows, "nav_active": "surveys"})


def _campaign_form_context(request, errors=None, values=None) -> dict:
    return {"surveys": Survey.objects.filter(status=SurveyStatus.PUBLISHED), "audiences": Audience.choices,
            "events": TriggerEvent.choices, "channels": SurveyChannel.choices, "branches": Branch.objects.all(),
            "errors": errors or {}, "values": values or request.POST, "nav_active": "surveys"}


@login_required
@permission_required("surveys.run_campaign", raise_exception=True)
@require_http_methods(["GET", "POST"])
def campaign_create_view(request):
    if request.method == "GET":
        return render(request, "surveys/campaign_form.html", _campaign_form_context(request, values={}))
    post = request.POST
    data = campaigns.CampaignInput(
        code=post.get("code", ""), name=post.get("name", ""), survey_id=_int_or_none(post.get("survey")),
        audience=post.get("audience", ""), starts_at=_when(post.get("starts_at")), ends_at=_when(post.get("ends_at")),
        channels=post.getlist("channels"), segment_dimension=post.get("segment_dimension", ""),
        segment_code=post.get("segment_code", ""), branch_ids=post.getlist("branches"), event=post.get("event", ""),
        sample_ratio=post.get("sample_ratio") or None, sample_size=_int_or_none(post.get("sample_size")),
        reminder_after_days=_int_or_none(post.get("reminder_after_days")),
        max_reminders=_int_or_none(post.get("max_reminders")) or 0)
    try:
        campaign = campaigns.campaign_create(actor=request.user, data=data)
    except ApplicationError as error:
        return render(request, "surveys/campaign_form.html",
                      _campaign_form_context(request, errors=error.details or {"__all__": [error.message]}),
                      status=422)
    return redirect("surveys:campaign", campaign.pk)


@login_required
@permission_required("surveys.run_campaign", raise_exception=True)
def campaign_detail(request, campaign_id: int):
    campaign = _or_404(lambda: selectors.campaign_get_for_actor(request.user, campaign_id))
    return render(request, "surveys/campaign_detail.html", {
        "campaign": campaign, "progress": campaigns.campaign_progress(campaign), "nav_active": "surveys"})


@login_required
@permission_required("surveys.run_campaign", raise_exception=True)
@require_POST
def campaign_act(request, campaign_id: int, action: str):
    campaign = _or_404(lambda: selectors.campaign_get_for_actor(request.user, campaign_id))
    do = {"start": campaigns.campaign_start, "close": campaigns.campaign_close}.get(action)
    if do is None:
        raise Http404
    try:
        do(actor=request.user, campaign_id=campaign.pk)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("surveys:campaign", campaign.pk)


# --- the builder -------------------------------------------------------------------------------------------

@login_required
@permission_required("surveys.design_survey", raise_exception=True)
def survey_list(request):
    return render(request, "surveys/survey_list.html", {"surveys": Survey.objects.select_related("theme"),
                                                        "nav_active": "surveys"})


@login_required
@permission_required("surveys.design_survey", raise_exception=True)
@require_http_methods(["GET", "POST"])
def survey_create_view(request):
    errors = {}
    if request.method == "POST":
        try:
            survey = services.survey_create(
                actor=request.user, code=request.POST.get("code", ""), name=request.POST.get("name", ""),
                theme_id=request.POST.get("theme"), intro=request.POST.get("intro", ""),
                thanks=request.POST.get("thanks", ""), for_experience_panel=bool(request.POST.get("for_panel")))
        except ApplicationError as error:
            errors = error.details or {"__all__": [error.message]}
        else:
            return redirect("surveys:builder", survey.pk)
    return render(request, "surveys/survey_form.html", {"themes": Theme.objects.all(), "errors": errors,
                                                        "values": request.POST, "nav_active": "surveys"},
                  status=422 if errors else 200)


def _split(text: str, sep: str) -> list[str]:
    return [part.strip() for part in (text or "").replace("\r", "").split(sep) if part.strip()]


def _specs_from(post) -> list[QuestionSpec]:
    """The builder's rows (q-<n>-<field>); a row without text and choices is left out (the blank row to add one)."""
    rows = sorted({key.split("-")[1] for key in post if key.startswith("q-") and key.count("-") >= 2},
                  key=lambda n: int(n) if n.isdigit() else 0)
    pairs = []
    for n in rows:
        def get(name, n=n):
            return post.get(f"q-{n}-{name}", "")
        if not get("text").strip() and not get("choices").strip():
            continue
        pairs.append((n, QuestionSpec(
            position=_int_or_none(get("position")) or 0, kind=get("kind"), text=get("text"),
            choices=_split(get("choices"), "\n"), required=bool(get("required")),
            show_if_position=_int_or_none(get("show_if_position")), is_primary_nps=bool(get("is_primary_nps")),
            is_verbatim=bool(get("is_verbatim")), ticket_kind=get("ticket_kind"))))
    by_position = {spec.position: spec for _n, spec in pairs}
    for n, spec in pairs:
        target = by_position.get(spec.show_if_position)
        spec.show_if_values = [coerce_trigger(target, v) if target else v
                               for v in _split(post.get(f"q-{n}-show_if_values", ""), ",")]
        spec.ticket_values = [coerce_trigger(spec, v) for v in _split(post.get(f"q-{n}-ticket_values", ""), ",")]
    return [spec for _n, spec in pairs]


def _builder_context(survey, specs=None, errors=None) -> dict:
    specs = specs if specs is not None else [services.spec_of(q) for q in survey.questions.all()]
    blank = QuestionSpec(position=max([s.position for s in specs] + [0]) + 1, kind="text", text="", required=False)
    rows = [{"n": i, "spec": s, "errors": {k.split(".", 1)[1]: v for k, v in (errors or {}).items()
                                          if k.startswith(f"q{s.position}.")}}
            for i, s in enumerate([*specs, blank] if survey.status == SurveyStatus.DRAFT else specs)]
    return {"survey": survey, "rows": rows, "kinds": KINDS, "errors": errors or {},
            "general_errors": (errors or {}).get("questions", []), "themes": Theme.objects.all(),
            "editable": survey.status == SurveyStatus.DRAFT, "nav_active": "surveys"}


@login_required
@permission_required("surveys.design_survey", raise_exception=True)
@require_http_methods(["GET", "POST"])
def survey_builder(request, survey_id: int):
    survey = _or_404(lambda: selectors.survey_get_for_designer(request.user, survey_id))
    if request.method == "POST":
        specs = _specs_from(request.POST)
        try:
            services.survey_questions_set(actor=request.user, survey_id=survey.pk, questions=specs)
        except ApplicationError as error:
            details = error.details if isinstance(error.details, dict) else {}
            context = _builder_context(survey, specs, details or {"questions": [error.message]})
            template = "surveys/_builder_form.html" if request.htmx else "surveys/builder.html"
            return render(request, template, context, status=422)
        context = _builder_context(survey)
        context["saved"] = True
        return render(request, "surveys/_builder_form.html" if request.htmx else "surveys/builder.html", context)
    return render(request, "surveys/builder.html", _builder_context(survey))


@login_required
@permission_required("surveys.design_survey", raise_exception=True)
@require_POST
def survey_act(request, survey_id: int, action: str):
    do = {"publish": services.survey_publish, "new-version": services.survey_new_version,
          "retire": services.survey_retire}.get(action)
    if do is None:
        raise Http404
    _or_404(lambda: selectors.survey_get_for_designer(request.user, survey_id))
    try:
        survey = do(actor=request.user, survey_id=survey_id)
    except ApplicationError as error:
        messages.error(request, " ".join([error.message, *error.problems]))
        return redirect("surveys:builder", survey_id)
    return redirect("surveys:builder", survey.pk)


# --- responses, phone, panel, officers ---------------------------------------------------------------------

@login_required
@permission_required("surveys.view_response", raise_exception=True)
def response_detail(request, response_id: int):
    response = _or_404(lambda: selectors.response_get_for_actor(request.user, response_id))
    answers = response.answers.select_related("question").order_by("question__position")
    return render(request, "surveys/response_detail.html", {"response": response, "answers": answers})


@login_required
@permission_required("surveys.add_response", raise_exception=True)
def phone_list(request):
    return render(request, "surveys/phone_list.html", {
        "invitations": selectors.phone_invitations(request.user)[:100], "nav_active": "survey_phone"})


@login_required
@permission_required("surveys.add_response", raise_exception=True)
@require_http_methods(["GET", "POST"])
def phone_record(request, invitation_id: int):
    from brokerdesk.surveys.responses import invitation_get_for_actor

    invitation = _or_404(lambda: invitation_get_for_actor(request.user, invitation_id))
    questions = questions_of(invitation)
    if request.method == "POST":
        raw = {q.position: request.POST.getlist(f"q{q.position}") for q in questions}
        try:
            response = phone_response_record(actor=request.user, invitation_id=invitation.pk, raw_answers=raw)
        except ApplicationError as error:
            details = error.details if isinstance(error.details, dict) else {}
            context = _form_context(invitation, questions, raw, details)
            context.update(invitation=invitation, message=error.message)
            return render(request, "surveys/phone_record.html", context, status=422)
        messages.success(request, _("The answers are recorded."))
        if response.ticket_id:
            messages.info(request, _("A ticket was opened for the client's branch."))
        return redirect("surveys:phone_list")
    context = _form_context(invitation, questions)
    context["invitation"] = invitation
    return render(request, "surveys/phone_record.html", context)


@login_required
def panel(request):
    """An experience officer's own open surveys, with their links."""
    officer, invitations = selectors.officer_open_invitations(request.user)
    links = [(invitation, tokens.link_for(invitation)) for invitation in invitations]
    return render(request, "surveys/panel.html", {"officer": officer, "links": links})


@login_required
@permission_required("surveys.view_experienceofficer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def officers(request):
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("withdraw"):
                services.officer_withdraw(actor=request.user, staff_id=request.POST.get("withdraw"))
            else:
                services.officer_enrol(actor=request.user, staff_id=request.POST.get("staff"),
                                       theme_ids=request.POST.getlist("themes"))
        except ApplicationError as failure:
            error = " ".join([failure.message, *failure.problems])
        else:
            return redirect("surveys:officers")
    return render(request, "surveys/officers.html", {
        "officers": ExperienceOfficer.objects.select_related("staff").prefetch_related("themes"),
        "staff": Staff.objects.filter(is_active=True).order_by("username")[:500], "themes": Theme.objects.all(),
        "error": error}, status=422 if error else 200)


# --- action items ------------------------------------------------------------------------------------------

@login_required
@permission_required("surveys.manage_action_items", raise_exception=True)
@require_http_methods(["GET", "POST"])
def action_list(request):
    errors = {}
    if request.method == "POST":
        post = request.POST
        try:
            item = services.action_item_create(
                actor=request.user, title=post.get("title", ""), theme_id=post.get("theme"),
                department_id=post.get("department"), owner_id=post.get("owner"),
                due_on=parse_date(post.get("due_on", "") or "") if post.get("due_on") else None,
                keyword=post.get("keyword", ""), description=post.get("description", ""),
                evidence_count=_int_or_none(post.get("evidence_count")) or 0)
        except (ApplicationError, ValueError) as error:
            errors = getattr(error, "details", None) or {"__all__": [str(getattr(error, "message", error))]}
        else:
            return redirect("surveys:action", item.pk)
    return render(request, "surveys/action_list.html", {
        "items": selectors.action_items_list(request.user)[:200], "themes": Theme.objects.all(),
        "departments": Department.objects.all(), "owners": Staff.objects.filter(is_active=True)[:500],
        "errors": errors, "values": request.POST, "nav_active": "survey_actions"}, status=422 if errors else 200)


@login_required
@permission_required("surveys.manage_action_items", raise_exception=True)
@require_http_methods(["GET", "POST"])
def action_detail(request, item_id: int):
    item = _or_404(lambda: selectors.action_item_get_for_actor(request.user, item_id))
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("resurvey"):
                campaign = campaigns.resurvey_create(
                    actor=request.user, item_id=item.pk, survey_id=_int_or_none(request.POST.get("survey")),
                    ends_at=_when(request.POST.get("ends_at")))
                return redirect("surveys:campaign", campaign.pk)
            services.action_item_status_set(actor=request.user, item_id=item.pk,
                                            status=request.POST.get("status", ""),
                                            resolution=request.POST.get("resolution", ""))
        except ApplicationError as failure:
            error = " ".join([failure.message, *failure.problems])
        else:
            return redirect("surveys:action", item.pk)
    return render(request, "surveys/action_detail.html", {
        "item": item, "statuses": ActionStatus.choices, "error": error, "resurveys": item.resurveys.all(),
        "surveys": Survey.objects.filter(status=SurveyStatus.PUBLISHED), "nav_active": "survey_actions"},
        status=422 if error else 200)

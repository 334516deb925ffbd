"""Risk-assessment and professional-investor pages: the questionnaire for a client and its result, a client's
assessment history, the expired and expiring assessments, and professional-investor applications (apply,
review queue, detail with the decision and the evidence).

Thin: forms parse, services validate and write, selectors read within the user's scope (not yours == 404).
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.core.errors import PermissionDenied as AppPermissionDenied
from brokerdesk.core.forms import put_errors
from brokerdesk.customers.rules import risk_status
from brokerdesk.service_plans.choices import ApplicationStatus, ProfessionalBasis, RequestChannel
from brokerdesk.service_plans.selectors import assessments as selectors
from brokerdesk.service_plans.services import assessments as services
from brokerdesk.service_plans.services import professional as professional_services
from brokerdesk.service_plans.views.common import customer_or_404

STAFF_CHANNELS = [c for c in RequestChannel.choices if c[0] != RequestChannel.API]
EXPIRING_FILTERS = ("all", "expired", "expiring")

REASON_LABELS = {
    "financial_institution": gettext_lazy("Financial institution or its product"),
    "basis_not_for_client_kind": gettext_lazy("The basis does not apply to this kind of client"),
    "unknown_basis": gettext_lazy("Unknown basis"),
    "net_assets_met": gettext_lazy("Net assets meet the threshold"),
    "net_assets_below": gettext_lazy("Net assets below the threshold"),
    "net_assets_missing": gettext_lazy("Net assets not given"),
    "financial_assets_met": gettext_lazy("Financial assets meet the threshold"),
    "financial_assets_below": gettext_lazy("Financial assets below the threshold"),
    "financial_assets_missing": gettext_lazy("Financial assets not given"),
    "income_met": gettext_lazy("Average income meets the threshold"),
    "income_below": gettext_lazy("Average income below the threshold"),
    "income_missing": gettext_lazy("Average income not given"),
    "wealth_missing": gettext_lazy("Neither financial assets nor income given"),
    "experience_met": gettext_lazy("Investment experience meets the threshold"),
    "experience_below": gettext_lazy("Investment experience below the threshold"),
    "experience_missing": gettext_lazy("Investment experience not given"),
    "professional_background": gettext_lazy("Qualifying professional background instead of experience"),
}


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        return 1


# --- The questionnaire ---------------------------------------------------------------------------------------


class QuestionnaireForm(forms.Form):
    """One field per question (q<position>: radios, or checkboxes for several answers), then the signature."""

    lacks_civil_capacity = forms.BooleanField(
        label=gettext_lazy("The client lacks full civil capacity (a guardian answers and signs)"), required=False)
    signer_name = forms.CharField(label=gettext_lazy("Signed by (the client's name)"), max_length=100,
                                  required=False)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=STAFF_CHANNELS,
                                initial=RequestChannel.BRANCH)

    def __init__(self, *args, questionnaire, **kwargs):
        super().__init__(*args, **kwargs)
        questions = {}
        for question in questionnaire.questions.all():
            name = services.answer_field(question.position)
            choices = [(c.position, c.text) for c in question.choices.all()]
            label = f"{question.position}. {question.text}"
            if question.multiple:
                field = forms.TypedMultipleChoiceField(label=label, choices=choices, coerce=int, required=False,
                                                       widget=forms.CheckboxSelectMultiple)
            else:
                field = forms.TypedChoiceField(label=label, choices=choices, coerce=int, required=False,
                                               empty_value=None, widget=forms.RadioSelect)
            field.question = question
            questions[name] = field
        self.fields = {**questions, **self.fields}
        self.question_names = list(questions)

    def question_fields(self):
        return [self[name] for name in self.question_names]

    def answers(self) -> dict[int, list[int]]:
        answers = {}
        for name in self.question_names:
            value = self.cleaned_data.get(name)
            position = self.fields[name].question.position
            answers[position] = list(value) if isinstance(value, list) else ([] if value is None else [value])
        return answers


@login_required
@permission_required("service_plans.assess_risk", raise_exception=True)
@require_http_methods(["GET", "POST"])
def assessment_new(request):
    customer = customer_or_404(request.user, request.POST.get("customer") or request.GET.get("customer"))
    questionnaire = selectors.questionnaire_current()
    if questionnaire is None:
        messages.error(request, _("No risk questionnaire is in use; compliance must put one in use first."))
        return redirect("service_plans:assessment_history", customer.pk)
    form = QuestionnaireForm(request.POST or None, questionnaire=questionnaire,
                             initial={"signer_name": customer.name})
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                assessment = services.risk_assessment_record(
                    actor=request.user, customer_id=customer.pk, answers=form.answers(),
                    lacks_civil_capacity=form.cleaned_data["lacks_civil_capacity"],
                    channel=form.cleaned_data["channel"], signer_name=form.cleaned_data["signer_name"])
            except NotFound:
                raise Http404 from None
            except ApplicationError as error:
                put_errors(form, error)
                status = error.status if error.status != 400 else 422
            else:
                messages.success(request, _("Risk assessment recorded: %(level)s.") % {"level": assessment.level})
                return redirect("service_plans:assessment_detail", assessment.pk)
    return render(request, "service_plans/assessments/new.html", {
        "customer": customer, "questionnaire": questionnaire, "form": form,
    }, status=status)


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def assessment_detail(request, assessment_id: int):
    try:
        assessment = selectors.risk_assessment_get_for_actor(request.user, assessment_id)
    except NotFound:
        raise Http404 from None
    questionnaire = selectors.questionnaire_with_definition(
        type(assessment.questionnaire).objects.filter(pk=assessment.questionnaire_id)).get()
    rows = []
    for question in questionnaire.questions.all():
        chosen = set(assessment.answers.get(str(question.position), []))
        picked = [c for c in question.choices.all() if c.position in chosen]
        rows.append({"question": question, "answers": picked,
                     "score": max((c.score for c in picked), default=None)})
    return render(request, "service_plans/assessments/result.html", {
        "assessment": assessment, "customer": assessment.customer, "rows": rows,
        "can_assess": request.user.has_perm("service_plans.assess_risk"),
    })


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def assessment_history(request, customer_id: int):
    try:
        customer, assessments = selectors.risk_assessments_for_customer(request.user, customer_id)
    except NotFound:
        raise Http404 from None
    today = timezone.localdate()
    return render(request, "service_plans/assessments/history.html", {
        "customer": customer, "assessments": assessments[:200],
        "status": risk_status(customer.risk_expires_on, today, settings.RISK_EXPIRY_WARNING_DAYS),
        "can_assess": request.user.has_perm("service_plans.assess_risk"),
    })


@login_required
@permission_required("customers.view_customer", raise_exception=True)
def assessments_expiring(request):
    show = request.GET.get("show", "all")
    show = show if show in EXPIRING_FILTERS else "all"
    page = selectors.assessments_expiring_page(request.user, within_days=settings.RISK_EXPIRY_WARNING_DAYS,
                                               show=show, page=_page_number(request))
    today = timezone.localdate()
    for customer in page.items:
        customer.expired = customer.risk_expires_on < today
        customer.days_left = (customer.risk_expires_on - today).days
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "service_plans/assessments/expiring.html", {
        "page": page, "show": show, "filters": [
            ("all", _("Expired and expiring")), ("expired", _("Expired")), ("expiring", _("Expiring soon"))],
        "warning_days": settings.RISK_EXPIRY_WARNING_DAYS, "query": query.urlencode(),
        "can_assess": request.user.has_perm("service_plans.assess_risk"),
    })


# --- Professional investors ----------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (the service checks sizes and count)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in (super(MultipleFileField, self).clean(one, initial) for one in files if one) if f]


class ProfessionalForm(forms.Form):
    basis = forms.ChoiceField(label=gettext_lazy("Basis"), choices=ProfessionalBasis.choices)
    financial_assets = forms.CharField(label=gettext_lazy("Financial assets (CNY)"), required=False, max_length=30)
    net_assets = forms.CharField(label=gettext_lazy("Net assets (CNY, entities)"), required=False, max_length=30)
    average_income_3y = forms.CharField(label=gettext_lazy("Average annual income, last 3 years (CNY)"),
                                        required=False, max_length=30)
    experience_years = forms.CharField(label=gettext_lazy("Years of investment experience"), required=False,
                                       max_length=10)
    professional_background = forms.CharField(
        label=gettext_lazy("Professional background"), required=False, max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("E.g. senior manager of a financial institution, certified accountant or lawyer in "
                               "finance: qualifies instead of 2 years' experience."))
    evidence = MultipleFileField(label=gettext_lazy("Evidence"), required=False,
                                 help_text=gettext_lazy("Asset certificates, income statements, proof of experience. "
                                                        "Required for individuals."))


def _may_see_professional(user) -> bool:
    return user.has_perm("service_plans.add_professionalapplication") or user.has_perm(
        "service_plans.review_professional")


@login_required
@permission_required("service_plans.add_professionalapplication", raise_exception=True)
@require_http_methods(["GET", "POST"])
def professional_new(request):
    customer = customer_or_404(request.user, request.POST.get("customer") or request.GET.get("customer"))
    form = ProfessionalForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                application = professional_services.professional_apply(
                    actor=request.user, customer_id=customer.pk, basis=data["basis"],
                    financial_assets=data["financial_assets"], net_assets=data["net_assets"],
                    average_income_3y=data["average_income_3y"], experience_years=data["experience_years"],
                    professional_background=data["professional_background"],
                    evidence_files=data["evidence"])
            except NotFound:
                raise Http404 from None
            except ApplicationError as error:
                put_errors(form, error)
                status = error.status if error.status != 400 else 422
            else:
                messages.success(request, _("Application recorded; a reviewer will decide it."))
                return redirect("service_plans:professional_detail", application.pk)
    return render(request, "service_plans/assessments/professional_new.html",
                  {"customer": customer, "form": form}, status=status)


@login_required
def professional_queue(request):
    if not _may_see_professional(request.user):
        raise DjangoPermissionDenied
    status = request.GET.get("status", "")
    status = status if status in ApplicationStatus.values else ""
    page = selectors.professional_queue_page(request.user, status=status, page=_page_number(request))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "service_plans/assessments/professional_queue.html", {
        "page": page, "status": status, "statuses": ApplicationStatus.choices, "query": query.urlencode(),
    })


def _professional_context(request, application) -> dict:
    user = request.user
    return {
        "application": application, "customer": application.customer,
        "evidence": application.evidence.all(),
        "reasons": [REASON_LABELS.get(code, code) for code in application.reasons],
        "can_decide": user.has_perm("service_plans.review_professional")
        and application.status == ApplicationStatus.PENDING and application.requested_by_id != user.pk,
        "own_application": application.requested_by_id == user.pk,
    }


@login_required
def professional_detail(request, application_id: int):
    if not _may_see_professional(request.user):
        raise DjangoPermissionDenied
    try:
        application = selectors.professional_application_get_for_actor(request.user, application_id)
    except NotFound:
        raise Http404 from None
    return render(request, "service_plans/assessments/professional_detail.html",
                  _professional_context(request, application))


@login_required
@require_POST
def professional_decide(request, application_id: int):
    decision = request.POST.get("decision")
    try:
        if decision not in ("approve", "reject"):
            raise ApplicationError(_("Choose approve or reject."), code="decision_missing")
        professional_services.professional_decide(
            actor=request.user, application_id=application_id, approve=decision == "approve",
            note=request.POST.get("note", ""))
    except NotFound:
        raise Http404 from None
    except AppPermissionDenied as error:
        if error.code != "maker_checker":
            raise DjangoPermissionDenied from None
        return _detail_with_error(request, application_id, error)
    except ApplicationError as error:
        return _detail_with_error(request, application_id, error)
    messages.success(request, _("Decision recorded."))
    return redirect("service_plans:professional_detail", application_id)


def _detail_with_error(request, application_id, error: ApplicationError):
    try:
        application = selectors.professional_application_get_for_actor(request.user, application_id)
    except NotFound:
        raise Http404 from None
    details = error.details if isinstance(error.details, dict) else {}
    context = _professional_context(request, application) | {
        "action_error": error.message, "action_details": details.get("note", []),
        "note": request.POST.get("note", "")}
    return render(request, "service_plans/assessments/professional_detail.html", context,
                  status=error.status if error.status != 400 else 422)


@login_required
def professional_evidence(request, application_id: int, evidence_id: int):
    try:
        return professional_services.professional_evidence_response(
            actor=request.user, application_id=application_id, evidence_id=evidence_id)
    except NotFound:
        raise Http404 from None
    except AppPermissionDenied:
        raise DjangoPermissionDenied from None


urlpatterns = [
    path("assessments/new/", assessment_new, name="assessment_new"),
    path("assessments/expiring/", assessments_expiring, name="assessments_expiring"),
    path("assessments/customer/<int:customer_id>/", assessment_history, name="assessment_history"),
    path("assessments/<int:assessment_id>/", assessment_detail, name="assessment_detail"),
    path("professional/", professional_queue, name="professional_queue"),
    path("professional/new/", professional_new, name="professional_new"),
    path("professional/<int:application_id>/", professional_detail, name="professional_detail"),
    path("professional/<int:application_id>/decide/", professional_decide, name="professional_decide"),
    path("professional/<int:application_id>/evidence/<int:evidence_id>/", professional_evidence,
         name="professional_evidence"),
]

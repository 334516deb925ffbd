"""Trading-permission pages: the application form from a client (with the kind's risk disclosure and an
eligibility preview that stores nothing), the result of an application with every figure and reason, and a
client's applications."""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.core.forms import put_errors
from brokerdesk.customers.choices import PermissionKind
from brokerdesk.service_plans import permission_rules
from brokerdesk.service_plans.choices import PermissionApplicationStatus, RequestChannel
from brokerdesk.service_plans.selectors import permissions as selectors
from brokerdesk.service_plans.services.permissions import permission_apply
from brokerdesk.service_plans.views.common import STAFF_CHANNELS, customer_or_404

APPLY = selectors.APPLY_PERMISSION
# Staff record applications taken at the counter or on a recorded line; self-service and partner channels
# apply through their own paths.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PermissionApplicationForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Permission"), choices=selectors.applicable_kinds)
    applied_on = forms.DateField(label=gettext_lazy("Application date"), widget=DATE_INPUT)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=STAFF_CHANNELS,
                                initial=RequestChannel.BRANCH)
    csdc_first_traded_on = forms.DateField(
        label=gettext_lazy("First trade per CSDC query"), required=False, widget=DATE_INPUT,
        help_text=gettext_lazy("Only if the client traded at another firm before trading with us: the date from "
                               "the CSDC (中登) query. The earlier of this and the first trade with us counts."))
    disclosure_version = forms.CharField(widget=forms.HiddenInput, required=False)
    disclosure_signed = forms.BooleanField(label=gettext_lazy("The client has read and signed the risk disclosure"),
                                           required=False)
    signer_name = forms.CharField(label=gettext_lazy("Signed by (full name)"), max_length=120, required=False)


def _date(value) -> date | None:
    """A date from form data (ISO), None when blank; ValidationError when malformed."""
    return forms.DateField(required=False).clean(value or "")


def _held(customer) -> list[tuple[str, object]]:
    labels = dict(PermissionKind.choices)
    return [(labels.get(kind, kind), granted_on) for kind, granted_on in selectors.held_permissions(customer).items()]


def _panel_context(user, customer, data) -> dict:
    """The disclosure of the chosen kind and the eligibility preview for the form's current values."""
    kinds = dict(selectors.applicable_kinds())
    kind = data.get("kind") if data.get("kind") in kinds else next(iter(kinds), "")
    context: dict = {"customer": customer, "kind": kind, "kind_label": kinds.get(kind, ""),
                     "disclosure": selectors.disclosure_for(kind) if kind else None}
    if not kind:
        return context
    try:
        applied_on = _date(data.get("applied_on")) or timezone.localdate()
        csdc = _date(data.get("csdc_first_traded_on"))
    except forms.ValidationError:
        context["preview_error"] = _("Enter valid dates to check eligibility.")
        return context
    if applied_on > timezone.localdate():
        context["preview_error"] = _("The application date cannot be in the future.")
    elif csdc is not None and csdc >= applied_on:
        context["preview_error"] = _("The first trade must be before the application date.")
    if "preview_error" in context:
        return context
    figures = selectors.permission_eligibility_preview(
        user, customer.pk, kind, applied_on, csdc_first_traded_on=csdc,
        disclosure_signed=data.get("disclosure_signed") in ("on", "true", "1", True))
    context["figures"] = figures
    money = permission_rules.format_money
    context["display"] = {
        "average": money(figures.window.average), "required": money(figures.rule.average_assets),
        "assets_sum": money(figures.window.total), "assets_met": figures.window.average >= figures.rule.average_assets,
        "months_met": figures.experience_months is not None and figures.experience_months >= figures.rule.months,
        "daily": [(day, None if total is None else money(total)) for day, total in figures.window.rows()],
    }
    context["reasons"] = [(code, permission_rules.reason_message(code, figures.params, _))
                          for code in figures.eligibility.reasons]
    return context


@login_required
@permission_required(APPLY, raise_exception=True)
@require_http_methods(["GET", "POST"])
def application_new(request):
    """The application form for a client (?customer=<id>, optional &kind=)."""
    customer = customer_or_404(request.user, request.POST.get("customer") or request.GET.get("customer") or "")
    kinds = dict(selectors.applicable_kinds())
    requested_kind = request.POST.get("kind") or request.GET.get("kind")
    kind = requested_kind if requested_kind in kinds else next(iter(kinds), "")
    disclosure = selectors.disclosure_for(kind) if kind else None
    initial = {"kind": kind, "applied_on": timezone.localdate(), "channel": RequestChannel.BRANCH,
               "disclosure_version": disclosure.version if disclosure else ""}
    form = PermissionApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["disclosure_signed"]:
            form.add_error("disclosure_signed", _("The client must sign the risk disclosure before the application "
                                                  "is recorded."))
        else:
            try:
                application = permission_apply(
                    actor=request.user, customer_id=customer.pk, kind=data["kind"], applied_on=data["applied_on"],
                    disclosure_version=data["disclosure_version"], signer_name=data["signer_name"],
                    channel=data["channel"], csdc_first_traded_on=data["csdc_first_traded_on"])
            except NotFound:
                raise Http404 from None
            except ApplicationError as error:
                put_errors(form, error)
            else:
                if application.status == PermissionApplicationStatus.GRANTED:
                    messages.success(request, _("The permission is open: the client met every criterion."))
                else:
                    messages.warning(request, _("The application is recorded as refused: see the reasons."))
                return redirect("service_plans:permission_detail", application.pk)
    panel_data = request.POST if request.method == "POST" else {**initial, **request.GET.dict()}
    context = {"form": form, "held": _held(customer),
               **_panel_context(request.user, customer, panel_data)}
    return render(request, "service_plans/permissions/new.html", context,
                  status=422 if request.method == "POST" else 200)


@login_required
@permission_required(APPLY, raise_exception=True)
@require_GET
def eligibility_check(request):
    """The eligibility preview (htmx partial; a whole page without htmx): the same figures an application
    stores, for the form's current values, nothing stored."""
    customer = customer_or_404(request.user, request.GET.get("customer") or "")
    try:
        context = _panel_context(request.user, customer, request.GET.dict())
    except NotFound:
        raise Http404 from None
    template = ("service_plans/permissions/_panel.html" if request.htmx
                else "service_plans/permissions/check.html")
    return render(request, template, context)


def _require_view(user) -> None:
    """Staff who may neither apply nor view applications get 403, like the other pages' permission checks."""
    if not selectors.may_view_applications(user):
        raise PermissionDenied


@login_required
@require_GET
def application_detail(request, application_id: int):
    _require_view(request.user)
    try:
        application = selectors.permission_application_get_for_actor(request.user, application_id)
    except NotFound:
        raise Http404 from None
    money = permission_rules.format_money
    # experience_months is stored as 0 when no trade was known: the page shows "no trade" then, not 0 months.
    months = application.experience_months if application.first_traded_on else None
    return render(request, "service_plans/permissions/detail.html", {
        "application": application, "customer": application.customer, "months": months,
        "display": {"average": money(application.average_assets), "required": money(application.required_assets),
                    "assets_sum": money(application.assets_sum),
                    "assets_met": application.average_assets >= application.required_assets,
                    "months_met": months is not None and months >= application.required_months},
        "reasons": selectors.application_reason_messages(application, _),
        "can_apply": request.user.has_perm(APPLY),
    })


@login_required
@require_GET
def customer_applications(request, customer_id: int):
    _require_view(request.user)
    try:
        customer, applications = selectors.permission_applications_for_customer(request.user, customer_id)
    except NotFound:
        raise Http404 from None
    return render(request, "service_plans/permissions/list.html", {
        "customer": customer, "held": _held(customer),
        "rows": [(a, permission_rules.format_money(a.average_assets), permission_rules.format_money(a.required_assets))
                 for a in applications[:200]],
        "can_apply": request.user.has_perm(APPLY),
    })


urlpatterns = [
    path("permissions/new/", application_new, name="permission_new"),
    path("permissions/check/", eligibility_check, name="permission_check"),
    path("permissions/<int:application_id>/", application_detail, name="permission_detail"),
    path("permissions/customer/<int:customer_id>/", customer_applications, name="permission_customer"),
]

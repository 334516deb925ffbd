"""Pages: the package catalogue, a client's services (current package, request, cancel, history), the warning a
client signs, the approval queue with commission exports, and a subscription with its history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.service_plans import forms
from brokerdesk.service_plans.choices import RequestChannel, SubscriptionStatus
from brokerdesk.service_plans.models import ServicePackage
from brokerdesk.service_plans.selectors import packages as selectors
from brokerdesk.service_plans.services import commission_export, subscriptions
from brokerdesk.service_plans.services.packages import package_save
from brokerdesk.service_plans.services.suitability import (
    ConfirmationRequired,
    needs_confirmation,
    reason_messages,
    suitability_confirm,
)
from brokerdesk.service_plans.views.common import STAFF_CHANNELS, customer_or_404, int_or_none


@login_required
@permission_required("service_plans.view_servicepackage", raise_exception=True)
def catalogue(request):
    return render(request, "service_plans/packages/catalogue.html", {"packages": selectors.package_catalogue()})


@login_required
@permission_required("service_plans.manage_packages", raise_exception=True)
@require_http_methods(["GET", "POST"])
def package_edit(request, package_id=None):
    package = None
    if package_id is not None:
        package = ServicePackage.objects.filter(pk=package_id).first()
        if package is None:
            raise Http404
    data = request.POST if request.method == "POST" else None
    form = forms.PackageForm(data, instance=package)
    formsets = [forms.EntitlementFormSet(data, instance=package, prefix="entitlements"),
                forms.ScheduleFormSet(data, instance=package, prefix="schedules")]
    error = None
    if request.method == "POST":
        try:
            saved = package_save(actor=request.user, form=form, formsets=formsets)
        except ApplicationError as failure:
            error = failure
        else:
            messages.success(request, _("The package %(name)s is saved.") % {"name": saved.name})
            return redirect("service_plans:catalogue")
    return render(request, "service_plans/packages/edit.html", {
        "form": form, "formsets": formsets, "package": package, "error": error},
        status=error.status if error else 200)


def _customer_context(customer, **extra) -> dict:
    services = selectors.customer_services(customer)
    return {"customer": customer, "active": services.active, "package": services.package, "tier": services.tier,
            "history": services.history, "offers": services.offers, "open_request": services.open_request,
            "channels": STAFF_CHANNELS, **extra}


@login_required
@permission_required("service_plans.view_servicepackage", raise_exception=True)
def customer_services(request, customer_id):
    customer = customer_or_404(request.user, customer_id)
    return render(request, "service_plans/packages/customer.html", _customer_context(customer))


@login_required
@permission_required("service_plans.subscribe_package", raise_exception=True)
@require_POST
def customer_request(request, customer_id):
    customer = customer_or_404(request.user, customer_id)
    data = subscriptions.SubscriptionRequest(
        package_code=request.POST.get("package", ""), channel=request.POST.get("channel", ""),
        commission_rate=request.POST.get("commission_rate", ""), reason=request.POST.get("reason", "")[:500],
        confirmed_check_id=int_or_none(request.POST.get("confirmed_check")))
    try:
        subscription = subscriptions.subscription_request(actor=request.user, customer_id=customer.pk, data=data)
    except ConfirmationRequired as needed:
        query = urlencode({"package": data.package_code, "channel": data.channel, "rate": data.commission_rate,
                           "reason": data.reason})
        return redirect(reverse("service_plans:check_confirm", args=[needed.details["check_id"]]) + "?" + query)
    except ApplicationError as error:
        return render(request, "service_plans/packages/customer.html", _customer_context(
            customer, request_error=error,
            posted=request.POST), status=error.status)
    messages.success(request, _("Request recorded: %(status)s.") % {"status": subscription.get_status_display()})
    return redirect("service_plans:subscription", subscription.pk)


@login_required
@permission_required("service_plans.subscribe_package", raise_exception=True)
@require_POST
def customer_cancel(request, customer_id):
    customer = customer_or_404(request.user, customer_id)
    try:
        subscriptions.subscription_cancel(actor=request.user, customer_id=customer.pk,
                                          channel=request.POST.get("channel", RequestChannel.PHONE),
                                          note=request.POST.get("note", "")[:500])
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The package was cancelled; the basic package applies from the next trading day."))
    return redirect("service_plans:customer", customer.pk)


@login_required
@permission_required("service_plans.check_suitability", raise_exception=True)
@require_http_methods(["GET", "POST"])
def check_confirm(request, check_id):
    """The special risk warning, read to or by the client, and their signature. After a package request, the
    request goes on with the signed check."""
    try:
        check = selectors.check_get_for_actor(request.user, check_id)
    except NotFound:
        raise Http404 from None
    source = request.POST if request.method == "POST" else request.GET
    pending = {k: source.get(k, "") for k in ("package", "channel", "rate", "reason")}
    error = None
    if request.method == "POST":
        try:
            check = suitability_confirm(actor=request.user, check_id=check.pk, channel=request.POST.get("channel", ""),
                                        signer_name=request.POST.get("signer_name", ""),
                                        declared_not_recommended=request.POST.get("declared") == "on")
        except ApplicationError as failure:
            error = failure
        else:
            if pending["package"]:
                try:
                    subscription = subscriptions.subscription_request(
                        actor=request.user, customer_id=check.customer_id, data=subscriptions.SubscriptionRequest(
                            package_code=pending["package"], channel=pending["channel"],
                            commission_rate=pending["rate"], reason=pending["reason"], confirmed_check_id=check.pk))
                except ApplicationError as failure:
                    messages.error(request, failure.message)
                    return redirect("service_plans:customer", check.customer_id)
                messages.success(request, _("Confirmation signed; request recorded: %(status)s.") % {
                    "status": subscription.get_status_display()})
                return redirect("service_plans:subscription", subscription.pk)
            messages.success(request, _("The client's confirmation is recorded."))
            return redirect("service_plans:check", check.pk)
    return render(request, "service_plans/packages/confirm.html", {
        "check": check, "customer": check.customer, "pending": pending, "error": error,
        "needs_confirmation": needs_confirmation(check), "reasons": reason_messages(check.reasons),
        "channels": STAFF_CHANNELS}, status=error.status if error else 200)


@login_required
@permission_required("service_plans.approve_subscription", raise_exception=True)
def approvals(request):
    return render(request, "service_plans/packages/approvals.html", {
        "waiting": selectors.subscriptions_awaiting_decision(request.user),
        "exports": selectors.commission_exports_recent(), "unsent": selectors.commission_changes_unsent(),
        "may_export": request.user.has_perm("service_plans.export_commission_changes")})


@login_required
@permission_required("service_plans.export_commission_changes", raise_exception=True)
@require_POST
def export_commission(request):
    try:
        export = commission_export.commission_changes_export(actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        if export is None:
            messages.info(request, _("There are no commission changes to export."))
        else:
            messages.success(request, _("%(rows)s commission changes written to %(file)s.") % {
                "rows": export.rows, "file": export.file_name})
    return redirect("service_plans:approvals")


@login_required
@permission_required("service_plans.view_servicepackage", raise_exception=True)
def subscription_detail(request, subscription_id):
    try:
        subscription = selectors.subscription_get_for_actor(request.user, subscription_id)
    except NotFound:
        raise Http404 from None
    return render(request, "service_plans/packages/subscription.html", {
        "subscription": subscription, "customer": subscription.customer,
        "events": subscription.events.select_related("actor"),
        "changes": subscription.commission_changes.select_related("export"),
        "may_decide": (request.user.has_perm("service_plans.approve_subscription")
                       and subscription.status == SubscriptionStatus.PENDING_APPROVAL
                       and subscription.requested_by_id != request.user.pk),
        "may_withdraw": (request.user.has_perm("service_plans.subscribe_package")
                         and subscription.status in (SubscriptionStatus.PENDING_APPROVAL,
                                                     SubscriptionStatus.COOLING_OFF))})


ACTIONS = {
    "approve": lambda actor, pk, note: subscriptions.subscription_approve(actor=actor, subscription_id=pk, note=note),
    "reject": lambda actor, pk, note: subscriptions.subscription_reject(actor=actor, subscription_id=pk, note=note),
    "withdraw": lambda actor, pk, note: subscriptions.subscription_withdraw(actor=actor, subscription_id=pk,
                                                                            note=note),
}


@login_required
@require_POST
def subscription_act(request, subscription_id, action):
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](request.user, subscription_id, request.POST.get("note", "")[:500])
    except NotFound:
        raise Http404 from None
    except ApplicationError as error:
        messages.error(request, " ".join([error.message, *error.problems]))
    return redirect("service_plans:subscription", subscription_id)


urlpatterns = [
    path("", catalogue, name="catalogue"),
    path("packages/new/", package_edit, name="package_new"),
    path("packages/<int:package_id>/", package_edit, name="package_edit"),
    path("customer/<int:customer_id>/", customer_services, name="customer"),
    path("customer/<int:customer_id>/request/", customer_request, name="customer_request"),
    path("customer/<int:customer_id>/cancel/", customer_cancel, name="customer_cancel"),
    path("checks/<int:check_id>/confirm/", check_confirm, name="check_confirm"),
    path("subscriptions/", approvals, name="approvals"),
    path("subscriptions/export/", export_commission, name="export_commission"),
    path("subscriptions/<int:subscription_id>/", subscription_detail, name="subscription"),
    path("subscriptions/<int:subscription_id>/<slug:action>/", subscription_act, name="subscription_act"),
]

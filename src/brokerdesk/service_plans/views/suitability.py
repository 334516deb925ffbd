"""Pages: checking a product sale for a client (the warning and the client's confirmation are on the confirm
page), a check as recorded, and the client's self-service page for packages, reached by a signed link."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import ApplicationError, NotFound
from brokerdesk.customers.models import Customer
from brokerdesk.messaging.outbound.services import message_send
from brokerdesk.service_plans.choices import RequestChannel
from brokerdesk.service_plans.models import Product, SuitabilityCheck
from brokerdesk.service_plans.selectors import packages as selectors
from brokerdesk.service_plans.services import subscriptions
from brokerdesk.service_plans.services.suitability import (
    ConfirmationRequired,
    needs_confirmation,
    product_suitability_check,
    reason_messages,
    suitability_confirm,
)
from brokerdesk.service_plans.views.common import STAFF_CHANNELS, customer_or_404, int_or_none

SELF_SERVICE_SALT = "service_plans.self-service"
SELF_SERVICE_DAYS = 7


@login_required
@permission_required("service_plans.check_suitability", raise_exception=True)
@require_http_methods(["GET", "POST"])
def product_check(request, customer_id):
    customer = customer_or_404(request.user, customer_id)
    error = None
    if request.method == "POST":
        try:
            check = product_suitability_check(actor=request.user, customer_id=customer.pk,
                                              product_code=request.POST.get("product", ""),
                                              channel=request.POST.get("channel", ""))
        except ApplicationError as failure:
            error = failure
        else:
            if needs_confirmation(check):
                return redirect("service_plans:check_confirm", check.pk)
            return redirect("service_plans:check", check.pk)
    return render(request, "service_plans/suitability/product_check.html", {
        "customer": customer, "products": Product.objects.filter(is_active=True), "channels": STAFF_CHANNELS,
        "error": error, "recent": SuitabilityCheck.objects.filter(customer=customer)[:20]},
        status=error.status if error else 200)


@login_required
@permission_required("service_plans.view_suitabilitycheck", raise_exception=True)
def check_detail(request, check_id):
    try:
        check = selectors.check_get_for_actor(request.user, check_id)
    except NotFound:
        raise Http404 from None
    return render(request, "service_plans/suitability/check.html", {
        "check": check, "customer": check.customer, "reasons": reason_messages(check.reasons),
        "needs_confirmation": needs_confirmation(check)})


def self_service_link(customer: Customer) -> str:
    token = signing.dumps({"c": customer.pk}, salt=SELF_SERVICE_SALT, compress=True)
    return settings.BROKERDESK_BASE_URL + reverse("service_plans:self_service", args=[token])


@login_required
@permission_required("service_plans.subscribe_package", raise_exception=True)
@require_POST
def self_service_send(request, customer_id):
    """Email the client a personal link to their package page (valid for a week); the send is audited."""
    customer = customer_or_404(request.user, customer_id)
    if not customer.email:
        messages.error(request, _("The client has no email address on file."))
        return redirect("service_plans:customer", customer.pk)
    link = self_service_link(customer)
    try:
        sent = message_send(
            actor=request.user, customer=customer, channel="email", purpose="service",
            subject=_("Your service package options"),
            body=_("Dear client,\n\nChoose or change your service package here (valid for %(days)s days):\n%(link)s\n")
            % {"days": SELF_SERVICE_DAYS, "link": link}, source=("customer", customer.pk))
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("service_plans:customer", customer.pk)
    audit_record(actor=request.user, action="subscription.self_service_link", object_type="customer",
                 object_id=customer.pk, details={"channel": "email", "outbound_message": sent.pk})
    if sent.suppression_reason:
        messages.error(request, _("The link was not sent: %(reason)s.")
                       % {"reason": sent.get_suppression_reason_display()})
    else:
        messages.success(request, _("The link was sent to the client's email."))
    return redirect("service_plans:customer", customer.pk)


def _self_service_customer(token: str) -> Customer:
    try:
        data = signing.loads(token, salt=SELF_SERVICE_SALT, max_age=SELF_SERVICE_DAYS * 86400)
    except signing.BadSignature:
        raise Http404 from None
    customer = Customer.objects.filter(pk=data.get("c")).first()
    if customer is None:
        raise Http404
    return customer


def _self_request(customer: Customer, package_code: str, confirmed_check_id: int | None = None) -> None:
    subscriptions.subscription_request(actor=None, customer=customer, data=subscriptions.SubscriptionRequest(
        package_code=package_code, channel=RequestChannel.SELF_SERVICE, confirmed_check_id=confirmed_check_id))


@require_http_methods(["GET", "POST"])
def self_service(request, token):
    """The client's own page: their package, the packages they may choose, the warning to sign when needed."""
    customer = _self_service_customer(token)
    error = confirm = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "request":
                _self_request(customer, request.POST.get("package", ""))
            elif action == "confirm":
                check = suitability_confirm(actor=None, customer=customer,
                                            check_id=int_or_none(request.POST.get("check")),
                                            channel=RequestChannel.SELF_SERVICE,
                                            signer_name=request.POST.get("signer_name", ""),
                                            declared_not_recommended=request.POST.get("declared") == "on")
                _self_request(customer, check.subject_code, check.pk)
            elif action == "withdraw":
                pending = selectors.open_subscription(customer)
                if pending is None or pending.pk != int_or_none(request.POST.get("subscription")):
                    raise NotFound()
                subscriptions.subscription_withdraw(actor=None, subscription=pending, note=_("Withdrawn by the client"))
            elif action == "cancel":
                subscriptions.subscription_cancel(actor=None, customer=customer, channel=RequestChannel.SELF_SERVICE)
            else:
                raise NotFound()
        except ConfirmationRequired as needed:
            confirm = SuitabilityCheck.objects.get(pk=needed.details["check_id"], customer=customer)
        except ApplicationError as failure:
            error = failure
        else:
            return redirect("service_plans:self_service", token)
    services = selectors.customer_services(customer)
    return render(request, "service_plans/suitability/self_service.html", {
        "customer": customer, "active": services.active, "package": services.package, "token": token,
        "offers": [offer.package for offer in services.offers if not offer.problems], "error": error,
        "confirm": confirm, "pending": services.open_request,
    }, status=error.status if error else 200)


urlpatterns = [
    path("customer/<int:customer_id>/product-check/", product_check, name="product_check"),
    path("customer/<int:customer_id>/self-service-link/", self_service_send, name="self_service_send"),
    path("checks/<int:check_id>/", check_detail, name="check"),
    path("self/<str:token>/", self_service, name="self_service"),
]

"""May client X receive content Y or service Z: package entitlements, suitability of content, consent; and no
path gives a lowest-category client anything above R1."""

import contextlib
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from brokerdesk.customers.models import ChannelConsent
from brokerdesk.service_plans.models import ServicePackage, Subscription
from brokerdesk.service_plans.services.entitlements import (
    EntitlementQuestion,
    entitlement_check,
    entitlements_check_many,
)
from brokerdesk.service_plans.services.subscriptions import (
    SubscriptionRequest,
    subscription_approve,
    subscription_request,
)
from brokerdesk.service_plans.services.suitability import (
    ConfirmationRequired,
    SuitabilityRefused,
    product_suitability_check,
    suitability_confirm,
)
from brokerdesk.service_plans.tests.support import put_in_tier

pytestmark = pytest.mark.django_db


def ask(actor, customer, **question):
    return entitlement_check(actor=actor, customer_id=customer.pk, question=EntitlementQuestion(**question))


def test_it_answers_from_the_default_package_without_a_subscription(users, customer_a):
    assert ask(users["agent"], customer_a, kind="research", level=1).allowed
    answer = ask(users["agent"], customer_a, kind="research", level=2)
    assert (answer.allowed, answer.package, answer.reasons) == (False, "basic", ["not_in_package"])


def test_it_answers_from_the_active_package(users, customer_a):
    put_in_tier(customer_a, "gold")
    subscription_request(actor=users["agent"], customer_id=customer_a.pk,
                         data=SubscriptionRequest(package_code="gold", channel="phone"))
    assert ask(users["agent"], customer_a, kind="stock_pool").allowed
    assert not ask(users["agent"], customer_a, kind="dedicated_advisor").allowed


def test_it_refuses_content_above_the_clients_level(users, customer_a):
    customer_a.risk_level = "C2"
    customer_a.save()
    assert ask(users["agent"], customer_a, kind="research", content_risk="R2").allowed
    answer = ask(users["agent"], customer_a, kind="research", content_risk="R3")
    assert answer.reasons == ["risk_above_client_level"]


def test_it_respects_channel_opt_outs(users, customer_a):
    ChannelConsent.objects.create(customer=customer_a, channel="sms", consented=False, changed_at=timezone.now())
    assert ask(users["agent"], customer_a, kind="sms_push", channel="sms").reasons == ["channel_opted_out"]
    assert ask(users["agent"], customer_a, kind="email_push", channel="email").allowed


def test_it_answers_many_clients_and_hides_other_branches(users, customer_a, customer_b):
    answers = entitlements_check_many(actor=users["branch_a"], question=EntitlementQuestion(kind="research"),
                                      customer_nos=[customer_a.customer_no, customer_b.customer_no, "nobody"])
    assert answers[customer_a.customer_no].allowed
    assert answers[customer_b.customer_no] is None and answers["nobody"] is None


RISKS = ["R1", "R2", "R3", "R4", "R5"]


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(risk=st.sampled_from(RISKS), level=st.sampled_from(["C1", "C2", "C3", "C4", "C5", ""]),
       professional=st.booleans(), expired=st.booleans(), tier=st.sampled_from(["silver", "gold", "diamond"]),
       channel=st.sampled_from(["phone", "branch", "self_service"]), try_to_confirm=st.booleans(),
       high=st.sets(st.sampled_from(RISKS)))
def test_it_gives_a_lowest_category_client_nothing_above_r1_on_any_path(
        users, org, settings, risk, level, professional, expired, tier, channel, try_to_confirm, high):
    """Packages (every channel, with a forced confirmation and approval), products and content."""
    from tests.factories import make_customer

    settings.SUITABILITY_HIGH_RISK_LEVELS = sorted(high)
    today = timezone.localdate()
    customer = make_customer(org["branch_a"], risk_level=level, is_lowest_category=True,
                             investor_category="professional" if professional else "ordinary",
                             risk_expires_on=today - timedelta(days=1) if expired else today + timedelta(days=100))
    put_in_tier(customer, tier)
    package = ServicePackage.objects.create(code=f"p{customer.pk}", name="测试包", rank=50, risk_level=risk,
                                            effective_from=today - timedelta(days=1), requires_approval=True)
    package.schedules.create(asset_tier="", standard_rate="0.2", min_rate="0.1", max_rate="0.3")
    package.entitlements.create(kind="research", level=3)
    actor = None if channel == "self_service" else users["agent"]
    try:
        subscription_request(actor=actor, customer_id=customer.pk, customer=customer,
                             data=SubscriptionRequest(package_code=package.code, channel=channel))
    except ConfirmationRequired as needed:
        if try_to_confirm:
            suitability_confirm(actor=users["agent"], check_id=needed.details["check_id"], channel="phone",
                                signer_name=customer.name, declared_not_recommended=True)
            subscription_request(actor=actor, customer_id=customer.pk, customer=customer, data=SubscriptionRequest(
                package_code=package.code, channel=channel, confirmed_check_id=needed.details["check_id"]))
    except SuitabilityRefused:
        pass
    for subscription in Subscription.objects.filter(customer=customer, status="pending_approval"):
        with contextlib.suppress(SuitabilityRefused):
            subscription_approve(actor=users["reviewer"], subscription_id=subscription.pk)
    held = Subscription.objects.filter(customer=customer).exclude(status__in=["rejected", "withdrawn", "ended"])
    assert all(s.package.risk_level == "R1" for s in held)
    check = product_suitability_check(actor=users["agent"], customer_id=customer.pk, product_code="PF0006",
                                      channel="phone")
    assert check.outcome == "refused_lowest"
    answer = ask(users["agent"], customer, kind="research", content_risk=risk)
    assert answer.allowed is False or risk == "R1"

"""Subscriptions: eligibility, suitability (refusal, confirmation, cooling-off), approval, the history, the
commission changes queued for the core system."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from brokerdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.service_plans.models import (
    CommissionChange,
    ServiceEvent,
    ServicePackage,
    Subscription,
    SuitabilityCheck,
)
from brokerdesk.service_plans.services.subscriptions import (
    SubscriptionRequest,
    cooling_off_finish,
    subscription_approve,
    subscription_cancel,
    subscription_reject,
    subscription_request,
    subscription_withdraw,
)
from brokerdesk.service_plans.services.suitability import (
    ConfirmationRequired,
    SuitabilityRefused,
    suitability_confirm,
)
from brokerdesk.service_plans.tests.support import put_in_tier

pytestmark = pytest.mark.django_db


def request(actor, customer, code, **kw):
    return subscription_request(actor=actor, customer_id=customer.pk,
                                data=SubscriptionRequest(package_code=code, channel=kw.pop("channel", "phone"), **kw))


def test_it_subscribes_an_eligible_client_at_once_when_no_approval_is_needed(users, customer_a):
    put_in_tier(customer_a, "gold")
    subscription = request(users["agent"], customer_a, "gold")
    assert subscription.status == "active"
    assert subscription.change == "new"
    assert subscription.commission_rate == Decimal("0.2000")
    assert subscription.effective_on == timezone.localdate()
    assert [e.action for e in subscription.events.all()] == ["request", "activate"]
    change = CommissionChange.objects.get(subscription=subscription)
    assert (change.old_rate, change.new_rate) == (Decimal("0.2500"), Decimal("0.2000"))
    assert change.capital_account == customer_a.capital_accounts.first().account_no
    assert change.effective_on > timezone.localdate()
    assert ServiceEvent.objects.filter(kind="package_changed", customer=customer_a).count() == 1
    assert AuditEvent.objects.filter(action="subscription.activate", object_id=str(subscription.pk)).exists()


def test_it_lists_every_eligibility_problem_and_changes_nothing(users, customer_a):
    put_in_tier(customer_a, "silver")
    with pytest.raises(ValidationFailed) as raised:
        request(users["agent"], customer_a, "diamond")
    problems = raised.value.details["package"]
    assert len(problems) == 3  # tier, risk level, and no diamond schedule for a silver client
    assert any("C4" in p for p in problems)
    assert not Subscription.objects.exists()
    assert not SuitabilityCheck.objects.exists()


def test_it_keeps_the_rate_within_the_tier_band(users, customer_a):
    put_in_tier(customer_a, "gold")
    with pytest.raises(ValidationFailed) as raised:
        request(users["agent"], customer_a, "gold", commission_rate="0.1799")
    assert "commission_rate" in raised.value.details
    assert request(users["agent"], customer_a, "gold", commission_rate="0.1800").commission_rate == Decimal("0.18")


def test_it_upgrades_and_ends_the_previous_package(users, customer_a):
    put_in_tier(customer_a, "platinum")
    first = request(users["agent"], customer_a, "gold")
    assert first.commission_rate == Decimal("0.1800")  # gold's platinum-tier schedule
    upgrade = request(users["branch_a"], customer_a, "platinum", reason="客户来电要求升级")
    assert (upgrade.change, upgrade.status) == ("upgrade", "pending_approval")
    subscription_approve(actor=users["reviewer"], subscription_id=upgrade.pk, note="资料齐全")
    upgrade.refresh_from_db()
    first.refresh_from_db()
    assert upgrade.status == "active" and upgrade.replaces_id == first.pk
    assert first.status == "ended" and first.ended_on == timezone.localdate()
    rates = list(CommissionChange.objects.order_by("id").values_list("old_rate", "new_rate"))
    assert rates == [(Decimal("0.2500"), Decimal("0.1800")), (Decimal("0.1800"), Decimal("0.1600"))]


def test_it_refuses_the_lowest_category_and_keeps_the_refusal(users, customer_a):
    customer_a.is_lowest_category = True
    customer_a.risk_level = "C1"
    customer_a.save()
    put_in_tier(customer_a, "gold")
    with pytest.raises(SuitabilityRefused):
        request(users["agent"], customer_a, "gold")
    check = SuitabilityCheck.objects.get(customer=customer_a)
    assert check.outcome == "refused_lowest"
    assert not Subscription.objects.exists()


def test_it_refuses_an_expired_assessment(users, customer_a):
    customer_a.risk_expires_on = timezone.localdate() - timedelta(days=1)
    customer_a.save()
    put_in_tier(customer_a, "gold")
    with pytest.raises(SuitabilityRefused):
        request(users["agent"], customer_a, "gold")


def test_it_requires_the_signed_confirmation_on_a_mismatch(users, customer_a):
    customer_a.risk_level = "C1"
    customer_a.save()
    put_in_tier(customer_a, "gold")  # gold is R2, above C1
    with pytest.raises(ConfirmationRequired) as raised:
        request(users["agent"], customer_a, "gold")
    check_id = raised.value.details["check_id"]
    assert not Subscription.objects.exists()
    with pytest.raises(ValidationFailed) as unsigned:
        suitability_confirm(actor=users["agent"], check_id=check_id, channel="phone", signer_name="someone else",
                            declared_not_recommended=False)
    assert set(unsigned.value.details) == {"signer_name", "declared_not_recommended"}
    check = suitability_confirm(actor=users["agent"], check_id=check_id, channel="phone",
                                signer_name=customer_a.name, declared_not_recommended=True)
    assert len(check.signature_hash) == 64 and check.no_recommendation_declared
    assert "R2" in check.warning_text
    subscription = request(users["agent"], customer_a, "gold", confirmed_check_id=check_id)
    assert subscription.status == "active" and subscription.suitability_id == check_id
    with pytest.raises(Conflict):  # one confirmation, one sale
        suitability_confirm(actor=users["agent"], check_id=check_id, channel="phone", signer_name=customer_a.name,
                            declared_not_recommended=True)


def test_it_does_not_let_a_confirmation_override_a_later_refusal(users, customer_a):
    customer_a.risk_level = "C1"
    customer_a.save()
    put_in_tier(customer_a, "gold")
    with pytest.raises(ConfirmationRequired) as raised:
        request(users["agent"], customer_a, "gold")
    check_id = raised.value.details["check_id"]
    suitability_confirm(actor=users["agent"], check_id=check_id, channel="phone", signer_name=customer_a.name,
                        declared_not_recommended=True)
    customer_a.is_lowest_category = True  # reassessed meanwhile
    customer_a.save()
    with pytest.raises(SuitabilityRefused):
        request(users["agent"], customer_a, "gold", confirmed_check_id=check_id)
    assert not Subscription.objects.exists()


def test_it_cools_off_a_high_risk_sale_to_an_ordinary_investor(users, customer_a, settings,
                                                                django_capture_on_commit_callbacks):
    settings.SUITABILITY_HIGH_RISK_LEVELS = ["R4", "R5"]
    customer_a.risk_level = "C4"
    customer_a.save()
    put_in_tier(customer_a, "diamond")
    with pytest.raises(ConfirmationRequired) as raised:  # a match, but high risk: the warning is signed
        request(users["branch_a"], customer_a, "diamond")
    with django_capture_on_commit_callbacks(execute=True):
        check = suitability_confirm(actor=users["branch_a"], check_id=raised.value.details["check_id"],
                                    channel="branch", signer_name=customer_a.name, declared_not_recommended=False)
    assert check.cooling_off_until > timezone.now() + timedelta(hours=23)
    event = ServiceEvent.objects.get(kind="high_risk_sale", customer=customer_a)
    assert event.payload["check_id"] == check.pk and event.announced_at is not None
    subscription = request(users["branch_a"], customer_a, "diamond", confirmed_check_id=check.pk)
    subscription_approve(actor=users["reviewer"], subscription_id=subscription.pk)
    subscription.refresh_from_db()
    assert subscription.status == "cooling_off"
    assert cooling_off_finish() == 0
    assert cooling_off_finish(now=check.cooling_off_until + timedelta(seconds=1)) == 1
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_it_lets_the_client_withdraw_during_cooling_off(users, customer_a, settings):
    settings.SUITABILITY_HIGH_RISK_LEVELS = ["R2"]
    put_in_tier(customer_a, "gold")
    with pytest.raises(ConfirmationRequired) as raised:
        request(users["agent"], customer_a, "gold")
    suitability_confirm(actor=users["agent"], check_id=raised.value.details["check_id"], channel="phone",
                        signer_name=customer_a.name, declared_not_recommended=False)
    subscription = request(users["agent"], customer_a, "gold", confirmed_check_id=raised.value.details["check_id"])
    assert subscription.status == "cooling_off"
    subscription_withdraw(actor=users["agent"], subscription_id=subscription.pk, note="客户改变主意")
    assert cooling_off_finish(now=timezone.now() + timedelta(days=2)) == 0
    subscription.refresh_from_db()
    assert subscription.status == "withdrawn"
    assert not CommissionChange.objects.exists()


def test_it_lets_only_reviewers_approve_and_reject_with_a_reason(users, customer_a):
    put_in_tier(customer_a, "platinum")
    subscription = request(users["branch_a"], customer_a, "platinum")
    with pytest.raises(PermissionDenied):
        subscription_approve(actor=users["branch_a"], subscription_id=subscription.pk)
    with pytest.raises(ValidationFailed):
        subscription_reject(actor=users["reviewer"], subscription_id=subscription.pk, note=" ")
    subscription_reject(actor=users["reviewer"], subscription_id=subscription.pk, note="资产证明不全")
    subscription.refresh_from_db()
    assert subscription.status == "rejected" and subscription.decided_by == users["reviewer"]


def test_it_refuses_approval_by_the_requester(users, customer_a):
    put_in_tier(customer_a, "platinum")
    reviewer = users["reviewer"]
    from django.contrib.auth.models import Group

    reviewer.groups.add(Group.objects.get(name="agent"))
    reviewer = type(reviewer).objects.get(pk=reviewer.pk)  # fresh permission cache
    subscription = request(reviewer, customer_a, "platinum")
    with pytest.raises(PermissionDenied):
        subscription_approve(actor=reviewer, subscription_id=subscription.pk)


def test_it_allows_one_open_request_per_client(users, customer_a):
    put_in_tier(customer_a, "platinum")
    request(users["agent"], customer_a, "platinum")
    with pytest.raises(ValidationFailed):
        request(users["agent"], customer_a, "gold")


def test_it_cancels_back_to_the_basic_rate(users, customer_a):
    put_in_tier(customer_a, "gold")
    subscription = request(users["agent"], customer_a, "gold")
    subscription_cancel(actor=users["agent"], customer_id=customer_a.pk, channel="phone", note="客户要求取消")
    subscription.refresh_from_db()
    assert subscription.status == "ended"
    last = CommissionChange.objects.order_by("-id").first()
    assert (last.old_rate, last.new_rate) == (Decimal("0.2000"), Decimal("0.2500"))
    with pytest.raises(Conflict):
        subscription_cancel(actor=users["agent"], customer_id=customer_a.pk, channel="phone")


def test_it_hides_other_branches_clients(users, customer_a):
    put_in_tier(customer_a, "gold")
    with pytest.raises(NotFound):
        request(users["branch_b"], customer_a, "gold")
    subscription = request(users["agent"], customer_a, "gold")
    with pytest.raises(NotFound):
        subscription_cancel(actor=users["branch_b"], customer_id=customer_a.pk, channel="branch")
    assert Subscription.objects.get(pk=subscription.pk).status == "active"


def test_it_refuses_roles_without_the_permission(users, customer_a):
    put_in_tier(customer_a, "gold")
    with pytest.raises(PermissionDenied):
        request(users["compliance"], customer_a, "gold")
    assert AuditEvent.objects.filter(action="access.denied").exists()


def test_it_takes_only_the_standard_rate_on_self_service(customer_a):
    put_in_tier(customer_a, "gold")
    with pytest.raises(ValidationFailed):
        subscription_request(actor=None, customer=customer_a, data=SubscriptionRequest(
            package_code="gold", channel="self_service", commission_rate="0.1800"))
    subscription = subscription_request(actor=None, customer=customer_a, data=SubscriptionRequest(
        package_code="gold", channel="self_service"))
    assert subscription.requested_by is None and subscription.status == "active"


def test_it_does_not_sell_a_package_off_sale(users, customer_a):
    put_in_tier(customer_a, "gold")
    ServicePackage.objects.filter(code="gold").update(effective_to=timezone.localdate() - timedelta(days=1))
    with pytest.raises(ValidationFailed):
        request(users["agent"], customer_a, "gold")

"""A high-risk sale to an ordinary investor waits 24 hours or one extra return visit: the visit, completed with
nothing found, ends the sale's cooling-off (cooling_off_end_after_visit, called by the visits app)."""

import pytest

from brokerdesk.core.models import AuditEvent
from brokerdesk.service_plans.models import CommissionChange
from brokerdesk.service_plans.services.subscriptions import (
    SubscriptionRequest,
    cooling_off_end_after_visit,
    cooling_off_finish,
    subscription_approve,
    subscription_request,
    subscription_withdraw,
)
from brokerdesk.service_plans.services.suitability import ConfirmationRequired, suitability_confirm
from brokerdesk.service_plans.tests.support import put_in_tier

pytestmark = pytest.mark.django_db


def _cooling_off(users, customer, settings):
    settings.SUITABILITY_HIGH_RISK_LEVELS = ["R4", "R5"]
    customer.risk_level = "C4"
    customer.save()
    put_in_tier(customer, "diamond")

    def request(**kw):
        return subscription_request(actor=users["branch_a"], customer_id=customer.pk,
                                    data=SubscriptionRequest(package_code="diamond", channel="branch", **kw))

    with pytest.raises(ConfirmationRequired) as raised:
        request()
    check = suitability_confirm(actor=users["branch_a"], check_id=raised.value.details["check_id"], channel="branch",
                                signer_name=customer.name, declared_not_recommended=False)
    subscription = request(confirmed_check_id=check.pk)
    subscription_approve(actor=users["reviewer"], subscription_id=subscription.pk)
    subscription.refresh_from_db()
    assert subscription.status == "cooling_off"
    return check, subscription


def test_it_ends_the_sales_cooling_off_at_once_with_the_reason_in_the_history(users, customer_a, settings):
    check, subscription = _cooling_off(users, customer_a, settings)
    assert cooling_off_end_after_visit(check_id=check.pk + 1000, note="另一笔") == 0
    assert cooling_off_end_after_visit(check_id=check.pk, note="回访 17 已完成，未发现问题") == 1
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.effective_on is not None
    event = subscription.events.order_by("-id").first()
    assert (event.action, event.actor, event.note) == ("activate", None, "回访 17 已完成，未发现问题")
    audit = AuditEvent.objects.filter(action="subscription.activate", object_id=str(subscription.pk)).get()
    assert audit.actor_id is None and audit.details == {"note": "回访 17 已完成，未发现问题"}
    assert CommissionChange.objects.filter(subscription=subscription).exists()
    assert cooling_off_end_after_visit(check_id=check.pk, note="again") == 0  # once
    assert cooling_off_finish() == 0


def test_it_leaves_a_withdrawn_sale_withdrawn(users, customer_a, settings):
    check, subscription = _cooling_off(users, customer_a, settings)
    subscription_withdraw(actor=users["branch_a"], subscription_id=subscription.pk, note="客户改变主意")
    assert cooling_off_end_after_visit(check_id=check.pk, note="回访完成") == 0
    subscription.refresh_from_db()
    assert subscription.status == "withdrawn"

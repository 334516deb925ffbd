"""Service-package journeys in Chromium: an agent upgrades a client from the customer 360 and a reviewer approves;
a mismatched client reads and signs the special risk warning; a lowest-category client is refused, for a package
and for a product sale. Each journey checks what the user sees and what the database holds afterwards.

Elements are found by data-testid and name attributes, not by label text: the interface is Chinese by default.
Status, outcome and reason texts are compared with what the zh-hans catalog makes of them.
"""

import re
from decimal import Decimal
from importlib import import_module

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from tests.browser.conftest import sign_in_on, zh

pytestmark = pytest.mark.browser


@pytest.fixture
def tiers(transactional_db):
    """The asset tiers exist. They are seeded by a data migration (segmentation 0002), which the flush between
    live-server tests empties and nothing puts back (unlike the tickets and service_plans seeds)."""
    from django.apps import apps

    from brokerdesk.segmentation.models import Segment

    if not Segment.objects.filter(dimension="tier").exists():
        import_module("brokerdesk.segmentation.migrations.0002_seed_rule_set").seed(apps, None)
    assert set(Segment.objects.filter(dimension="tier").values_list("code", flat=True)) >= {
        "gold", "platinum", "diamond"}


@pytest.fixture
def seeded(transactional_db):
    """The seeded packages and products are there (service_plans re-seeds them after every flush)."""
    from brokerdesk.service_plans.models import Product, ServicePackage

    packages = {p.code: p for p in ServicePackage.objects.all()}
    assert {"basic", "gold", "platinum", "diamond"} <= set(packages)
    assert (packages["gold"].risk_level, packages["gold"].requires_approval) == ("R2", False)
    assert (packages["platinum"].risk_level, packages["platinum"].requires_approval) == ("R3", True)
    assert Product.objects.get(code="PF0006").risk_level == "R5"
    return packages


def open_services_from_the_360(page, live_server, customer) -> None:
    page.goto(f"/customers/{customer.pk}/")
    section = page.get_by_test_id("services-section")
    expect(section).to_be_visible()
    section.get_by_test_id("open-services").click()
    expect(page).to_have_url(f"{live_server.url}/plans/customer/{customer.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def request_package(page, package: str, channel: str = "phone", reason: str = "") -> None:
    form = page.get_by_test_id("request-form")
    form.locator("select[name=package]").select_option(package)
    form.locator("select[name=channel]").select_option(channel)
    if reason:
        form.locator("input[name=reason]").fill(reason)
    form.get_by_test_id("request-package").click()


# --- 1. An upgrade that needs approval ------------------------------------------------------------------------


def test_it_upgrades_a_client_from_the_360_and_a_reviewer_approves_it(
    page, sign_in, open_page, live_server, users, org, tiers, seeded, screenshot
):
    from brokerdesk.core.models import AuditEvent
    from brokerdesk.service_plans.choices import SubscriptionAction, SubscriptionStatus
    from brokerdesk.service_plans.models import CommissionChange, Subscription, SubscriptionEvent
    from brokerdesk.service_plans.services.subscriptions import SubscriptionRequest, subscription_request
    from brokerdesk.service_plans.tests.support import put_in_tier
    from tests.factories import make_customer

    agent, reviewer = users["agent"], users["reviewer"]
    customer = make_customer(org["branch_a"], risk_level="C3")
    put_in_tier(customer, "platinum")
    gold = subscription_request(actor=agent, customer_id=customer.pk,
                                data=SubscriptionRequest(package_code="gold", channel="phone"))
    assert gold.status == SubscriptionStatus.ACTIVE and gold.commission_rate == Decimal("0.1800")
    reason = "客户来电要求升级铂金投顾服务"

    # The agent finds the services page from the client's 360 and asks for platinum.
    sign_in(agent)
    open_services_from_the_360(page, live_server, customer)
    expect(page.get_by_test_id("current-package")).to_contain_text(seeded["gold"].name)
    expect(page.get_by_test_id("open-request")).to_have_count(0)
    request_package(page, "platinum", "phone", reason)

    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/plans/subscriptions/\d+/$"))
    upgrade = Subscription.objects.get(customer=customer, package__code="platinum")
    assert page.url == f"{live_server.url}/plans/subscriptions/{upgrade.pk}/"
    expect(page.get_by_test_id("subscription-status")).to_have_text(zh(SubscriptionStatus.PENDING_APPROVAL.label))
    expect(page.get_by_test_id("approve")).to_have_count(0)  # the requester may not approve their own request
    expect(page.locator("main")).to_contain_text(reason)
    assert (upgrade.status, upgrade.change, upgrade.channel) == ("pending_approval", "upgrade", "phone")
    assert (upgrade.requested_by_id, upgrade.replaces_id, upgrade.asset_tier) == (agent.pk, gold.pk, "platinum")
    assert upgrade.commission_rate == Decimal("0.1600")
    assert upgrade.suitability is not None and upgrade.suitability.outcome == "match"
    gold.refresh_from_db()
    assert gold.status == SubscriptionStatus.ACTIVE  # nothing changes until the approval
    assert not CommissionChange.objects.filter(subscription=upgrade).exists()
    screenshot("package-upgrade-requested")

    # The services page now shows the request in progress.
    page.goto(f"/plans/customer/{customer.pk}/")
    expect(page.get_by_test_id("open-request")).to_contain_text(seeded["platinum"].name)

    # A reviewer, at another desk, approves it on the subscription page.
    desk = open_page()
    sign_in_on(desk, reviewer)
    desk.goto(f"/plans/subscriptions/{upgrade.pk}/")
    expect(desk.get_by_test_id("subscription-status")).to_have_text(zh(SubscriptionStatus.PENDING_APPROVAL.label))
    desk.locator("form:has([data-testid=approve]) input[name=note]").fill("资产与风险等级符合，同意")
    desk.get_by_test_id("approve").click()
    expect(desk.get_by_test_id("subscription-status")).to_have_text(zh(SubscriptionStatus.ACTIVE.label))
    expect(desk.get_by_test_id("approve")).to_have_count(0)
    expect(desk.get_by_test_id("subscription-events")).to_contain_text(zh(SubscriptionAction.APPROVE.label))
    screenshot("package-upgrade-approved")

    today = timezone.localdate()
    upgrade.refresh_from_db()
    gold.refresh_from_db()
    assert (upgrade.status, upgrade.effective_on, upgrade.decided_by_id) == ("active", today, reviewer.pk)
    assert upgrade.decision_note == "资产与风险等级符合，同意"
    assert (gold.status, gold.ended_on) == ("ended", today)
    assert list(Subscription.objects.filter(customer=customer, status="active")) == [upgrade]
    change = CommissionChange.objects.get(subscription=upgrade)
    assert (change.old_rate, change.new_rate, change.customer_id) == (Decimal("0.1800"), Decimal("0.1600"),
                                                                       customer.pk)
    assert change.effective_on > today and change.export_id is None
    assert change.capital_account == customer.capital_accounts.get().account_no
    assert list(SubscriptionEvent.objects.filter(subscription=upgrade).order_by("pk").values_list(
        "action", "actor_id")) == [("request", agent.pk), ("approve", reviewer.pk), ("activate", reviewer.pk)]
    assert AuditEvent.objects.filter(action="subscription.approve", object_type="subscription",
                                     object_id=str(upgrade.pk), actor_id=reviewer.pk).exists()
    assert AuditEvent.objects.filter(action="subscription.end", object_id=str(gold.pk)).exists()

    # The agent sees the new package on the services page and in the 360.
    page.goto(f"/plans/customer/{customer.pk}/")
    expect(page.get_by_test_id("current-package")).to_contain_text(seeded["platinum"].name)
    expect(page.get_by_test_id("open-request")).to_have_count(0)
    page.goto(f"/customers/{customer.pk}/")
    expect(page.get_by_test_id("services-section")).to_contain_text(seeded["platinum"].name)


# --- 2. A mismatch: the special risk warning and the client's signature ---------------------------------------


def test_it_takes_a_mismatched_client_through_the_signed_risk_warning(
    page, sign_in, live_server, users, org, tiers, seeded, screenshot
):
    from brokerdesk.service_plans.choices import SubscriptionStatus, SuitabilityOutcome
    from brokerdesk.service_plans.models import Subscription, SuitabilityCheck
    from brokerdesk.service_plans.tests.support import put_in_tier
    from tests.factories import make_customer

    agent = users["agent"]
    customer = make_customer(org["branch_a"], risk_level="C1", is_lowest_category=False)
    put_in_tier(customer, "gold")
    wrong_name = "王" + customer.name if not customer.name.startswith("王") else "李" + customer.name

    sign_in(agent)
    open_services_from_the_360(page, live_server, customer)
    expect(page.get_by_test_id("client-risk")).to_contain_text("C1")
    expect(page.get_by_test_id("lowest-category")).to_have_count(0)
    request_package(page, "gold", "phone", "客户主动要求金牌服务")

    # Gold is R2, above what C1 covers: the warning page, nothing subscribed yet.
    check = SuitabilityCheck.objects.get(customer=customer)
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/plans/checks/{check.pk}/confirm/\?"))
    assert (check.outcome, check.subject_code, check.subject_risk) == ("confirmation_required", "gold", "R2")
    assert check.checked_by_id == agent.pk and check.confirmed_at is None
    expect(page.get_by_test_id("suitability-outcome")).to_have_text(
        zh(SuitabilityOutcome.CONFIRMATION_REQUIRED.label))
    warning = page.get_by_test_id("risk-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text(seeded["gold"].name)
    assert check.warning_text and customer.name not in check.warning_text
    expect(page.get_by_test_id("declared")).not_to_be_checked()
    assert not Subscription.objects.filter(customer=customer).exists()
    screenshot("risk-warning")

    # Signed with the wrong name and without the declaration: both errors, nothing recorded.
    page.get_by_test_id("signer-name").fill(wrong_name)
    page.get_by_test_id("confirm-warning").click()
    error = page.get_by_test_id("confirm-error")
    expect(error).to_be_visible()
    with translation.override("zh-hans"):
        expect(error).to_contain_text(translation.gettext(
            "The signature must be the client's full name as on the account."))
        expect(error).to_contain_text(translation.gettext("The client must declare that nobody recommended it."))
    expect(page.get_by_test_id("risk-warning")).to_be_visible()  # the client can still sign
    check.refresh_from_db()
    assert check.confirmed_at is None and check.signature_hash == ""
    assert not Subscription.objects.filter(customer=customer).exists()

    # The right name but still no declaration: refused again.
    page.get_by_test_id("signer-name").fill(customer.name)
    page.get_by_test_id("confirm-warning").click()
    with translation.override("zh-hans"):
        expect(page.get_by_test_id("confirm-error")).to_contain_text(
            translation.gettext("The client must declare that nobody recommended it."))
        expect(page.get_by_test_id("confirm-error")).not_to_contain_text(
            translation.gettext("The signature must be the client's full name as on the account."))
    check.refresh_from_db()
    assert check.confirmed_at is None
    assert not Subscription.objects.filter(customer=customer).exists()

    # Declared and signed: the request goes on with the signed check, and gold needs no approval.
    page.get_by_test_id("declared").check()
    page.get_by_test_id("signer-name").fill(customer.name)
    page.get_by_test_id("confirm-warning").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/plans/subscriptions/\d+/$"))
    expect(page.get_by_test_id("subscription-status")).to_have_text(zh(SubscriptionStatus.ACTIVE.label))
    screenshot("risk-warning-signed")

    subscription = Subscription.objects.get(customer=customer)
    assert page.url == f"{live_server.url}/plans/subscriptions/{subscription.pk}/"
    assert (subscription.package.code, subscription.status, subscription.channel) == ("gold", "active", "phone")
    assert subscription.effective_on == timezone.localdate()
    assert subscription.reason == "客户主动要求金牌服务"
    assert subscription.suitability_id == check.pk
    assert SuitabilityCheck.objects.filter(customer=customer).count() == 1  # the signed check, not a new one
    check.refresh_from_db()
    assert check.confirmed_at is not None and check.no_recommendation_declared is True
    assert re.fullmatch(r"[0-9a-f]{64}", check.signature_hash)
    assert check.confirmation_channel == "phone" and check.cooling_off_until is None  # R2 is not high risk

    # The check as recorded shows the signature.
    page.goto(f"/plans/checks/{check.pk}/")
    expect(page.get_by_test_id("suitability-result")).to_contain_text(check.signature_hash)


# --- 3. The lowest category: refused, for a package and for a product -----------------------------------------


def test_it_refuses_a_lowest_category_client_a_package_and_a_high_risk_product(
    page, sign_in, live_server, users, org, tiers, seeded, screenshot
):
    from brokerdesk.service_plans.choices import SuitabilityOutcome
    from brokerdesk.service_plans.models import Subscription, SuitabilityCheck
    from brokerdesk.service_plans.services.suitability import REASON_TEXT
    from brokerdesk.service_plans.tests.support import put_in_tier
    from tests.factories import make_customer

    agent = users["agent"]
    customer = make_customer(org["branch_a"], risk_level="C1", is_lowest_category=True)
    put_in_tier(customer, "gold")
    with translation.override("zh-hans"):
        lowest_reason = translation.gettext(REASON_TEXT["lowest_category"])

    sign_in(agent)
    open_services_from_the_360(page, live_server, customer)
    expect(page.get_by_test_id("lowest-category")).to_be_visible()
    request_package(page, "gold", "phone")

    # Refused in place, on the services page, with the reason.
    expect(page).to_have_url(f"{live_server.url}/plans/customer/{customer.pk}/request/")
    error = page.get_by_test_id("request-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(lowest_reason)
    expect(page.get_by_test_id("request-form")).to_be_visible()
    expect(page.get_by_test_id("risk-warning")).to_have_count(0)  # no warning to sign: a refusal is final
    screenshot("lowest-category-refused")

    assert not Subscription.objects.filter(customer=customer).exists()
    check = SuitabilityCheck.objects.get(customer=customer)
    assert (check.outcome, check.subject_kind, check.subject_code) == ("refused_lowest", "package", "gold")
    assert check.is_lowest_category is True and check.reasons == ["lowest_category"]
    assert check.checked_by_id == agent.pk and check.confirmed_at is None

    # A product sale of a private fund (R5): refused as well, and recorded.
    page.goto(f"/plans/customer/{customer.pk}/product-check/")
    form = page.get_by_test_id("product-check-form")
    form.locator("select[name=product]").select_option("PF0006")
    form.locator("select[name=channel]").select_option("branch")
    form.get_by_test_id("check-product").click()

    product_check = SuitabilityCheck.objects.get(customer=customer, subject_kind="product")
    expect(page).to_have_url(f"{live_server.url}/plans/checks/{product_check.pk}/")
    expect(page.get_by_test_id("suitability-outcome")).to_have_text(
        zh(SuitabilityOutcome.REFUSED_LOWEST_CATEGORY.label))
    expect(page.get_by_test_id("suitability-result")).to_contain_text(lowest_reason)
    expect(page.get_by_test_id("risk-warning")).to_have_count(0)
    assert (product_check.subject_code, product_check.subject_risk, product_check.outcome) == (
        "PF0006", "R5", "refused_lowest")
    assert product_check.channel == "branch" and product_check.confirmed_at is None
    assert not Subscription.objects.filter(customer=customer).exists()
    screenshot("lowest-category-product-refused")

    # The confirmation page of a refused check offers nothing to sign.
    page.goto(f"/plans/checks/{product_check.pk}/confirm/")
    expect(page.get_by_test_id("suitability-outcome")).to_have_text(
        zh(SuitabilityOutcome.REFUSED_LOWEST_CATEGORY.label))
    expect(page.get_by_test_id("confirm-form")).to_have_count(0)

"""Reads on packages and subscriptions: the catalogue, what a client has and may have, the approval queue.

Single fetches take the actor and answer NotFound for a client the actor may not see; the helpers that take a
customer expect a client the caller already fetched in scope.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.errors import NotFound
from brokerdesk.customers.choices import CustomerStatus, RiskLevel
from brokerdesk.customers.models import Customer
from brokerdesk.customers.selectors import customer_get_for_actor, customers_visible_to
from brokerdesk.segmentation.models import Segment
from brokerdesk.segmentation.selectors import current_tier, tiers_by_code
from brokerdesk.service_plans.choices import OPEN_SUBSCRIPTION_STATUSES, SubscriptionStatus
from brokerdesk.service_plans.models import (
    CommissionChange,
    CommissionExport,
    CommissionSchedule,
    ServicePackage,
    Subscription,
    SuitabilityCheck,
)

APPROVAL_QUEUE_ROWS = 200


def default_package() -> ServicePackage | None:
    """The basic package every client has without a subscription."""
    return ServicePackage.objects.filter(is_default=True).prefetch_related("entitlements", "schedules").first()


def current_subscription(customer: Customer) -> Subscription | None:
    return (Subscription.objects.filter(customer=customer, status=SubscriptionStatus.ACTIVE)
            .select_related("package").first())


def current_package(customer: Customer) -> ServicePackage | None:
    """The package the client has now: the active subscription's, else the default (basic) package."""
    active = current_subscription(customer)
    return active.package if active else default_package()


def schedule_for(package: ServicePackage, tier_code: str) -> CommissionSchedule | None:
    schedules = {s.asset_tier: s for s in package.schedules.all()}
    return schedules.get(tier_code) or schedules.get("")


def eligibility_problems(customer: Customer, package: ServicePackage, tier_code: str, today: date) -> list[str]:
    """Why the client may not have the package (empty when eligible); suitability is checked separately."""
    problems = []
    if customer.status in (CustomerStatus.CLOSED, CustomerStatus.FROZEN):
        problems.append(_("The client's account is %(status)s.") % {"status": customer.get_status_display()})
    if not package.is_active or package.effective_from > today or (
            package.effective_to is not None and package.effective_to < today):
        problems.append(_("The package is not on sale today."))
    if package.min_asset_tier:
        tiers = tiers_by_code()
        wanted, have = tiers.get(package.min_asset_tier), tiers.get(tier_code)
        # rank 0 is the highest tier: the client's rank must be at most the package's.
        if wanted is not None and (have is None or have.rank > wanted.rank):
            problems.append(_("The package needs asset tier %(tier)s or above; the client is %(have)s.") % {
                "tier": wanted.label, "have": have.label if have else _("not yet tiered")})
    if package.min_risk_level:
        levels = RiskLevel.values
        if customer.risk_level not in levels or levels.index(customer.risk_level) < levels.index(
                package.min_risk_level):
            problems.append(_("The package needs risk level %(level)s or above.") % {
                "level": package.min_risk_level})
    if schedule_for(package, tier_code) is None:
        problems.append(_("The package has no commission schedule for the client's tier."))
    return problems


def subscription_get_for_actor(actor, subscription_id) -> Subscription:
    subscription = (Subscription.objects.filter(pk=subscription_id).select_related("customer", "package", "suitability")
                    .first())
    if subscription is None:
        raise NotFound()
    customer_get_for_actor(actor, subscription.customer_id)
    return subscription


def check_get_for_actor(actor, check_id) -> SuitabilityCheck:
    check = SuitabilityCheck.objects.filter(pk=check_id).select_related("customer").first()
    if check is None:
        raise NotFound()
    customer_get_for_actor(actor, check.customer_id)  # NotFound when the client is not the actor's
    return check


def open_subscription(customer: Customer) -> Subscription | None:
    """The client's request not yet in effect (awaiting approval or cooling off), if any."""
    return (Subscription.objects.filter(customer=customer, status__in=OPEN_SUBSCRIPTION_STATUSES)
            .select_related("package").first())


def package_catalogue() -> QuerySet[ServicePackage]:
    """Every package with its entitlements, schedules and how many clients have it now (no client data)."""
    return (ServicePackage.objects.prefetch_related("entitlements", "schedules")
            .annotate(subscribers=Count("subscriptions", filter=Q(subscriptions__status=SubscriptionStatus.ACTIVE))))


@dataclass(frozen=True)
class Offer:
    package: ServicePackage
    schedule: CommissionSchedule | None  # for the client's tier
    problems: list[str]  # why the client may not have it; empty when eligible


def package_offers(customer: Customer, tier: Segment | None) -> list[Offer]:
    """The packages on sale other than the default one, with the client's eligibility for each."""
    tier_code, today = tier.code if tier else "", timezone.localdate()
    return [Offer(p, schedule_for(p, tier_code), eligibility_problems(customer, p, tier_code, today))
            for p in ServicePackage.objects.filter(is_active=True, is_default=False)
            .prefetch_related("schedules", "entitlements")]


@dataclass(frozen=True)
class CustomerServices:
    active: Subscription | None
    package: ServicePackage | None  # the active subscription's, else the default
    tier: Segment | None
    offers: list[Offer]
    history: list[Subscription]
    open_request: Subscription | None


def customer_services(customer: Customer, history_rows: int = 30) -> CustomerServices:
    active = current_subscription(customer)
    tier = current_tier(customer.pk)
    history = list(Subscription.objects.filter(customer=customer)
                   .select_related("package", "requested_by", "decided_by")[:history_rows])
    return CustomerServices(active=active, package=active.package if active else default_package(), tier=tier,
                            offers=package_offers(customer, tier), history=history,
                            open_request=open_subscription(customer))


def subscriptions_awaiting_decision(actor) -> QuerySet[Subscription]:
    """Requests awaiting approval or cooling off, of the clients the actor may see, oldest first."""
    return (Subscription.objects.filter(customer__in=customers_visible_to(actor).values("pk"),
                                        status__in=OPEN_SUBSCRIPTION_STATUSES)
            .select_related("customer", "package", "requested_by").order_by("requested_at")[:APPROVAL_QUEUE_ROWS])


def commission_exports_recent(limit: int = 10) -> QuerySet[CommissionExport]:
    return CommissionExport.objects.select_related("created_by")[:limit]


def commission_changes_unsent() -> int:
    """Changes queued for the core system and not yet in a file (company-wide: no client data)."""
    return CommissionChange.objects.filter(export__isnull=True).count()

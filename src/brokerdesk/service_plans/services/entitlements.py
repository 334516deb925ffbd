"""May client X receive content of type Y or service Z? — asked by push, research distribution and the desktop.

A client receives something when all of these hold:
- the account is open (not closed or frozen);
- their package (the active subscription's, else the default basic package) carries the entitlement at the
  level asked for or higher (research level 2 covers level 1);
- content carrying a risk level matches the client's suitability outright (rules.decide → match): pushing it
  is a recommendation, and the firm never recommends above the client's level, so no confirmation can open it;
  a lowest-category client therefore receives nothing above R1 on any path;
- delivery on a channel needs the client's consent for that channel (an opt-out closes it).
"""

from dataclasses import dataclass, field

from django.utils import timezone

from brokerdesk.customers.choices import Channel, CustomerStatus
from brokerdesk.customers.models import ChannelConsent, Customer
from brokerdesk.customers.selectors import customer_get_for_actor, customers_visible_to
from brokerdesk.service_plans import rules
from brokerdesk.service_plans.choices import EntitlementKind, SubscriptionStatus
from brokerdesk.service_plans.models import ServicePackage, Subscription
from brokerdesk.service_plans.selectors.packages import default_package
from brokerdesk.service_plans.services.suitability import client_risk, match_policy

MAX_BULK = 1000


@dataclass(frozen=True)
class EntitlementQuestion:
    kind: str  # EntitlementKind
    level: int = 1
    content_risk: str = ""  # R1..R5 when the content carries a risk level
    channel: str = ""  # Channel, when asking about delivery on it


@dataclass
class EntitlementAnswer:
    allowed: bool
    package: str | None
    reasons: list[str] = field(default_factory=list)  # codes of what failed; empty when allowed


def question_problems(question: EntitlementQuestion) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if question.kind not in EntitlementKind.values:
        problems["kind"] = [f"unknown entitlement; one of: {', '.join(EntitlementKind.values)}"]
    if not 1 <= question.level <= 9:
        problems["level"] = ["level must be 1-9"]
    if question.content_risk and question.content_risk not in rules.RISK_LEVELS:
        problems["content_risk"] = ["content risk must be R1-R5"]
    if question.channel and question.channel not in Channel.values:
        problems["channel"] = [f"unknown channel; one of: {', '.join(Channel.values)}"]
    return problems


def _packages_of(customer_ids: list[int]) -> dict[int, ServicePackage | None]:
    default = default_package()
    packages = dict.fromkeys(customer_ids, default)
    active = (Subscription.objects.filter(customer_id__in=customer_ids, status=SubscriptionStatus.ACTIVE)
              .select_related("package").prefetch_related("package__entitlements"))
    for subscription in active:
        packages[subscription.customer_id] = subscription.package
    return packages


def _opted_out(customer_ids: list[int], channel: str) -> set[int]:
    return set(ChannelConsent.objects.filter(customer_id__in=customer_ids, channel=channel, consented=False)
               .values_list("customer_id", flat=True))


def entitlements_decide(customers: list[Customer], question: EntitlementQuestion) -> dict[int, EntitlementAnswer]:
    """Answer one question for many clients (already scoped by the caller) in a handful of queries."""
    ids = [c.pk for c in customers]
    packages = _packages_of(ids)
    opted_out = _opted_out(ids, question.channel) if question.channel else set()
    today, policy = timezone.localdate(), match_policy()
    answers = {}
    for customer in customers:
        package = packages.get(customer.pk)
        reasons = []
        if customer.status in (CustomerStatus.CLOSED, CustomerStatus.FROZEN):
            reasons.append(f"account_{customer.status}")
        held = {e.kind: e.level for e in package.entitlements.all()} if package else {}
        if held.get(question.kind, 0) < question.level:
            reasons.append("not_in_package")
        if question.content_risk:
            decision = rules.decide(client_risk(customer), question.content_risk, today, policy)
            if decision.outcome is not rules.Outcome.MATCH:
                reasons.extend(decision.reasons)
        if customer.pk in opted_out:
            reasons.append("channel_opted_out")
        answers[customer.pk] = EntitlementAnswer(allowed=not reasons, package=package.code if package else None,
                                                 reasons=reasons)
    return answers


def entitlement_check(*, actor, customer_id, question: EntitlementQuestion) -> EntitlementAnswer:
    customer = customer_get_for_actor(actor, customer_id)
    return entitlements_decide([customer], question)[customer.pk]


def entitlements_check_many(*, actor, customer_nos: list[str],
                            question: EntitlementQuestion) -> dict[str, EntitlementAnswer | None]:
    """By client number; None for a number the actor may not see or that does not exist (the same to them)."""
    wanted = list(dict.fromkeys(customer_nos))[:MAX_BULK]
    customers = list(customers_visible_to(actor).filter(customer_no__in=wanted))
    decided = entitlements_decide(customers, question)
    by_no = {c.customer_no: decided[c.pk] for c in customers}
    return {no: by_no.get(no) for no in wanted}

"""Who is calling: the client behind a caller number, the sub-center serving them, and whether they are VIP.

A number may belong to several clients (a family shares one). Routing needs one answer: the client when the
number is unique, else nobody in particular - but when all of them belong to one branch, the call still goes
local. VIP: the client's asset tier is one of RoutingSettings' VIP tiers, or their active service package
carries the VIP entitlement (the VIP hotline of the platinum and diamond packages).
"""

from dataclasses import dataclass

from brokerdesk.contact_center.routing.config import routing_settings, serving_center_of
from brokerdesk.contact_center.routing.engine import Caller
from brokerdesk.customers.identity import InvalidValue, normalize_phone
from brokerdesk.customers.models import CustomerPhone
from brokerdesk.segmentation.selectors import current_tier_memberships
from brokerdesk.service_plans.choices import SubscriptionStatus
from brokerdesk.service_plans.models import Subscription

MAX_MATCHES = 5


@dataclass(frozen=True)
class Identification:
    number: str  # normalised, or the raw text when it is not a phone number (withheld, internal)
    customer_ids: tuple[int, ...]
    caller: Caller

    @property
    def customer_id(self) -> int | None:
        return self.caller.customer_id


def normalized_caller_number(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidValue:
        return (raw or "").strip()[:32]


def caller_identify(raw_number: str) -> Identification:
    number = normalized_caller_number(raw_number)
    rows = list(CustomerPhone.objects.filter(number=number).order_by("customer_id")
                .values_list("customer_id", "customer__home_branch_id").distinct()[:MAX_MATCHES]) if number else []
    customer_ids = tuple(row[0] for row in rows)
    branches = {row[1] for row in rows}
    customer_id = customer_ids[0] if len(customer_ids) == 1 else None
    serving = serving_center_of(branches.pop()) if len(branches) == 1 else None
    is_vip = customer_is_vip(customer_id) if customer_id is not None else False
    return Identification(number, customer_ids, Caller(customer_id, serving, is_vip))


def customer_is_vip(customer_id: int) -> bool:
    settings_row = routing_settings()
    tiers = settings_row.vip_tiers
    if tiers and current_tier_memberships().filter(customer_id=customer_id, segment__code__in=tiers).exists():
        return True
    entitlement = settings_row.vip_entitlement
    return bool(entitlement) and Subscription.objects.filter(
        customer_id=customer_id, status=SubscriptionStatus.ACTIVE, package__entitlements__kind=entitlement).exists()

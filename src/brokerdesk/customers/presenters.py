"""What staff see of a customer: masked by default. Shared by the pages and the API."""

from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.utils import timezone

from brokerdesk.core.masking import mask_account, mask_address, mask_email, mask_id_number, mask_phone
from brokerdesk.customers.models import ZERO, Customer, CustomerAssets, CustomerAssetsAsOf
from brokerdesk.customers.rules import risk_status


@dataclass(frozen=True)
class LatestAssets:
    """A client's latest assets and the snapshot date they are as of (None: no snapshot applied to it yet)."""

    total_assets: Decimal = ZERO
    cash_balance: Decimal = ZERO
    market_value: Decimal = ZERO
    as_of: date | None = None


NO_ASSETS = LatestAssets()

# The annotation selectors put on customers (and the screen-pop SQL as a column): CustomerAssetsAsOf.as_of.
ASSETS_AS_OF = "latest_assets_as_of"


def latest_assets(customer: Customer) -> LatestAssets:
    """From customer.assets (select_related by the selectors) and the newest snapshot date applied: a row holds
    its client's assets as of that date, whatever date last changed them (CustomerAssets)."""
    try:
        assets = customer.assets
    except CustomerAssets.DoesNotExist:
        return NO_ASSETS
    if hasattr(customer, ASSETS_AS_OF):
        newest = getattr(customer, ASSETS_AS_OF)
    else:  # a customer that did not come through the selectors
        newest = CustomerAssetsAsOf.objects.filter(pk=CustomerAssetsAsOf.SINGLETON).values_list(
            "as_of", flat=True).first()
    as_of = assets.changed_on if newest is None else max(newest, assets.changed_on)
    return LatestAssets(assets.total_assets, assets.cash_balance, assets.market_value, as_of)


@dataclass
class CustomerCard:
    id: int
    customer_no: str
    name: str
    kind: str
    kind_label: str
    client_class: str
    client_class_label: str
    status: str
    status_label: str
    id_type: str
    id_type_label: str
    id_number: str
    phones: list[str]
    branch_code: str
    branch_name: str
    client_manager: str
    investor_category: str
    risk_level: str
    risk_expires_on: date | None
    risk_status: str
    total_assets: Decimal
    assets_as_of: date | None
    masked: bool = True
    gender: str = ""
    gender_label: str = ""
    risk_level_label: str = ""
    birth_date: date | None = None
    email: str = ""
    address: str = ""
    tags: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def customer_card(customer: Customer, *, unmasked: bool = False) -> CustomerCard:
    """Card for lists, search results and the screen-pop. unmasked=True only after an audited unmask."""
    phones = [p.number for p in customer.phones.all()]
    manager = customer.client_manager
    assets = latest_assets(customer)
    return CustomerCard(
        id=customer.pk,
        customer_no=customer.customer_no,
        name=customer.name,
        kind=customer.kind,
        kind_label=_label(customer, "kind"),
        client_class=customer.client_class,
        client_class_label=_label(customer, "client_class"),
        status=customer.status,
        status_label=_label(customer, "status"),
        id_type=customer.id_type,
        id_type_label=_label(customer, "id_type"),
        id_number=customer.id_number if unmasked else mask_id_number(customer.id_number),
        phones=phones if unmasked else [mask_phone(p) for p in phones],
        branch_code=customer.home_branch.code,
        branch_name=customer.home_branch.name,
        client_manager=str(manager) if manager else "",
        investor_category=customer.investor_category,
        risk_level=customer.risk_level,
        risk_expires_on=customer.risk_expires_on,
        risk_status=risk_status(
            customer.risk_expires_on, timezone.localdate(), settings.RISK_EXPIRY_WARNING_DAYS
        ),
        total_assets=assets.total_assets,
        assets_as_of=assets.as_of,
        masked=not unmasked,
        gender=customer.gender,
        gender_label=_label(customer, "gender") if customer.gender else "",
        risk_level_label=_label(customer, "risk_level") if customer.risk_level else "",
        # Birth year is enough for service (age); the full date is personal data.
        birth_date=customer.birth_date if unmasked else None,
        email=customer.email if unmasked else mask_email(customer.email),
        address=customer.address if unmasked else mask_address(customer.address),
    )


@cache
def _choice_labels(field_name: str) -> dict:
    return dict(Customer._meta.get_field(field_name).flatchoices)


def _label(customer: Customer, field_name: str) -> str:
    """get_<field>_display(), without rebuilding the choices dictionary on every call (the screen-pop path)."""
    value = getattr(customer, field_name)
    return str(_choice_labels(field_name).get(value, value))


def masked_account(number: str, unmasked: bool) -> str:
    return number if unmasked else mask_account(number)


def age_on(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))

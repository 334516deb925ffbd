"""Writes on customers: validated in full before anything is written, in one transaction, audited."""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import FieldErrors
from brokerdesk.core.permissions import require_permission
from brokerdesk.customers.choices import (
    ClientClass,
    CustomerKind,
    IdType,
    InvestorCategory,
    Market,
    RiskLevel,
)
from brokerdesk.customers.identity import InvalidValue, normalize_phone, validate_identity
from brokerdesk.customers.models import (
    CapitalAccount,
    Customer,
    CustomerNote,
    CustomerPhone,
    ShareholderAccount,
    TradingPermission,
)
from brokerdesk.customers.presenters import customer_card
from brokerdesk.customers.rules import risk_expiry
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.org.models import Branch, Staff


@dataclass
class ShareholderAccountInput:
    market: str
    account_no: str


@dataclass
class CustomerInput:
    customer_no: str
    name: str
    id_type: str
    id_number: str
    home_branch: str  # branch code
    opened_on: date
    kind: str = CustomerKind.PERSON
    client_class: str = ClientClass.MASS
    phones: list[str] = field(default_factory=list)
    email: str = ""
    address: str = ""
    client_manager: str = ""  # username
    investor_category: str = InvestorCategory.ORDINARY
    risk_level: str = ""
    risk_score: int | None = None
    risk_assessed_on: date | None = None
    is_lowest_category: bool = False
    capital_accounts: list[str] = field(default_factory=list)
    shareholder_accounts: list[ShareholderAccountInput] = field(default_factory=list)


def _check_choice(errors: FieldErrors, name: str, value: str, choices, *, blank_ok: bool = False) -> None:
    if blank_ok and not value:
        return
    if value not in choices.values:
        errors.add(name, f"'{value}' is not one of: {', '.join(choices.values)}")


def _validate(data: CustomerInput, errors: FieldErrors) -> dict:
    """Check every field; return the normalised values. Nothing is written here."""
    clean: dict = {}
    if not data.customer_no.strip() or not data.customer_no.strip().isalnum():
        errors.add("customer_no", "client number must be letters and digits")
    elif Customer.objects.filter(customer_no=data.customer_no.strip()).exists():
        errors.add("customer_no", "a client with this number already exists")
    if not data.name.strip():
        errors.add("name", "name is required")
    _check_choice(errors, "kind", data.kind, CustomerKind)
    _check_choice(errors, "client_class", data.client_class, ClientClass)
    _check_choice(errors, "id_type", data.id_type, IdType)
    _check_choice(errors, "investor_category", data.investor_category, InvestorCategory)
    _check_choice(errors, "risk_level", data.risk_level, RiskLevel, blank_ok=True)
    if data.risk_score is not None and not 0 <= data.risk_score <= 100:
        errors.add("risk_score", "score must be between 0 and 100")
    if data.id_type in IdType.values:
        try:
            identity = validate_identity(data.id_type, data.id_number)
            clean["identity"] = identity
            if Customer.objects.filter(id_type=data.id_type, id_number=identity.number).exists():
                errors.add("id_number", "a client with this identity document already exists")
        except InvalidValue as exc:
            errors.add("id_number", str(exc))
    clean["phones"] = []
    for i, raw in enumerate(data.phones):
        try:
            number = normalize_phone(raw, settings.PHONE_DEFAULT_REGION)
        except InvalidValue as exc:
            errors.add(f"phones[{i}]", f"{raw!r}: {exc}")
            continue
        if number not in clean["phones"]:
            clean["phones"].append(number)
    clean["branch"] = Branch.objects.filter(code=data.home_branch, is_active=True).first()
    if clean["branch"] is None:
        errors.add("home_branch", f"unknown branch code '{data.home_branch}'")
    clean["manager"] = None
    if data.client_manager:
        clean["manager"] = Staff.objects.filter(username=data.client_manager, is_active=True).first()
        if clean["manager"] is None:
            errors.add("client_manager", f"unknown staff member '{data.client_manager}'")
        elif clean["branch"] and clean["manager"].branch_id != clean["branch"].pk:
            errors.add("client_manager", "the client manager works at another branch")
    if data.opened_on > timezone.localdate():
        errors.add("opened_on", "opening date is in the future")
    for i, account in enumerate(data.capital_accounts):
        if not account.isdigit() or not 6 <= len(account) <= 20:
            errors.add(f"capital_accounts[{i}]", "capital account must be 6 to 20 digits")
        elif CapitalAccount.objects.filter(account_no=account).exists():
            errors.add(f"capital_accounts[{i}]", "capital account already belongs to a client")
    for i, holder in enumerate(data.shareholder_accounts):
        if holder.market not in Market.values:
            errors.add(f"shareholder_accounts[{i}].market", f"'{holder.market}' is not one of SH, SZ, BJ")
        elif not holder.account_no.isalnum() or len(holder.account_no) != 10:
            errors.add(f"shareholder_accounts[{i}].account_no", "shareholder account must have 10 characters")
        elif ShareholderAccount.objects.filter(market=holder.market, account_no=holder.account_no).exists():
            errors.add(f"shareholder_accounts[{i}].account_no", "shareholder account already exists")
    return clean


def customer_create(*, actor, data: CustomerInput) -> Customer:
    require_permission(actor, "customers.add_customer", "customer.create")
    errors = FieldErrors()
    clean = _validate(data, errors)
    if clean.get("branch") and not actor.sees_all_branches and actor.branch_id != clean["branch"].pk:
        errors.add("home_branch", f"unknown branch code '{data.home_branch}'")
    errors.raise_if_any()
    identity = clean["identity"]
    with transaction.atomic():
        customer = Customer.objects.create(
            customer_no=data.customer_no.strip(),
            kind=data.kind,
            client_class=data.client_class,
            name=data.name.strip(),
            id_type=data.id_type,
            id_number=identity.number,
            birth_date=identity.birth_date,
            gender=identity.gender,
            email=data.email.strip(),
            address=data.address.strip(),
            home_branch=clean["branch"],
            client_manager=clean["manager"],
            opened_on=data.opened_on,
            investor_category=data.investor_category,
            risk_level=data.risk_level,
            risk_score=data.risk_score,
            risk_assessed_on=data.risk_assessed_on,
            risk_expires_on=risk_expiry(data.risk_assessed_on, settings.RISK_ASSESSMENT_VALIDITY_DAYS),
            is_lowest_category=data.is_lowest_category,
        )
        CustomerPhone.objects.bulk_create(
            CustomerPhone(customer=customer, number=n, is_primary=(i == 0)) for i, n in enumerate(clean["phones"])
        )
        CapitalAccount.objects.bulk_create(
            CapitalAccount(customer=customer, account_no=a, is_primary=(i == 0), opened_on=data.opened_on)
            for i, a in enumerate(data.capital_accounts)
        )
        ShareholderAccount.objects.bulk_create(
            ShareholderAccount(customer=customer, market=h.market, account_no=h.account_no, opened_on=data.opened_on)
            for h in data.shareholder_accounts
        )
        # The audit keeps the masked card: the trail must not become a copy of the personal data.
        audit_record(
            actor=actor, action="customer.create", object_type="customer", object_id=customer.pk,
            after=customer_card(customer).as_dict(),
        )
    return customer


def customer_note_add(*, actor, customer_id, body: str) -> CustomerNote:
    customer = customer_get_for_actor(actor, customer_id)
    require_permission(actor, "customers.add_customernote", "customer.note_add")
    errors = FieldErrors()
    text = (body or "").strip()
    if not text:
        errors.add("body", _("The note is empty."))
    elif len(text) > 2000:
        errors.add("body", _("A note has at most 2000 characters."))
    errors.raise_if_any()
    with transaction.atomic():
        note = CustomerNote.objects.create(customer=customer, author=actor, body=text)
        audit_record(
            actor=actor, action="customer.note_add", object_type="customer", object_id=customer.pk,
            after={"note_id": note.pk, "body": text},
        )
    return note


def customer_unmask(*, actor, customer_id, reason: str = ""):
    """Full personal data for one customer, for roles that need it; every such read is audited."""
    customer = customer_get_for_actor(actor, customer_id)
    require_permission(actor, "customers.unmask_customer", "customer.unmask")
    audit_record(
        actor=actor, action="pii.unmask", object_type="customer", object_id=customer.pk,
        details={"fields": ["id_number", "phones", "email", "address", "birth_date", "accounts"],
                 "reason": reason[:200]},
    )
    return customer_card(customer, unmasked=True)


# Suitability writes on the client master. The domain app that decides them (service_plans) has already fetched
# the customer through customer_get_for_actor and checked its own permission; these record the result on the
# client, audited, inside the caller's transaction.


@dataclass(frozen=True)
class RiskProfile:
    level: str
    score: int | None
    assessed_on: date
    expires_on: date
    is_lowest_category: bool


def customer_risk_profile_record(*, actor, customer: Customer, profile: RiskProfile, source: str) -> None:
    before = {"risk_level": customer.risk_level, "risk_score": customer.risk_score,
              "risk_assessed_on": customer.risk_assessed_on, "risk_expires_on": customer.risk_expires_on,
              "is_lowest_category": customer.is_lowest_category}
    Customer.objects.filter(pk=customer.pk).update(
        risk_level=profile.level, risk_score=profile.score, risk_assessed_on=profile.assessed_on,
        risk_expires_on=profile.expires_on, is_lowest_category=profile.is_lowest_category, updated_at=timezone.now())
    customer.refresh_from_db()
    audit_record(actor=actor, action="customer.risk_profile", object_type="customer", object_id=customer.pk,
                 before=before, after={"risk_level": profile.level, "risk_score": profile.score,
                                       "risk_assessed_on": profile.assessed_on,
                                       "risk_expires_on": profile.expires_on,
                                       "is_lowest_category": profile.is_lowest_category},
                 details={"source": source})


def customer_investor_category_record(*, actor, customer: Customer, category: str, source: str) -> None:
    if category not in InvestorCategory.values:
        raise ValueError(f"unknown investor category {category!r}")
    before = customer.investor_category
    Customer.objects.filter(pk=customer.pk).update(investor_category=category, updated_at=timezone.now())
    customer.refresh_from_db()
    audit_record(actor=actor, action="customer.investor_category", object_type="customer", object_id=customer.pk,
                 before={"investor_category": before}, after={"investor_category": category},
                 details={"source": source})


def trading_permission_grant(*, actor, customer: Customer, kind: str, granted_on: date, source: str) -> None:
    """Open a trading permission (again, if it was revoked)."""
    permission, created = TradingPermission.objects.get_or_create(
        customer=customer, kind=kind, defaults={"granted_on": granted_on})
    if not created:
        TradingPermission.objects.filter(pk=permission.pk).update(granted_on=granted_on, revoked_on=None)
    audit_record(actor=actor, action="customer.permission_grant", object_type="customer", object_id=customer.pk,
                 after={"permission": kind, "granted_on": granted_on}, details={"source": source})

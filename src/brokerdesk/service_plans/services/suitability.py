"""Suitability checks and the client's confirmation: the record behind every sale of a package or product.

A check matches the client against the subject's risk level (rules.decide) and is stored whatever the outcome:
a refusal is evidence too. A mismatch, or a high-risk product to an ordinary investor, needs the client's signed
confirmation of the warning shown (and, for a mismatch, the declaration that nobody recommended it); a
confirmed high-risk sale starts the cooling-off and tells the visits app to offer the extra return visit.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import ApplicationError, Conflict, FieldErrors, NotFound, ValidationFailed
from brokerdesk.core.permissions import require_permission
from brokerdesk.customers.choices import InvestorCategory
from brokerdesk.customers.models import Customer
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.service_plans import rules
from brokerdesk.service_plans.choices import RequestChannel, ServiceEventKind, SubjectKind, SuitabilityOutcome
from brokerdesk.service_plans.events import service_event_record
from brokerdesk.service_plans.models import Product, SuitabilityCheck
from brokerdesk.service_plans.selectors.packages import check_get_for_actor


class SuitabilityRefused(ApplicationError):
    code = "suitability_refused"
    status = 422


class ConfirmationRequired(ApplicationError):
    """The client must sign the warning first; details carry the check to confirm."""

    code = "suitability_confirmation_required"
    status = 409


@dataclass(frozen=True)
class Subject:
    kind: str
    code: str
    name: str
    risk: str


def match_policy() -> rules.MatchPolicy:
    return rules.MatchPolicy(high_risk_levels=frozenset(settings.SUITABILITY_HIGH_RISK_LEVELS),
                             lowest_category_max=settings.SUITABILITY_LOWEST_CATEGORY_MAX)


def client_risk(customer: Customer) -> rules.ClientRisk:
    return rules.ClientRisk(is_professional=customer.investor_category == InvestorCategory.PROFESSIONAL,
                            level=customer.risk_level or "", is_lowest_category=customer.is_lowest_category,
                            expires_on=customer.risk_expires_on)


def decide_for(customer: Customer, risk: str) -> rules.Decision:
    return rules.decide(client_risk(customer), risk, timezone.localdate(), match_policy())


REASON_TEXT = {
    "professional_investor": "Professional investor: every risk level may be offered.",
    "within_lowest_category_limit": "Lowest-category investor: within the R1 limit.",
    "lowest_category": "Lowest-category investors may only receive R1 products and services.",
    "assessment_missing": "The client has no risk assessment: assess the client first.",
    "assessment_expired": "The client's risk assessment has expired: reassess the client first.",
    "level_matches": "The client's risk level covers this risk level.",
    "risk_above_client_level": "The risk level is above what the client's risk level covers.",
}


def reason_messages(codes) -> list[str]:
    return [_(REASON_TEXT.get(code, code)) for code in codes]


def needs_confirmation(check: SuitabilityCheck) -> bool:
    return (check.outcome == SuitabilityOutcome.CONFIRMATION_REQUIRED
            or (check.outcome == SuitabilityOutcome.MATCH and check.is_high_risk_to_ordinary))


def warning_text(customer: Customer, subject: Subject, decision: rules.Decision) -> str:
    """The special risk warning the client reads and signs (stored verbatim with the check)."""
    parts = []
    if decision.outcome is rules.Outcome.CONFIRMATION_REQUIRED:
        parts.append(_(
            "Special risk warning: your risk tolerance is %(level)s, and %(name)s is rated %(risk)s, above what "
            "your risk tolerance covers. The firm does not recommend it to you. If you still wish to proceed, you "
            "confirm that you have read this warning, understand that you may lose part or all of your "
            "investment, and declare that nobody at the firm recommended it to you."
        ) % {"level": customer.risk_level, "name": subject.name, "risk": subject.risk})
    if decision.high_risk_to_ordinary:
        parts.append(_(
            "High-risk warning: %(name)s is a high-risk (%(risk)s) product for an ordinary investor. After you "
            "confirm, a cooling-off period of %(hours)s hours applies (or the firm calls you back first), during "
            "which you may withdraw."
        ) % {"name": subject.name, "risk": subject.risk, "hours": settings.SUITABILITY_COOLING_OFF_HOURS})
    return "\n\n".join(parts)


def suitability_check_record(*, actor, customer: Customer, subject: Subject, channel: str) -> SuitabilityCheck:
    """Match and store the check (the caller fetched the customer for actor and checked its own permission)."""
    decision = decide_for(customer, subject.risk)
    check = SuitabilityCheck.objects.create(
        customer=customer, subject_kind=subject.kind, subject_code=subject.code, subject_name=subject.name,
        subject_risk=subject.risk, investor_category=customer.investor_category,
        client_risk_level=customer.risk_level or "", is_lowest_category=customer.is_lowest_category,
        assessment_expires_on=customer.risk_expires_on, outcome=decision.outcome.value,
        reasons=list(decision.reasons), is_high_risk_to_ordinary=decision.high_risk_to_ordinary,
        warning_text=warning_text(customer, subject, decision), channel=channel, checked_at=timezone.now(),
        checked_by=actor)
    audit_record(actor=actor, action="suitability.check", object_type="customer", object_id=customer.pk,
                 after={"check_id": check.pk, "subject": f"{subject.kind}:{subject.code}", "risk": subject.risk,
                        "client_level": check.client_risk_level, "outcome": check.outcome,
                        "high_risk_to_ordinary": check.is_high_risk_to_ordinary})
    return check


def product_suitability_check(*, actor, customer_id, product_code: str, channel: str) -> SuitabilityCheck:
    """Check a product sale for a client (staff at the counter or on the phone)."""
    customer = customer_get_for_actor(actor, customer_id)
    require_permission(actor, "service_plans.check_suitability", "suitability.check")
    if channel not in RequestChannel.values:
        raise field_error("channel", _("Unknown channel."))
    product = Product.objects.filter(code=product_code, is_active=True).first()
    if product is None:
        raise field_error("product", _("No product on sale has this code."))
    with transaction.atomic():
        return suitability_check_record(
            actor=actor, customer=customer, channel=channel,
            subject=Subject(SubjectKind.PRODUCT, product.code, product.name, product.risk_level))


def field_error(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(details={field: [message]})


def suitability_confirm(*, actor, check_id, channel: str, signer_name: str, declared_not_recommended: bool,
                        customer: Customer | None = None) -> SuitabilityCheck:
    """Record the client's signed confirmation of the warning on a check.

    Staff record it for a client in front of them or on a recorded line (actor, check fetched in scope); on
    self-service the client signs themselves (actor None, customer the token's client).
    """
    if actor is not None:
        check = check_get_for_actor(actor, check_id)
        require_permission(actor, "service_plans.check_suitability", "suitability.confirm")
    else:
        check = SuitabilityCheck.objects.filter(pk=check_id, customer=customer).first()
        if customer is None or check is None:
            raise NotFound()
    errors = FieldErrors()
    if not needs_confirmation(check):
        errors.add("check", _("This check needs no confirmation (it matched, or it was refused)."))
    if not signer_name.strip():
        errors.add("signer_name", _("The client's signature (full name) is required."))
    elif signer_name.strip() != check.customer.name:
        errors.add("signer_name", _("The signature must be the client's full name as on the account."))
    if check.outcome == SuitabilityOutcome.CONFIRMATION_REQUIRED and not declared_not_recommended:
        errors.add("declared_not_recommended", _("The client must declare that nobody recommended it."))
    if channel not in RequestChannel.values:
        errors.add("channel", _("Unknown channel."))
    errors.raise_if_any()
    now = timezone.now()
    signed = {"customer_no": check.customer.customer_no, "check_id": check.pk, "subject": check.subject_code,
              "risk": check.subject_risk, "warning": check.warning_text, "declared_not_recommended":
              declared_not_recommended, "signer_name": signer_name.strip(), "channel": channel,
              "at": now.isoformat()}
    cooling_off_until = (now + timedelta(hours=settings.SUITABILITY_COOLING_OFF_HOURS)
                         if check.is_high_risk_to_ordinary else None)
    with transaction.atomic():
        updated = SuitabilityCheck.objects.filter(pk=check.pk, confirmed_at__isnull=True).update(
            confirmed_at=now, confirmation_channel=channel, signature_hash=rules.signature_hash(signed),
            no_recommendation_declared=declared_not_recommended, cooling_off_until=cooling_off_until)
        if updated != 1:
            raise Conflict(_("This warning has already been confirmed."))
        check.refresh_from_db()
        audit_record(actor=actor, action="suitability.confirm", object_type="customer", object_id=check.customer_id,
                     after={"check_id": check.pk, "signature_hash": check.signature_hash, "channel": channel,
                            "cooling_off_until": cooling_off_until})
        if check.is_high_risk_to_ordinary:
            service_event_record(
                kind=ServiceEventKind.HIGH_RISK_SALE, customer=check.customer, key=f"check:{check.pk}",
                payload={"check_id": check.pk, "subject_kind": check.subject_kind, "subject_code": check.subject_code,
                         "risk": check.subject_risk, "cooling_off_until": cooling_off_until.isoformat()})
    return check


def confirmed_check_for(customer: Customer, subject: Subject, check_id) -> SuitabilityCheck:
    """A confirmed check the caller may rely on: this client, this subject at this risk, confirmed today."""
    check = SuitabilityCheck.objects.filter(pk=check_id, customer=customer, subject_kind=subject.kind,
                                            subject_code=subject.code, subject_risk=subject.risk).first()
    if check is None or check.confirmed_at is None:
        raise ConfirmationRequired(_("The client has not confirmed the risk warning."),
                                   details={"check_id": check.pk if check else None})
    if timezone.localdate(check.confirmed_at) != timezone.localdate():
        raise ConfirmationRequired(_("The confirmation is from another day; the client must confirm again."))
    return check

"""Trading-permission applications (ChiNext, STAR, BSE, margin): check the client against the rules with the
figures from the lake, store the application whatever the result (a refusal is evidence too), and open the
permission when every criterion is met.

The client signs the kind's risk disclosure (its version is what the form showed); the signature hash covers
the text. A granted application opens the customer's TradingPermission and records a PERMISSION_GRANTED service
event (the visits app makes the special-business return visit) in the same transaction, audited.
"""

from dataclasses import asdict
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import ApplicationError, Conflict, FieldErrors
from brokerdesk.core.permissions import require_permission
from brokerdesk.customers.choices import CustomerKind
from brokerdesk.customers.models import Customer, TradingPermission
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.customers.services import trading_permission_grant
from brokerdesk.service_plans import permission_rules, rules
from brokerdesk.service_plans.choices import PermissionApplicationStatus, RequestChannel, ServiceEventKind
from brokerdesk.service_plans.events import service_event_record
from brokerdesk.service_plans.models import PermissionApplication
from brokerdesk.service_plans.selectors.permissions import (
    APPLY_PERMISSION,
    EligibilityFigures,
    disclosure_for,
    permission_eligibility,
    permission_rule,
)

# A paper application entered later may carry its own date, within this many days; the window and the
# experience are measured from that date.
BACKDATE_LIMIT_DAYS = 30
# The first A-share exchange opened in December 1990: no trade is older.
EARLIEST_TRADE = date(1990, 12, 1)
SIGNER_MAX = 120


class PermissionAlreadyHeld(Conflict):
    code = "permission_already_held"


class AssetDataIncomplete(ApplicationError):
    """The lake lacks asset snapshots for days of the window and the average falls short: deciding now could
    refuse a client who qualifies. Nothing is stored; apply again once the days are loaded."""

    code = "asset_data_incomplete"
    status = 409


def _validate(*, customer: Customer, kind: str, applied_on, disclosure_version: str, signer_name: str,
              channel: str, csdc_first_traded_on, today: date) -> permission_rules.PermissionRule | None:
    errors = FieldErrors()
    rule = permission_rule(kind) if kind else None
    disclosure = disclosure_for(kind) if kind else None
    if rule is None or disclosure is None:
        errors.add("kind", _("No eligibility rule is configured for this permission."))
    elif disclosure_version != disclosure.version:
        errors.add("disclosure_version", _("The client signed risk disclosure version %(signed)s, but the current "
                                           "version is %(current)s: show the current text and sign again.")
                   % {"signed": disclosure_version or "—", "current": disclosure.version})
    if not isinstance(applied_on, date):
        errors.add("applied_on", _("The application date is required."))
    elif applied_on > today:
        errors.add("applied_on", _("The application date cannot be in the future."))
    elif applied_on < today - timedelta(days=BACKDATE_LIMIT_DAYS):
        errors.add("applied_on", _("The application date may be at most %(days)s days ago.")
                   % {"days": BACKDATE_LIMIT_DAYS})
    name = (signer_name or "").strip()
    if not name:
        errors.add("signer_name", _("The signer's full name is required."))
    elif len(name) > SIGNER_MAX:
        errors.add("signer_name", _("The name is too long."))
    elif customer.kind == CustomerKind.PERSON and name != customer.name:
        errors.add("signer_name", _("An individual client signs personally: the name must be the client's full "
                                    "name as on the account."))
    if channel not in RequestChannel.values:
        errors.add("channel", _("Unknown channel."))
    if csdc_first_traded_on is not None:
        if not isinstance(csdc_first_traded_on, date):
            errors.add("csdc_first_traded_on", _("Enter a valid date."))
        elif csdc_first_traded_on < EARLIEST_TRADE:
            errors.add("csdc_first_traded_on", _("No A-share trade is older than December 1990."))
        elif isinstance(applied_on, date) and csdc_first_traded_on >= applied_on:
            errors.add("csdc_first_traded_on", _("The first trade must be before the application date."))
    errors.raise_if_any()
    return rule


def _figures_payload(figures: EligibilityFigures) -> dict:
    return {
        "kind": figures.kind, "applied_on": figures.applied_on, "window_start": figures.window_start,
        "window_end": figures.window_end, "trading_days": len(figures.window.days),
        "days_with_assets": figures.window.days_with_assets, "assets_sum": figures.window.total,
        "average_assets": figures.window.average, "required_assets": figures.rule.average_assets,
        "days_without_data": [d.isoformat() for d in figures.days_without_data],
        "first_traded_on": figures.first_traded_on, "first_trade_source": str(figures.first_trade_source),
        "lake_first_traded_on": figures.lake_first_traded_on,
        "csdc_first_traded_on": figures.csdc_first_traded_on, "experience_months": figures.experience_months,
        "required_months": figures.rule.months, "assessment": str(figures.assessment),
        "eligible": figures.eligibility.eligible, "reasons": list(figures.eligibility.reasons),
    }


def permission_apply(*, actor, customer_id, kind: str, applied_on: date, disclosure_version: str,
                     signer_name: str, channel: str, csdc_first_traded_on: date | None = None
                     ) -> PermissionApplication:
    """Record the client's application for a trading permission and open it when every criterion is met.

    The client has signed the kind's risk disclosure (disclosure_version: the version shown). Refused outright,
    nothing stored: a permission the client already holds, a kind without a rule, bad input, or an average
    short of the threshold while the lake lacks days of the window. Otherwise the application is stored as
    granted or refused with every unmet criterion.
    """
    require_permission(actor, APPLY_PERMISSION, "suitability.permission_apply")
    customer = customer_get_for_actor(actor, customer_id)
    today = timezone.localdate()
    rule = _validate(customer=customer, kind=kind, applied_on=applied_on, disclosure_version=disclosure_version,
                     signer_name=signer_name, channel=channel, csdc_first_traded_on=csdc_first_traded_on,
                     today=today)
    signer = signer_name.strip()
    if TradingPermission.objects.filter(customer=customer, kind=kind, revoked_on__isnull=True).exists():
        raise PermissionAlreadyHeld(_("The client already holds this permission."))
    # The lake read runs before the transaction: no row lock is held while DuckDB scans files.
    figures = permission_eligibility(customer, rule, applied_on, csdc_first_traded_on=csdc_first_traded_on,
                                     disclosure_signed=True, today=today)
    eligibility = figures.eligibility
    if (not eligibility.eligible and figures.days_without_data
            and permission_rules.Reason.ASSETS_BELOW in eligibility.reasons):
        raise AssetDataIncomplete(
            _("The asset snapshots of %(days)s are not loaded yet, and without them the average is below the "
              "threshold. Apply again once the data is loaded.")
            % {"days": ", ".join(d.isoformat() for d in figures.days_without_data)},
            details={"days_without_data": [d.isoformat() for d in figures.days_without_data]})
    disclosure = disclosure_for(kind)
    now = timezone.now()
    signed = {"customer_no": customer.customer_no, "kind": kind, "disclosure_version": disclosure.version,
              "disclosure_title": disclosure.title, "disclosure_text": disclosure.text, "signer_name": signer,
              "channel": channel, "applied_on": applied_on.isoformat(), "at": now.isoformat(),
              "recorded_by": getattr(actor, "username", "")}
    status = PermissionApplicationStatus.GRANTED if eligibility.eligible else PermissionApplicationStatus.REFUSED
    with transaction.atomic():
        # One application at a time per client: the second waits here, then finds the permission held.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        if TradingPermission.objects.filter(customer=customer, kind=kind, revoked_on__isnull=True).exists():
            raise PermissionAlreadyHeld(_("The client already holds this permission."))
        application = PermissionApplication.objects.create(
            customer=customer, kind=kind, applied_on=applied_on, channel=channel,
            window_start=figures.window_start, window_end=figures.window_end,
            trading_days=len(figures.window.days), days_with_assets=figures.window.days_with_assets,
            days_without_data=[d.isoformat() for d in figures.days_without_data],
            assets_sum=figures.window.total, average_assets=figures.window.average,
            required_assets=rule.average_assets, first_traded_on=figures.first_traded_on,
            first_trade_source=str(figures.first_trade_source), lake_first_traded_on=figures.lake_first_traded_on,
            csdc_first_traded_on=csdc_first_traded_on, experience_months=figures.experience_months or 0,
            required_months=rule.months, investor_category=customer.investor_category,
            client_risk_level=customer.risk_level or "", assessment_expires_on=customer.risk_expires_on,
            is_lowest_category=customer.is_lowest_category, disclosure_version=disclosure.version,
            disclosure_signed_at=now, disclosure_signature_hash=rules.signature_hash(signed), signer_name=signer,
            status=status, reasons=list(eligibility.reasons), recorded_at=now, recorded_by=actor)
        audit_record(actor=actor, action="suitability.permission_apply", object_type="permission_application",
                     object_id=application.pk,
                     after={**_figures_payload(figures), "customer_id": customer.pk, "status": status,
                            "disclosure_version": disclosure.version, "channel": channel,
                            "signature_hash": application.disclosure_signature_hash},
                     details={"rule": asdict(rule)})
        if eligibility.eligible:
            trading_permission_grant(actor=actor, customer=customer, kind=kind, granted_on=today,
                                     source=f"permission_application:{application.pk}")
            service_event_record(
                kind=ServiceEventKind.PERMISSION_GRANTED, customer=customer, key=f"{kind}:{application.pk}",
                payload={"application_id": application.pk, "kind": kind, "applied_on": applied_on.isoformat(),
                         "granted_on": today.isoformat(), "channel": channel,
                         "disclosure_version": disclosure.version})
    return application

"""Trading-permission reads: the eligibility figures of a client for a permission (from the lake; the preview
staff look at before the client signs, and what permission_apply stores), applications scoped to the actor.

The window: the N trading days ending on the last trading day before the application date. Average daily
assets: each day's end-of-day total assets, 0 on a day without the client's snapshot, exact sum / N truncated
to the cent. Experience: full calendar months from the first trade (the earliest in the lake, or an earlier
date from the CSDC query) to the application date.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone

from brokerdesk.analytics.engine import lake as lake_reader
from brokerdesk.analytics.engine import permissions as engine
from brokerdesk.core import calendar
from brokerdesk.core.errors import NotFound
from brokerdesk.core.lake import current_files
from brokerdesk.core.models import LakePartition
from brokerdesk.core.permissions import require_permission
from brokerdesk.core.scoping import database_id
from brokerdesk.customers.choices import CustomerStatus, InvestorCategory, PermissionKind
from brokerdesk.customers.models import Customer, TradingPermission
from brokerdesk.customers.selectors import customer_get_for_actor, customers_visible_to
from brokerdesk.service_plans import permission_rules as rules
from brokerdesk.service_plans.models import PermissionApplication

APPLY_PERMISSION = "service_plans.apply_permission"
VIEW_PERMISSIONS = ("service_plans.view_permissionapplication", APPLY_PERMISSION)


def permission_rules() -> dict[str, rules.PermissionRule]:
    """settings.TRADING_PERMISSION_RULES, validated: a bad entry is a configuration error, not a refusal."""
    try:
        return rules.rules_from_settings(settings.TRADING_PERMISSION_RULES)
    except ValueError as error:
        raise ImproperlyConfigured(str(error)) from None


def permission_rule(kind: str) -> rules.PermissionRule | None:
    return permission_rules().get(kind)


def applicable_kinds() -> list[tuple[str, str]]:
    """(kind, label) of the permissions with a configured rule and a risk disclosure, in PermissionKind order."""
    configured = permission_rules()
    return [(value, label) for value, label in PermissionKind.choices
            if value in configured and value in rules.DISCLOSURES]


def disclosure_for(kind: str) -> rules.Disclosure | None:
    return rules.DISCLOSURES.get(kind)


def held_permissions(customer: Customer) -> dict[str, date]:
    """The client's active permissions: kind → granted on."""
    return dict(TradingPermission.objects.filter(customer=customer, revoked_on__isnull=True)
                .values_list("kind", "granted_on"))


def asset_window_days(applied_on: date, trading_days: int) -> list[date]:
    """The `trading_days` trading days ending on the last trading day before applied_on, oldest first."""
    return calendar.trading_days_ending(calendar.previous_trading_day(applied_on), trading_days)


@dataclass(frozen=True)
class EligibilityFigures:
    """Everything an application checks, as computed now: stored by permission_apply, shown by the preview."""

    customer: Customer
    rule: rules.PermissionRule
    applied_on: date
    window: engine.AssetWindow
    days_without_data: tuple[date, ...]  # trading days of the window with no published snapshot partition
    lake_first_traded_on: date | None
    csdc_first_traded_on: date | None
    first_traded_on: date | None
    first_trade_source: rules.FirstTradeSource
    experience_months: int | None
    assessment: rules.AssessmentState
    eligibility: rules.Eligibility
    held_since: date | None = None  # the permission is already active since
    params: dict[str, str] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.rule.kind

    @property
    def window_start(self) -> date | None:
        return self.window.days[0] if self.window.days else None

    @property
    def window_end(self) -> date | None:
        return self.window.days[-1] if self.window.days else None

    @property
    def days_without_data_iso(self) -> list[str]:
        return [day.isoformat() for day in self.days_without_data]


def _published_days(entity: str, since: date, until: date) -> set[date]:
    return set(LakePartition.objects.filter(entity=entity, date__gte=since, date__lte=until)
               .values_list("date", flat=True))


def permission_eligibility(customer: Customer, rule: rules.PermissionRule, applied_on: date, *,
                           csdc_first_traded_on: date | None = None, disclosure_signed: bool = False,
                           today: date | None = None) -> EligibilityFigures:
    """The figures and the decision for one client, permission and application date (no scoping: callers
    fetched the customer through customer_get_for_actor)."""
    today = today or timezone.localdate()
    days = asset_window_days(applied_on, rule.trading_days)
    window = engine.asset_window(
        current_files(lake_reader.ASSET_SNAPSHOTS, since=days[0], until=days[-1]), customer.customer_no, days)
    published = _published_days(lake_reader.ASSET_SNAPSHOTS, days[0], days[-1])
    # A trade on the application day itself adds nothing (0 months): the day before is enough.
    until = applied_on - timedelta(days=1)
    lake_first = engine.first_trade_date(current_files(lake_reader.TRADES, until=until), customer.customer_no,
                                         until=until)
    first_traded_on, source = rules.first_trade(lake_first, csdc_first_traded_on)
    months = rules.full_months_between(first_traded_on, applied_on) if first_traded_on else None
    assessment = rules.assessment_state(
        is_professional=customer.investor_category == InvestorCategory.PROFESSIONAL, level=customer.risk_level,
        expires_on=customer.risk_expires_on, on=max(applied_on, today))
    eligibility = rules.evaluate(
        rule.kind, average_assets=window.average, required_assets=rule.average_assets, experience_months=months,
        required_months=rule.months, disclosure_signed=disclosure_signed, assessment=assessment,
        lowest_category=customer.is_lowest_category, account_normal=customer.status == CustomerStatus.NORMAL)
    return EligibilityFigures(
        customer=customer, rule=rule, applied_on=applied_on, window=window,
        days_without_data=tuple(day for day in days if day not in published),
        lake_first_traded_on=lake_first, csdc_first_traded_on=csdc_first_traded_on,
        first_traded_on=first_traded_on, first_trade_source=source, experience_months=months,
        assessment=assessment, eligibility=eligibility, held_since=held_permissions(customer).get(rule.kind),
        params=rules.reason_params(
            average_assets=window.average, required_assets=rule.average_assets, trading_days=rule.trading_days,
            experience_months=months, required_months=rule.months, assessment_expires_on=customer.risk_expires_on))


def permission_eligibility_preview(actor, customer_id, kind: str, applied_on: date, *,
                                   csdc_first_traded_on: date | None = None,
                                   disclosure_signed: bool = False) -> EligibilityFigures:
    """The preview staff see before the client signs: the same figures, nothing stored. Scoped (NotFound) and
    for those who may apply; kind must have a rule (NotFound otherwise: there is nothing to check)."""
    require_permission(actor, APPLY_PERMISSION, "permission_eligibility_preview")
    customer = customer_get_for_actor(actor, customer_id)
    rule = permission_rule(kind)
    if rule is None:
        raise NotFound()
    return permission_eligibility(customer, rule, applied_on, csdc_first_traded_on=csdc_first_traded_on,
                                  disclosure_signed=disclosure_signed)


def may_view_applications(actor) -> bool:
    return actor is not None and any(actor.has_perm(p) for p in VIEW_PERMISSIONS)


def permission_applications_visible_to(actor) -> QuerySet[PermissionApplication]:
    if not may_view_applications(actor):
        return PermissionApplication.objects.none()
    return PermissionApplication.objects.filter(customer__in=customers_visible_to(actor).values("pk"))


def permission_application_get_for_actor(actor, application_id) -> PermissionApplication:
    """One application, or NotFound whether it is missing or its client is outside the actor's scope."""
    application = (permission_applications_visible_to(actor).select_related("customer", "recorded_by")
                   .filter(pk=database_id(application_id)).first())
    if application is None:
        raise NotFound()
    return application


def permission_applications_for_customer(actor, customer_id) -> tuple[Customer, QuerySet[PermissionApplication]]:
    """The client (scoped: NotFound) and its applications, newest first."""
    if not may_view_applications(actor):
        raise NotFound()
    customer = customer_get_for_actor(actor, customer_id)
    return customer, customer.permission_applications.select_related("recorded_by").order_by("-recorded_at", "-id")


def application_reason_messages(application: PermissionApplication, translate) -> list[tuple[str, str]]:
    """(code, message) of a stored application's reasons, the figures filled in from the application."""
    params = rules.reason_params(
        average_assets=application.average_assets, required_assets=application.required_assets,
        trading_days=application.trading_days, experience_months=application.experience_months,
        required_months=application.required_months, assessment_expires_on=application.assessment_expires_on)
    return [(code, rules.reason_message(code, params, translate)) for code in application.reasons]

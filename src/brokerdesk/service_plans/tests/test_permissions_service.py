"""permission_apply end to end over a published lake: granted (permission, event, audit), refused with every
reason, the CSDC first trade, the exact thresholds, the window around holidays, scoping, bad input."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from brokerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.customers.models import Customer, TradingPermission
from brokerdesk.customers.services import trading_permission_grant
from brokerdesk.service_plans.choices import PermissionApplicationStatus, RequestChannel, ServiceEventKind
from brokerdesk.service_plans.models import PermissionApplication, ServiceEvent
from brokerdesk.service_plans.permission_rules import DISCLOSURES, Reason
from brokerdesk.service_plans.selectors.permissions import (
    asset_window_days,
    permission_eligibility,
    permission_eligibility_preview,
    permission_rule,
)
from brokerdesk.service_plans.services.permissions import (
    AssetDataIncomplete,
    PermissionAlreadyHeld,
    permission_apply,
)
from brokerdesk.service_plans.tests.test_permissions_helpers import (
    publish_snapshots,
    publish_trades,
    start_of_months,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def lake(settings, tmp_path):
    settings.LAKE_DIR = tmp_path / "lake"
    return settings.LAKE_DIR


def today() -> date:
    return timezone.localdate()


def lake_for(customer, *, daily="100000.00", months=24, first_trade=None, on=None, kind="chinext",
             skip_days=()) -> list[date]:
    """Snapshots of `daily` on each day of the kind's window before `on` (another client beside), and a first
    trade giving exactly `months` full months by `on` (or on `first_trade`). Returns the window."""
    on = on or today()
    days = asset_window_days(on, permission_rule(kind).trading_days)
    publish_snapshots({day: [("OTHER0001", "9999999.00")] + ([] if i in skip_days else [(customer.customer_no, daily)])
                       for i, day in enumerate(days)})
    trade_day = first_trade or start_of_months(on, months)
    publish_trades({trade_day: [customer.customer_no], trade_day + timedelta(days=30): [customer.customer_no]})
    return days


def apply(actor, customer, **overrides):
    kind = overrides.get("kind", "chinext")
    arguments = {"actor": actor, "customer_id": customer.pk, "kind": kind, "applied_on": today(),
                 "disclosure_version": DISCLOSURES[kind].version if kind in DISCLOSURES else "",
                 "signer_name": customer.name, "channel": RequestChannel.BRANCH}
    arguments.update(overrides)
    return permission_apply(**arguments)


def test_it_grants_a_client_who_meets_every_criterion(users, customer_a):
    days = lake_for(customer_a)
    application = apply(users["branch_a"], customer_a)

    assert application.status == PermissionApplicationStatus.GRANTED
    assert application.reasons == []
    assert (application.window_start, application.window_end) == (days[0], days[-1])
    assert days[-1] < today() and application.trading_days == 20 and application.days_with_assets == 20
    assert application.average_assets == Decimal("100000.00")
    assert application.assets_sum == Decimal("2000000.00")
    assert application.required_assets == Decimal("100000.00")
    assert application.experience_months == 24 and application.required_months == 24
    assert application.first_trade_source == "lake"
    assert application.first_traded_on == application.lake_first_traded_on == start_of_months(today(), 24)
    assert application.days_without_data == []
    assert application.disclosure_version == DISCLOSURES["chinext"].version
    assert len(application.disclosure_signature_hash) == 64
    assert application.signer_name == customer_a.name and application.recorded_by == users["branch_a"]

    permission = TradingPermission.objects.get(customer=customer_a, kind="chinext")
    assert permission.granted_on == today() and permission.revoked_on is None
    event = ServiceEvent.objects.get(kind=ServiceEventKind.PERMISSION_GRANTED, customer=customer_a)
    assert event.key == f"chinext:{application.pk}"
    assert event.payload["application_id"] == application.pk and event.payload["kind"] == "chinext"
    audit = AuditEvent.objects.get(action="suitability.permission_apply", object_id=str(application.pk))
    assert audit.after["status"] == "granted" and audit.after["average_assets"] == "100000.00"
    assert AuditEvent.objects.filter(action="customer.permission_grant", object_id=str(customer_a.pk)).exists()


def test_it_refuses_one_cent_below_and_one_day_short_of_24_months_listing_both(users, customer_a):
    # 19 days of 100,000.00 and one of 99,999.80: the average is 99,999.99.
    days = lake_for(customer_a, first_trade=start_of_months(today(), 24) + timedelta(days=1))
    publish_snapshots({days[5]: [(customer_a.customer_no, "99999.80")]}, version="fix")
    application = apply(users["branch_a"], customer_a)

    assert application.status == PermissionApplicationStatus.REFUSED
    assert application.average_assets == Decimal("99999.99")
    assert application.experience_months == 23
    assert application.reasons == [Reason.ASSETS_BELOW, Reason.EXPERIENCE_SHORT]
    assert not TradingPermission.objects.filter(customer=customer_a).exists()
    assert not ServiceEvent.objects.filter(customer=customer_a).exists()
    audit = AuditEvent.objects.get(action="suitability.permission_apply", object_id=str(application.pk))
    assert audit.after["status"] == "refused"
    assert audit.after["reasons"] == ["assets_below_threshold", "experience_too_short"]


def test_it_reads_every_threshold_from_the_settings(settings, users, customer_a):
    settings.TRADING_PERMISSION_RULES = {**settings.TRADING_PERMISSION_RULES,
                                         "chinext": {"average_assets": "100000.01", "trading_days": 5, "months": 25}}
    lake_for(customer_a)
    application = apply(users["branch_a"], customer_a)
    assert application.status == PermissionApplicationStatus.REFUSED
    assert application.trading_days == 5 and application.required_assets == Decimal("100000.01")
    assert application.reasons == [Reason.ASSETS_BELOW, Reason.EXPERIENCE_SHORT]


def test_it_applies_the_margin_rule(users, customer_a):
    lake_for(customer_a, kind="margin", daily="500000.00", months=6)
    application = apply(users["branch_a"], customer_a, kind="margin")
    assert application.status == PermissionApplicationStatus.GRANTED
    assert application.required_months == 6 and application.required_assets == Decimal("500000.00")


def test_it_counts_days_without_a_snapshot_as_zero(users, customer_a):
    # The client had nothing on two days of the window (the lake has those days, without the client).
    lake_for(customer_a, daily="110000.00", skip_days=(0, 9))
    application = apply(users["branch_a"], customer_a)
    assert application.days_with_assets == 18
    assert application.average_assets == Decimal("99000.00")
    assert application.reasons == [Reason.ASSETS_BELOW]


def test_it_takes_an_earlier_first_trade_from_the_csdc_query(users, customer_a):
    lake_for(customer_a, months=3)
    csdc = today() - timedelta(days=3 * 365)
    application = apply(users["branch_a"], customer_a, csdc_first_traded_on=csdc)
    assert application.status == PermissionApplicationStatus.GRANTED
    assert application.first_trade_source == "csdc"
    assert application.first_traded_on == application.csdc_first_traded_on == csdc
    assert application.lake_first_traded_on == start_of_months(today(), 3)
    assert application.experience_months >= 35


def test_it_keeps_the_lake_first_trade_when_the_csdc_date_is_later(users, customer_a):
    lake_for(customer_a, months=30)
    application = apply(users["branch_a"], customer_a, csdc_first_traded_on=today() - timedelta(days=40))
    assert application.first_trade_source == "lake" and application.experience_months == 30


def test_it_refuses_a_client_without_any_trade(users, customer_a):
    days = asset_window_days(today(), 20)
    publish_snapshots({day: [(customer_a.customer_no, "500000.00")] for day in days})
    application = apply(users["branch_a"], customer_a)
    assert application.reasons == [Reason.NO_TRADING_HISTORY]
    assert application.first_traded_on is None and application.first_trade_source == ""


@pytest.mark.parametrize(("changes", "reasons"), [
    ({"risk_expires_on": date(2020, 1, 1)}, [Reason.ASSESSMENT_EXPIRED]),
    ({"risk_level": "", "risk_expires_on": None}, [Reason.ASSESSMENT_MISSING]),
    ({"is_lowest_category": True}, [Reason.LOWEST_CATEGORY]),
    ({"status": "frozen"}, [Reason.ACCOUNT_NOT_NORMAL]),
    ({"risk_level": "", "risk_expires_on": None, "investor_category": "professional"}, []),
])
def test_it_requires_a_valid_assessment_outside_the_lowest_category(users, customer_a, changes, reasons):
    lake_for(customer_a)
    Customer.objects.filter(pk=customer_a.pk).update(**changes)
    application = apply(users["branch_a"], customer_a)
    assert application.reasons == reasons
    assert TradingPermission.objects.filter(customer=customer_a).exists() == (not reasons)


def test_it_lists_every_unmet_criterion(users, customer_a):
    Customer.objects.filter(pk=customer_a.pk).update(risk_expires_on=date(2020, 1, 1), is_lowest_category=True,
                                                     status="dormant")
    # The lake holds the window's days, without this client: no assets, no trade.
    publish_snapshots({day: [("OTHER0001", "1.00")] for day in asset_window_days(today(), 20)})
    application = apply(users["branch_a"], customer_a)
    assert application.status == PermissionApplicationStatus.REFUSED
    assert application.reasons == [Reason.ACCOUNT_NOT_NORMAL, Reason.ASSESSMENT_EXPIRED, Reason.LOWEST_CATEGORY,
                                   Reason.ASSETS_BELOW, Reason.NO_TRADING_HISTORY]
    assert application.average_assets == Decimal("0.00") and application.days_with_assets == 0


def test_it_refuses_a_permission_the_client_already_holds(users, customer_a):
    lake_for(customer_a)
    apply(users["branch_a"], customer_a)
    with pytest.raises(PermissionAlreadyHeld):
        apply(users["branch_a"], customer_a)
    assert PermissionApplication.objects.filter(customer=customer_a).count() == 1


def test_it_lets_a_revoked_permission_be_applied_for_again(users, customer_a):
    lake_for(customer_a)
    trading_permission_grant(actor=None, customer=customer_a, kind="chinext", granted_on=date(2020, 1, 2),
                             source="test")
    TradingPermission.objects.filter(customer=customer_a).update(revoked_on=date(2021, 1, 4))
    application = apply(users["branch_a"], customer_a)
    assert application.status == PermissionApplicationStatus.GRANTED
    assert TradingPermission.objects.get(customer=customer_a, kind="chinext").revoked_on is None


def test_it_refuses_a_kind_without_a_rule(users, customer_a):
    with pytest.raises(ValidationFailed) as refused:
        apply(users["branch_a"], customer_a, kind="options", disclosure_version="x")
    assert "kind" in refused.value.details
    assert not PermissionApplication.objects.exists()


def test_it_reports_every_bad_field_and_stores_nothing(users, customer_a):
    with pytest.raises(ValidationFailed) as refused:
        apply(users["branch_a"], customer_a, applied_on=today() + timedelta(days=1), disclosure_version="old",
              signer_name="Someone Else", channel="fax", csdc_first_traded_on=today() + timedelta(days=2))
    assert set(refused.value.details) == {"applied_on", "disclosure_version", "signer_name", "channel",
                                          "csdc_first_traded_on"}
    with pytest.raises(ValidationFailed) as refused:
        apply(users["branch_a"], customer_a, applied_on=today() - timedelta(days=400), signer_name=" ",
              csdc_first_traded_on=date(1985, 1, 1))
    assert set(refused.value.details) == {"applied_on", "signer_name", "csdc_first_traded_on"}
    assert not PermissionApplication.objects.exists()
    assert not AuditEvent.objects.filter(action="suitability.permission_apply").exists()


def test_it_lets_an_institution_sign_through_its_representative(users, customer_a):
    lake_for(customer_a)
    Customer.objects.filter(pk=customer_a.pk).update(kind="corporate")
    application = apply(users["branch_a"], customer_a, signer_name="授权代表 王五")
    assert application.signer_name == "授权代表 王五"


def test_it_refuses_to_decide_on_incomplete_asset_data(users, customer_a):
    days = asset_window_days(today(), 20)
    lake_for(customer_a)
    from brokerdesk.core.models import LakePartition

    LakePartition.objects.filter(entity="asset_snapshots", date__in=days[-2:]).delete()  # not loaded yet
    with pytest.raises(AssetDataIncomplete) as refused:
        apply(users["branch_a"], customer_a)
    assert refused.value.details["days_without_data"] == [d.isoformat() for d in days[-2:]]
    assert not PermissionApplication.objects.exists()


def test_it_grants_despite_missing_days_when_the_average_is_met_anyway(users, customer_a):
    days = asset_window_days(today(), 20)
    lake_for(customer_a, daily="200000.00")
    from brokerdesk.core.models import LakePartition

    LakePartition.objects.filter(entity="asset_snapshots", date=days[-1]).delete()
    application = apply(users["branch_a"], customer_a)
    assert application.status == PermissionApplicationStatus.GRANTED
    assert application.days_without_data == [days[-1].isoformat()]
    assert application.average_assets == Decimal("190000.00")


def test_it_hides_another_branchs_client(users, customer_a):
    lake_for(customer_a)
    with pytest.raises(NotFound):
        apply(users["branch_b"], customer_a)
    with pytest.raises(NotFound):
        permission_eligibility_preview(users["branch_b"], customer_a.pk, "chinext", today())
    assert not PermissionApplication.objects.exists()
    assert not TradingPermission.objects.filter(customer=customer_a).exists()


def test_it_requires_the_apply_permission(users, customer_a):
    with pytest.raises(PermissionDenied):
        apply(users["agent"], customer_a)
    assert AuditEvent.objects.filter(action="access.denied", actor_id=users["agent"].pk).exists()
    assert not PermissionApplication.objects.exists()


def test_the_preview_stores_nothing(users, customer_a):
    lake_for(customer_a)
    figures = permission_eligibility_preview(users["branch_a"], customer_a.pk, "chinext", today())
    assert figures.eligibility.awaits_signature_only
    assert figures.window.average == Decimal("100000.00") and figures.experience_months == 24
    assert not PermissionApplication.objects.exists()
    assert not TradingPermission.objects.filter(customer=customer_a).exists()


# --- The window around holidays ---------------------------------------------------------------------------

# National Day 2024: 1-7 October off; Sunday 29 September and Saturday 12 October are make-up working days, on
# which the exchanges stay closed.
NATIONAL_DAY = [date(2024, 10, d) for d in range(1, 8)]


def test_it_takes_the_window_from_the_trading_days_before_the_application():
    days = asset_window_days(date(2024, 10, 8), 20)
    assert days[-1] == date(2024, 9, 30)
    # Mid-Autumn Festival: 15-17 September off, Saturday 14 September a make-up working day.
    assert days[0] == date(2024, 8, 30)
    assert len(days) == 20 and date(2024, 9, 29) not in days
    assert not {date(2024, 9, 14), date(2024, 9, 16), date(2024, 9, 17)} & set(days)
    assert not set(NATIONAL_DAY) & set(days)

    after = asset_window_days(date(2024, 10, 14), 20)
    assert after[-5:] == [date(2024, 9, 30), date(2024, 10, 8), date(2024, 10, 9), date(2024, 10, 10),
                          date(2024, 10, 11)]
    assert date(2024, 10, 12) not in after and not set(NATIONAL_DAY) & set(after)


def test_it_averages_over_trading_days_only_across_a_holiday(customer_a):
    """Rows on holidays, on a make-up Saturday and on the application day itself are not in the window."""
    window = asset_window_days(date(2024, 10, 14), 20)
    rows = {day: [(customer_a.customer_no, "100000.00")] for day in window}
    for day in [*NATIONAL_DAY, date(2024, 10, 12), date(2024, 10, 14)]:
        rows[day] = [(customer_a.customer_no, "0.00")]
    publish_snapshots(rows)
    publish_trades({date(2020, 1, 6): [customer_a.customer_no]})
    figures = permission_eligibility(customer_a, permission_rule("chinext"), date(2024, 10, 14),
                                     disclosure_signed=True, today=date(2024, 10, 14))
    assert figures.window.days == tuple(window)
    assert figures.window.average == Decimal("100000.00")
    assert figures.days_without_data == ()
    assert figures.experience_months == 57

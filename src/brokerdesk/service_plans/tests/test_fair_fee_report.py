"""The fair-fee report through the database: the mapping from subscriptions, tiers and schedules, trade files
published in the lake as intake publishes them, branch scoping, the pages and the Excel export.

The world (October 2026, hand-computed; default package band 0.2000–0.3000‰, standard 0.2500):
  branch A
    A1  default package, tier gold    1,000,000.00 / 200.00   = 0.2000‰  exactly on min: within
    A2  default package, tier silver  10,000,000.00 / 1,999.00 = 0.1999‰  0.0001 below: flagged, −501.00 CNY
    A3  FFGOLD (gold 0.18–0.22, std 0.20), tier gold   500,000 / 125.00 = 0.25‰: above by 0.03, +25.00 CNY
        (inside FFGOLD's '' schedule 0.22–0.28: only the tier schedule flags it)
    A4  FFGOLD, tier silver (no silver schedule → '' 0.22–0.28, std 0.25)   100,000 / 21.00 = 0.21‰: below, −4.00
    A5  FFGOLD, tier gold, agreed 0.1500‰, no trades: agreed rate below the band
    A6  default package, no tier, no trades
    A7  default package, no tier          200,000 / 50.00 = 0.25‰: within (traded without a tier)
    A8  FFBARE (no schedule), tier gold   100,000 / 100.00 = 1‰: not assessed
  branch B
    B1  default package, tier gold        100,000 / 40.00 = 0.40‰: above by 0.10, +15.00 CNY
  trades of a client number the CRM does not know, a September trade of A1 (ignored), a November trade (current,
  incomplete month).
"""

import io
import re
import zipfile
from datetime import date, time
from decimal import Decimal

import pyarrow as pa
import pytest
from django.core.cache import cache
from django.utils import timezone

from brokerdesk.analytics.engine.lake import write_file
from brokerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.lake import publish
from brokerdesk.core.masking import mask_name
from brokerdesk.core.models import AuditEvent
from brokerdesk.segmentation.models import RuleSet, Segment, SegmentMembership, SegmentRun
from brokerdesk.service_plans.models import CommissionSchedule, ServicePackage, Subscription
from brokerdesk.service_plans.selectors import fair_fee as selectors
from brokerdesk.service_plans.tests.test_fair_fee_engine import TRADE_SCHEMA
from tests.factories import make_customer

D = Decimal
OCTOBER = "2026-10"


def publish_trades(lake_dir, trades: list[tuple[date, str, str, str]]) -> None:
    """Write one Parquet file per date in the lake layout and publish it (LakePartition), as intake does."""
    by_day: dict[date, list[dict]] = {}
    for n, (day, no, amount, commission) in enumerate(trades):
        by_day.setdefault(day, []).append({
            "date": day, "trade_id": f"T{n}", "trade_time": time(10, 0), "customer_no": no, "market": "SH",
            "security_code": "600000", "side": "B", "quantity": 100, "price": D("10.0000"), "amount": D(amount),
            "commission": D(commission)})
    for day, rows in by_day.items():
        relative = f"trades/date={day.isoformat()}/v=1/part-0.parquet"
        count = write_file(lake_dir / relative, pa.Table.from_pylist(rows, schema=TRADE_SCHEMA))
        publish("trades", day, relative, count, "1")


@pytest.fixture
def world(org, users, settings, tmp_path):
    settings.LAKE_DIR = tmp_path / "lake"
    cache.clear()
    default = ServicePackage.objects.filter(is_default=True).first() or ServicePackage.objects.create(
        code="FFBASIC", name="基础", is_default=True, effective_from=date(2026, 1, 1))
    CommissionSchedule.objects.filter(package=default).delete()
    CommissionSchedule.objects.create(package=default, asset_tier="", standard_rate=D("0.2500"),
                                      min_rate=D("0.2000"), max_rate=D("0.3000"))
    gold_package = ServicePackage.objects.create(code="FFGOLD", name="金牌测试", rank=10,
                                                 effective_from=date(2026, 1, 1))
    CommissionSchedule.objects.create(package=gold_package, asset_tier="gold", standard_rate=D("0.2000"),
                                      min_rate=D("0.1800"), max_rate=D("0.2200"))
    CommissionSchedule.objects.create(package=gold_package, asset_tier="", standard_rate=D("0.2500"),
                                      min_rate=D("0.2200"), max_rate=D("0.2800"))
    bare = ServicePackage.objects.create(code="FFBARE", name="无标准", rank=5, effective_from=date(2026, 1, 1))

    a, b = org["branch_a"], org["branch_b"]
    c = {name: make_customer(a, customer_no=f"FF{name}") for name in ("A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8")}
    c["B1"] = make_customer(b, customer_no="FFB1")

    rule_set = RuleSet.objects.create(version=9100, name="fair fee test")
    run = SegmentRun.objects.create(business_date=date(2026, 10, 30), rule_set=rule_set, trigger="command",
                                    started_at=timezone.now())
    tiers = {}
    for code, rank in (("gold", 2), ("silver", 3)):
        tiers[code], _ = Segment.objects.get_or_create(dimension="tier", code=code,
                                                       defaults={"label_zh": code, "rank": rank})
    style, _ = Segment.objects.get_or_create(dimension="style", code="ff_active", defaults={"label_zh": "活跃"})
    for name, tier in (("A1", "gold"), ("A2", "silver"), ("A3", "gold"), ("A4", "silver"), ("A5", "gold"),
                       ("A8", "gold"), ("B1", "gold")):
        SegmentMembership.objects.create(customer=c[name], segment=tiers[tier], valid_from=date(2026, 9, 1),
                                         rule_set=rule_set, entered_run=run)
    # A closed period and another dimension do not give a tier.
    SegmentMembership.objects.create(customer=c["A7"], segment=tiers["gold"], valid_from=date(2026, 1, 1),
                                     valid_to=date(2026, 9, 1), rule_set=rule_set, entered_run=run)
    SegmentMembership.objects.create(customer=c["A7"], segment=style, valid_from=date(2026, 9, 1),
                                     rule_set=rule_set, entered_run=run)

    def subscribe(name, package, rate, status="active"):
        Subscription.objects.create(customer=c[name], package=package, change="new", status=status, channel="branch",
                                    commission_rate=D(rate), requested_at=timezone.now(), decided_at=timezone.now())

    subscribe("A3", gold_package, "0.2000")
    subscribe("A4", gold_package, "0.2500")
    subscribe("A5", gold_package, "0.1500")
    subscribe("A8", bare, "0.5000")
    subscribe("A1", gold_package, "0.1000", status="ended")  # an ended subscription: A1 is on the default package

    publish_trades(settings.LAKE_DIR, [
        (date(2026, 10, 9), "FFA1", "1000000.00", "200.00"),
        (date(2026, 10, 9), "FFA2", "6000000.00", "1200.00"),
        (date(2026, 10, 12), "FFA2", "4000000.00", "799.00"),
        (date(2026, 10, 12), "FFA3", "500000.00", "125.00"),
        (date(2026, 10, 12), "FFA4", "100000.00", "21.00"),
        (date(2026, 10, 30), "FFA7", "200000.00", "50.00"),
        (date(2026, 10, 30), "FFA8", "100000.00", "100.00"),
        (date(2026, 10, 30), "FFB1", "100000.00", "40.00"),
        (date(2026, 10, 30), "FFNOBODY", "100000.00", "90.00"),
        (date(2026, 9, 30), "FFA1", "1000000.00", "9000.00"),
        (date(2026, 11, 2), "FFA1", "1000000.00", "9000.00"),
    ])
    return {"customers": c, "branch_a": a, "branch_b": b, "users": users}


def _october():
    return selectors.parse_period(OCTOBER)


# --- Selectors ------------------------------------------------------------------------------------------------


def test_it_summarises_every_branch_for_company_wide_staff(world):
    report = selectors.fair_fee_summary(world["users"]["compliance"], _october())
    lines = {line.branch.code: line.totals for line in report.branches}
    a, b = lines["BA01"], lines["BB01"]
    assert (a.clients, a.traded, a.no_trades, a.without_tier, a.no_schedule) == (8, 6, 2, 1, 1)
    assert (a.within, a.below, a.above, a.agreed_outside) == (2, 2, 1, 1)
    assert a.amount == D("11900000.00") and a.commission == D("2495.00")
    assert a.overcharge == D("25.00") and a.undercharge == D("505.00")
    assert (b.clients, b.traded, b.above, b.overcharge) == (1, 1, 1, D("15.00"))
    assert (report.total.above, report.total.below, report.total.overcharge) == (2, 2, D("40.00"))
    assert report.unmatched_clients == 1
    assert report.trade_days == 3  # 9, 12 and 30 October


def test_it_lists_a_branchs_deviating_clients_with_hand_computed_figures(world):
    report = selectors.fair_fee_branch(world["users"]["compliance"], world["branch_a"].pk, _october())
    by_no = {d.customer_no: d for d in report.deviations}
    assert set(by_no) == {"FFA2", "FFA3", "FFA4", "FFA5"}  # A1 on min, A7 within, A8 unscheduled, A6 idle
    a2, a3, a4, a5 = by_no["FFA2"], by_no["FFA3"], by_no["FFA4"], by_no["FFA5"]
    assert (a2.status, a2.effective_rate, a2.deviation, a2.amount_vs_standard) == ("below", D("0.199900"),
                                                                                   D("-0.000100"), D("-501.00"))
    assert not a2.subscribed and a2.tier == "silver" and a2.schedule_tier == ""
    assert (a3.status, a3.schedule_tier, a3.deviation, a3.amount_vs_standard) == ("above", "gold", D("0.030000"),
                                                                                  D("25.00"))
    assert (a4.status, a4.schedule_tier, a4.deviation, a4.amount_vs_standard) == ("below", "", D("-0.010000"),
                                                                                  D("-4.00"))
    assert (a5.status, a5.agreed_status, a5.agreed_rate, a5.deviation) == ("no_trades", "below", D("0.1500"),
                                                                           D("-0.030000"))
    # Default order: furthest outside the band first, overcharges first on a tie.
    assert [d.customer_no for d in report.deviations] == ["FFA3", "FFA5", "FFA4", "FFA2"]
    amount = selectors.fair_fee_branch(world["users"]["compliance"], world["branch_a"].pk, _october(), sort="amount")
    assert [d.customer_no for d in amount.deviations][:2] == ["FFA2", "FFA3"]
    above = selectors.fair_fee_branch(world["users"]["compliance"], world["branch_a"].pk, _october(), only="above")
    assert [d.customer_no for d in above.deviations] == ["FFA3"]
    agreed = selectors.fair_fee_branch(world["users"]["compliance"], world["branch_a"].pk, _october(), only="agreed")
    assert [d.customer_no for d in agreed.deviations] == ["FFA5"]


def test_it_sees_a_schedule_change_at_once_despite_the_cache(world):
    actor = world["users"]["compliance"]
    assert selectors.fair_fee_summary(actor, _october()).total.below == 2
    CommissionSchedule.objects.filter(asset_tier="", min_rate=D("0.2000")).update(min_rate=D("0.1999"))
    report = selectors.fair_fee_summary(actor, _october())
    assert report.total.below == 1  # A2 at 0.1999‰ is now exactly on the lowest rate


def test_it_keeps_branch_staff_to_their_own_branch(world):
    user_b = world["users"]["branch_b"]
    report = selectors.fair_fee_summary(user_b, _october())
    assert [line.branch.code for line in report.branches] == ["BB01"]
    assert report.unmatched_clients is None  # a branch cannot count other branches' clients
    with pytest.raises(NotFound):
        selectors.fair_fee_branch(user_b, world["branch_a"].pk, _october())
    with pytest.raises(NotFound), selectors.fair_fee_export(user_b, _october(), world["branch_a"].pk):
        pass
    own = selectors.fair_fee_branch(user_b, world["branch_b"].pk, _october())
    assert [d.customer_no for d in own.deviations] == ["FFB1"]
    with pytest.raises(PermissionDenied):
        selectors.fair_fee_summary(world["users"]["agent"], _october())
    with pytest.raises(NotFound):
        selectors.fair_fee_branch(world["users"]["compliance"], 10**12, _october())


def test_it_defaults_to_the_last_full_month_with_trades(world):
    assert selectors.default_period(today=date(2026, 11, 22)).label == "2026-10"
    assert selectors.default_period(today=date(2026, 10, 15)).label == "2026-09"
    assert selectors.trade_months()[:3] == ["2026-11", "2026-10", "2026-09"]
    assert selectors.parse_period("2026-10", today=date(2026, 10, 15)).complete is False
    for bad in ("2026/10", "2026-13", "yesterday", "2026-1x"):
        with pytest.raises(ValidationFailed):
            selectors.parse_period(bad)


def test_it_masks_names():
    assert mask_name("张三丰") == "张**"
    assert mask_name("李") == "*"
    assert mask_name("深圳市示范投资有限公司", "corporate") == "深圳市示****"
    assert mask_name("") == ""


# --- Pages ----------------------------------------------------------------------------------------------------


def test_it_shows_the_summary_page(world, login):
    response = login(world["users"]["compliance"]).get("/plans/fair-fee/?month=2026-10")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-branch="BA01"' in html and 'data-branch="BB01"' in html
    assert re.search(r'data-testid="above-total">2<', html)
    assert f"/plans/fair-fee/branch/{world['branch_a'].pk}/?month=2026-10" in html


def test_it_defaults_the_page_to_last_month_and_rejects_a_bad_month(world, login, monkeypatch):
    monkeypatch.setattr(selectors, "_today", lambda: date(2026, 11, 22))
    client = login(world["users"]["compliance"])
    assert client.get("/plans/fair-fee/").context["report"].period.label == "2026-10"
    response = client.get("/plans/fair-fee/?month=2026-99")
    assert response.status_code == 400 and 'data-testid="fair-fee-error"' in response.content.decode()


def test_it_shows_the_branch_drill_down_with_masked_names_paged_and_sorted(world, login, monkeypatch):
    monkeypatch.setattr("brokerdesk.service_plans.views.fair_fee.PAGE_SIZE", 3)
    client = login(world["users"]["branch_a"])
    url = f"/plans/fair-fee/branch/{world['branch_a'].pk}/?month=2026-10"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r'data-customer="(\w+)"', html) == ["FFA3", "FFA5", "FFA4"]
    full_name = world["customers"]["A3"].name
    assert full_name not in html and mask_name(full_name) in html
    assert "0.199900" not in html  # A2 is on page 2
    page_2 = client.get(url + "&page=2").content.decode()
    assert re.findall(r'data-customer="(\w+)"', page_2) == ["FFA2"] and "0.199900" in page_2
    by_client = client.get(url + "&sort=customer").content.decode()
    assert re.findall(r'data-customer="(\w+)"', by_client) == ["FFA2", "FFA3", "FFA4"]
    assert client.get(url + "&sort=nonsense").status_code == 400


def test_it_answers_404_for_another_branchs_drill_down_and_export(world, login):
    client = login(world["users"]["branch_b"])
    a = world["branch_a"].pk
    assert client.get(f"/plans/fair-fee/branch/{a}/?month=2026-10").status_code == 404
    assert client.get(f"/plans/fair-fee/export.xlsx?month=2026-10&branch={a}").status_code == 404
    assert client.get("/plans/fair-fee/export.xlsx?month=2026-10&branch=abc").status_code == 404
    assert client.get(f"/plans/fair-fee/branch/{world['branch_b'].pk}/?month=2026-10").status_code == 200
    summary = client.get("/plans/fair-fee/?month=2026-10").content.decode()
    assert 'data-branch="BB01"' in summary and 'data-branch="BA01"' not in summary


def test_it_refuses_staff_without_the_permission(world, login):
    client = login(world["users"]["agent"])
    assert client.get("/plans/fair-fee/?month=2026-10").status_code == 403
    assert client.get("/plans/fair-fee/export.xlsx?month=2026-10").status_code == 403


# --- Excel ----------------------------------------------------------------------------------------------------


def _sheets(content: bytes) -> dict[str, str]:
    """Sheet name → its cell text (shared and inline strings resolved), from the xlsx zip."""
    book = zipfile.ZipFile(io.BytesIO(content))
    assert book.testzip() is None
    names = book.namelist()
    assert "[Content_Types].xml" in names and "xl/workbook.xml" in names
    shared = []
    if "xl/sharedStrings.xml" in names:
        shared = re.findall(r"<t[^>]*>([^<]*)</t>", book.read("xl/sharedStrings.xml").decode())
    titles = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())
    sheets = {}
    for index, title in enumerate(titles, start=1):
        xml = book.read(f"xl/worksheets/sheet{index}.xml").decode()
        cells = []
        for attrs, body in re.findall(r"<c ([^>]*)>(.*?)</c>", xml):
            value = re.search(r"<v>([^<]*)</v>", body)
            inline = re.search(r"<t[^>]*>([^<]*)</t>", body)
            if 't="s"' in attrs and value:
                cells.append(shared[int(value.group(1))])
            elif inline:
                cells.append(inline.group(1))
            elif value:
                cells.append(value.group(1))
        sheets[title] = "|".join(cells)
    return sheets


def test_it_exports_the_whole_report_as_a_workbook_and_audits_it(world, login):
    response = login(world["users"]["compliance"]).get("/plans/fair-fee/export.xlsx?month=2026-10")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "fair-fee-2026-10-all.xlsx" in response["Content-Disposition"]
    sheets = _sheets(b"".join(response.streaming_content))
    assert len(sheets) == 3
    summary, branches, clients = sheets.values()
    assert "2026-10" in summary
    assert "BA01" in branches and "BB01" in branches
    for no in ("FFA2", "FFA3", "FFA4", "FFA5", "FFB1"):
        assert no in clients
    for no in ("FFA1", "FFA6", "FFA7", "FFA8"):
        assert no not in clients
    assert world["customers"]["A3"].name not in clients
    assert "0.1999" in clients and "-501" in clients
    event = AuditEvent.objects.filter(action="service_plans.fair_fee_export").latest("seq")
    assert event.details["clients_listed"] == 5 and event.details["period"] == "2026-10"


def test_it_exports_one_branch(world, login):
    response = login(world["users"]["branch_b"]).get(
        f"/plans/fair-fee/export.xlsx?month=2026-10&branch={world['branch_b'].pk}")
    assert response.status_code == 200
    assert "fair-fee-2026-10-branch-BB01.xlsx" in response["Content-Disposition"]
    _, branches, clients = _sheets(b"".join(response.streaming_content)).values()
    assert "BB01" in branches and "BA01" not in branches
    assert "FFB1" in clients and "FFA" not in clients

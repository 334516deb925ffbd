"""Edge cases of the features, with the seed rules applied: thresholds met exactly, clients without data."""

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from brokerdesk.analytics.engine.features import compute_features
from brokerdesk.analytics.engine.features.windows import feature_windows, months_back
from brokerdesk.analytics.engine.rules import SEED_RULE_SET
from brokerdesk.analytics.engine.segmentation import segment_clients
from brokerdesk.analytics.engine.tests.lakekit import Dataset, customer, write_lake

AS_OF = date(2026, 3, 31)
# 20 trading days ending at AS_OF (weekdays; holidays do not matter to the engine, only the dates present).
WINDOW = [date(2026, 3, d) for d in range(4, 32) if date(2026, 3, d).weekday() < 5][-20:]
BASE_DAY = date(2025, 12, 31)  # a month-end snapshot, the latest on or before AS_OF - 3 months


def seed_segments(tmp_path: Path, data: Dataset, as_of: date = AS_OF) -> dict[str, set[tuple[str, str]]]:
    result = segment_clients(None, sources=write_lake(tmp_path, data), as_of=as_of, rule_set=SEED_RULE_SET)
    segments: dict[str, set[tuple[str, str]]] = {}
    for row in result.memberships.to_pylist():
        segments.setdefault(row["customer_no"], set()).add((row["dimension"], row["segment_code"]))
    return segments


def flat_assets(data: Dataset, no: str, amount: object) -> Dataset:
    for day in WINDOW:
        data.assets(day, no, amount)
    return data


def test_it_defines_the_windows_relative_to_the_as_of_date() -> None:
    assert months_back(date(2026, 5, 31), 3) == date(2026, 2, 28)
    assert months_back(date(2024, 3, 31), 1) == date(2024, 2, 29)
    windows = feature_windows(AS_OF, trading_days=[*WINDOW, BASE_DAY], asset_snapshot_dates=[*WINDOW, BASE_DAY],
                              latest_position_date=None)  # fmt: skip
    assert windows.asset_window_start == WINDOW[0] and windows.asset_window_days == 20
    assert windows.asset_base_date_3m == BASE_DAY
    assert windows.trades_after_1m == date(2026, 2, 28)
    assert windows.transfers_after == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("average", "tier"),
    [(0, "silver"), (99999.99, "silver"), (100000, "gold"), (499999.99, "gold"), (500000, "platinum"),
     (2999999.99, "platinum"), (3000000, "diamond")],
)  # fmt: skip
def test_it_puts_a_client_exactly_at_a_threshold_in_the_higher_tier(tmp_path: Path, average: float, tier: str) -> None:
    data = flat_assets(Dataset(customers=[customer("c", date(2020, 1, 1))]), "c", average)
    assert ("tier", tier) in seed_segments(tmp_path, data)["c"]


def test_it_counts_days_without_a_snapshot_as_zero_assets(tmp_path: Path) -> None:
    data = Dataset(customers=[customer("c", date(2020, 1, 1)), customer("other", date(2020, 1, 1))])
    flat_assets(data, "other", 1)  # gives the lake its 20 trading days
    data.assets(WINDOW[-1], "c", 2_000_000)  # one day of 2,000,000 over 20 days: 100,000 on average
    row = compute_features(None, sources=write_lake(tmp_path, data), as_of=AS_OF).to_pylist()
    c = next(r for r in row if r["customer_no"] == "c")
    assert c["avg_assets_20d"] == 100000 and c["total_assets"] == 2_000_000


def test_it_gives_a_client_without_any_data_zeros_and_nulls(tmp_path: Path) -> None:
    data = flat_assets(Dataset(customers=[customer("empty", AS_OF), customer("other", date(2020, 1, 1))]), "other", 1)
    data.assets(BASE_DAY, "other", 1)
    rows = compute_features(None, sources=write_lake(tmp_path, data), as_of=AS_OF).to_pylist()
    empty = next(r for r in rows if r["customer_no"] == "empty")
    assert empty["months_since_open"] == 0 and empty["days_since_open"] == 0
    assert empty["avg_assets_20d"] == 0 and empty["total_assets"] == 0 and empty["assets_3m_ago"] == 0
    assert empty["assets_change_3m_pct"] is None and empty["turnover_3m"] is None
    assert empty["trades_12m"] == 0 and empty["last_trade_date"] is None and empty["days_since_last_trade"] is None
    assert empty["net_inflow_30d"] == 0 and empty["largest_transfer_30d"] == 0
    assert empty["holds_positions"] is False and empty["holdings_count"] == 0
    assert empty["top_holding_share"] is None and empty["max_product_risk_held"] is None


def test_it_classifies_a_client_opened_today_with_no_data(tmp_path: Path) -> None:
    data = Dataset(customers=[customer("new", AS_OF)])
    segments = seed_segments(tmp_path, data)["new"]
    assert segments == {("tier", "silver"), ("style", "investment"), ("class", "mass"),
                        ("group", "newly_opened"), ("group", "never_traded")}  # fmt: skip


def test_it_works_on_an_empty_lake(tmp_path: Path) -> None:
    table = compute_features(None, sources=write_lake(tmp_path, Dataset(customers=[])), as_of=AS_OF)
    assert table.num_rows == 0


def test_it_applies_the_style_threshold_exactly(tmp_path: Path) -> None:
    data = Dataset(customers=[customer("trader", date(2020, 1, 1)), customer("investor", date(2020, 1, 1))])
    for i in range(60):  # 60 trades in 3 months: 20 a month on average
        data.trade(date(2026, 1, 5 + i % 20), "trader")
    for i in range(59):
        data.trade(date(2026, 1, 5 + i % 20), "investor")
    segments = seed_segments(tmp_path, data)
    assert ("style", "trading") in segments["trader"]
    assert ("style", "investment") in segments["investor"]


def test_it_marks_dormant_and_newly_opened_at_their_edges(tmp_path: Path) -> None:
    data = Dataset(
        customers=[
            customer("year_open", months_back(AS_OF, 12)),  # exactly 12 months: dormant without trades
            customer("not_yet_year", date(2025, 4, 1)),  # 11 months
            customer("day_90", date(2026, 1, 1)),  # 89 days
            customer("day_91", date(2025, 12, 30)),  # 91 days
        ]
    )
    segments = seed_segments(tmp_path, data)
    assert ("group", "dormant") in segments["year_open"]
    assert ("group", "dormant") not in segments["not_yet_year"]
    assert ("group", "newly_opened") in segments["day_90"]
    assert ("group", "newly_opened") not in segments["day_91"]


def test_it_flags_churn_risk_at_exactly_thirty_percent_down(tmp_path: Path) -> None:
    data = Dataset(customers=[customer("down30", date(2020, 1, 1)), customer("down29", date(2020, 1, 1))])
    flat_assets(data, "down30", 700_000).assets(BASE_DAY, "down30", 1_000_000)
    flat_assets(data, "down29", 710_000).assets(BASE_DAY, "down29", 1_000_000)
    segments = seed_segments(tmp_path, data)
    assert ("group", "churn_risk") in segments["down30"]
    assert ("group", "churn_risk") not in segments["down29"]


def test_it_measures_holdings_and_their_risk(tmp_path: Path) -> None:
    data = Dataset(
        customers=[customer("holder", date(2020, 1, 1)), customer("none", date(2020, 1, 1))],
        securities=[{"market": "SH", "security_code": "600000", "risk_level": "R4"},
                    {"market": "SH", "security_code": "600001", "risk_level": "R2"}],
    )  # fmt: skip
    data.position(date(2026, 3, 30), "holder", "600000", 1)  # an older day: superseded
    data.position(AS_OF, "holder", "600001", 300).position(AS_OF, "holder", "600000", 100)
    table = compute_features(None, sources=write_lake(tmp_path, data), as_of=AS_OF)
    rows = {r["customer_no"]: r for r in table.to_pylist()}
    assert rows["holder"]["max_product_risk_held"] == 4
    assert rows["holder"]["top_holding_share"] == 0.75
    assert rows["holder"]["holdings_count"] == 2
    assert rows["none"]["max_product_risk_held"] is None
    assert ("tag", "high_risk_holdings") in seed_segments(tmp_path / "seg", data)["holder"]


def test_it_counts_only_cny_transfers_in_the_last_thirty_days(tmp_path: Path) -> None:
    data = Dataset(customers=[customer("c", date(2020, 1, 1))])
    data.transfer(date(2026, 3, 1), "c", "in", 500)  # day 30 back: the window is (T - 30 days, T]
    data.transfer(date(2026, 3, 2), "c", "in", 1000).transfer(date(2026, 3, 20), "c", "out", 300)
    data.transfer(date(2026, 3, 20), "c", "in", 9999, currency="USD")
    row = compute_features(None, sources=write_lake(tmp_path, data), as_of=AS_OF).to_pylist()[0]
    assert (row["inflow_30d"], row["outflow_30d"], row["net_inflow_30d"], row["largest_transfer_30d"]) == (
        1000, 300, 700, 1000,
    )  # fmt: skip


def test_it_keeps_the_3_month_base_when_no_trading_day_falls_in_the_window(tmp_path: Path) -> None:
    data = Dataset(customers=[customer("c", date(2020, 1, 1))])
    data.assets(BASE_DAY, "c", 1_000_000)
    sources = write_lake(tmp_path, data)
    sources = dataclasses.replace(sources, trading_days=[])  # e.g. a calendar that has no days up to T

    row = compute_features(None, sources=sources, as_of=AS_OF).to_pylist()[0]

    assert row["assets_3m_ago"] == 1_000_000 and row["assets_change_3m_pct"] == -100

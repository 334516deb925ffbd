"""The benchmark's pandas baseline (bench/segmentation/pandas_baseline.py) agrees with the DuckDB engine: the
same seed-rule memberships, exactly, and the same features, on small lakes built with the engine's lakekit."""

import math
import random
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest

from bench.segmentation.pandas_baseline import (
    SEED_RULES,
    membership_tuples,
    pandas_features,
    pandas_segment,
)
from brokerdesk.analytics.engine.features import FEATURE_COLUMNS
from brokerdesk.analytics.engine.features.windows import months_back
from brokerdesk.analytics.engine.rules import SEED_RULE_SET
from brokerdesk.analytics.engine.segmentation import segment_clients
from brokerdesk.analytics.engine.tests.lakekit import Dataset, assert_same_feature_rows, customer, money, write_lake

SECURITIES = [
    {"market": "SH", "security_code": "600000", "risk_level": "R2"},
    {"market": "SH", "security_code": "600001", "risk_level": "R4"},
    {"market": "SH", "security_code": "600002", "risk_level": "R5"},
]
CODES = ["600000", "600001", "600002", "999999"]  # 999999 is not in the securities master
# Average assets right at and next to every threshold of the seed rules.
LEVELS = [0, 1, 80000, 99999.99, 100000, 499999.99, 500000, 700000, 999999.99, 1000000, 1500000, 2999999.99, 3000000]
AMOUNTS = [1000, 50000, 200000, 250000, 999999.99, 1000000, 2000000]
AS_OFS = [date(2026, 3, 31), date(2026, 5, 29), date(2026, 2, 27), date(2026, 4, 30), date(2026, 3, 2)]


def weekdays(start: date, end: date) -> list[date]:
    days = (start + timedelta(days=i) for i in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5]


def snapshot_days(trading: list[date]) -> list[date]:
    """The lake's shape: daily snapshots for the recent trading days, month ends only before them."""
    recent = trading[-25:]
    month_ends = [d for d, after in pairwise(trading) if d.month != after.month]
    return sorted({*(d for d in month_ends if d < recent[0]), *recent})


def random_dataset(seed: int) -> tuple[Dataset, date]:
    """About 30 clients with assorted profiles: no data at all, no trades, opened today or after T, assets at
    the tier thresholds, -30% / +50% against the base day, bursts of trades, transfers on the 30-day edge,
    large and non-CNY transfers, holdings of every risk level and of unknown securities."""
    rng = random.Random(seed)
    as_of = rng.choice(AS_OFS)
    trading = weekdays(as_of - timedelta(days=480), as_of)
    days = snapshot_days(trading)
    window = trading[-20:]
    base_day = max(d for d in days if d <= months_back(as_of, 3))
    opening_days = [as_of, as_of + timedelta(days=1), as_of - timedelta(days=90), as_of - timedelta(days=91),
                    months_back(as_of, 6), months_back(as_of, 6) + timedelta(days=1), months_back(as_of, 12),
                    months_back(as_of, 12) + timedelta(days=1), date(2019, 1, 31), date(2024, 2, 29)]  # fmt: skip
    edges = [months_back(as_of, n) + timedelta(days=k) for n in (1, 3, 6, 12) for k in (-1, 0, 1)]
    data = Dataset(customers=[], securities=SECURITIES)
    for i in range(30):
        no = f"c{seed}_{i:02d}"
        opened = rng.choice(opening_days) if rng.random() < 0.7 else as_of - timedelta(days=rng.randint(0, 900))
        data.customers.append(
            customer(
                no,
                opened,
                kind=rng.choice(["person", "person", "institution", "corporate", "product"]),
                client_class=rng.choice(["mass", "mass", "hnw", "institutional", "corporate"]),
                investor_category=rng.choice(["ordinary", "professional"]),
                birth_date=rng.choice([None, date(1988, 2, 29), date(1970, as_of.month, as_of.day), date(1990, 12, 1)]),
            )
        )
        # Assets: none, every window day, or with gaps; a base day at -30%, +50%, 0 or missing.
        level = Decimal(str(rng.choice([*LEVELS, round(rng.uniform(0, 4e6), 2)])))
        profile = rng.choice(["none", "flat", "flat", "gaps", "latest"])
        if profile == "flat":
            for day in window:
                data.assets(day, no, level)
        elif profile == "gaps":
            for day in rng.sample(days, k=rng.randint(1, len(days))):
                data.assets(day, no, money(rng.uniform(0, 2e6)))
        elif profile == "latest":
            data.assets(window[-1], no, level)
        base = rng.choice(["none", "down30", "up50", "zero", "random"])
        if base != "none":
            value = {"down30": level / Decimal("0.7"), "up50": level / Decimal("1.5"), "zero": 0,
                     "random": rng.uniform(0, 2e6)}[base]  # fmt: skip
            data.assets(base_day, no, money(value))
        # Trades: none, steady, a burst in the last month, or only older than a year; some on window edges.
        pattern = rng.choice(["none", "none", "steady", "burst", "old", "sixty"])
        if pattern == "steady":
            for day in rng.sample(trading, k=rng.randint(1, 80)):
                data.trade(day, no, money(rng.uniform(100, 5e5)))
        elif pattern == "burst":
            for _ in range(rng.randint(18, 25)):
                data.trade(rng.choice(trading[-20:]), no, rng.choice(AMOUNTS))
            for _ in range(rng.randint(0, 60)):
                data.trade(rng.choice(trading[-250:-22]), no)
        elif pattern == "old":
            data.trade(rng.choice(trading[:100]), no)
        elif pattern == "sixty":
            three_months = [d for d in trading if d > months_back(as_of, 3)]
            for _ in range(rng.choice([59, 60, 61])):
                data.trade(rng.choice(three_months), no)
        for _ in range(rng.randint(0, 3)):
            data.trade(rng.choice(edges), no, rng.choice(AMOUNTS))
        # Transfers in the last 40 days, some on the (T - 30 days, T] edge, some not in CNY.
        for _ in range(rng.randint(0, 5)):
            day = as_of - timedelta(days=rng.choice([0, 1, 29, 30, 31, rng.randint(0, 40)]))
            currency = rng.choice(["CNY", "CNY", "CNY", "USD", "HKD"])
            data.transfer(day, no, rng.choice(["in", "in", "out"]), rng.choice(AMOUNTS), currency)
        # Holdings on the latest position day, and on an older one that must not count.
        for code in rng.sample(CODES, k=rng.randint(0, 4)):
            data.position(trading[-1], no, code, rng.choice([0, 100, 25000.5, 1e6]))
        if rng.random() < 0.3:
            data.position(trading[-30], no, rng.choice(CODES), 5000)
    if rng.random() < 0.5:
        data.trading_days = trading  # explicit: days without any snapshot count as zero assets
    return data, as_of


def boundary_dataset() -> tuple[Dataset, date]:
    """One client per edge of the seed rules, so that every segment has members."""
    as_of = date(2026, 3, 31)
    trading = weekdays(date(2025, 1, 1), as_of)
    window, base_day = trading[-20:], date(2025, 12, 31)
    old = date(2020, 1, 1)
    clients = {
        "diamond": (old, 3_000_000, {"investor_category": "professional"}),
        "platinum_core": (old, 500_000, {}),
        "platinum_young": (months_back(as_of, 6) + timedelta(days=1), 2_999_999.99, {}),
        "gold": (old, 100_000, {}),
        "silver": (old, 99_999.99, {}),
        "hnw_source": (old, 10, {"client_class": "hnw"}),
        "hnw_assets": (old, 1_000_000, {}),
        "institution": (old, 10, {"kind": "institution", "birth_date": None}),
        "product": (old, 10, {"kind": "product", "birth_date": None}),
        "corporate": (old, 10, {"kind": "corporate", "birth_date": None}),
        "opened_today": (as_of, None, {}),
        "day_90": (as_of - timedelta(days=90), None, {}),
        "day_91": (as_of - timedelta(days=91), None, {}),
        "year_open": (months_back(as_of, 12), None, {}),
        "trader": (old, 10, {}),
        "burst": (old, 10, {}),
        "no_burst": (old, 10, {}),
        "big_transfer": (old, 500_000, {}),
        "usd_transfer": (old, 10, {}),
        "edge_transfer": (old, 10, {}),
        "churn": (old, 700_000, {}),
        "no_churn": (old, 700_000.01, {}),
        "inflow": (old, 10, {}),
        "growth": (old, 100_000, {}),
        "risky": (old, 10, {}),
    }
    data = Dataset(customers=[customer(no, opened, **extra) for no, (opened, _, extra) in clients.items()],
                   securities=SECURITIES)  # fmt: skip
    for no, (_, level, _) in clients.items():
        for day in window if level is not None else ():
            data.assets(day, no, level)
    for no in ("churn", "no_churn"):
        data.assets(base_day, no, 1_000_000)
    data.assets(base_day, "growth", 66_666.67)
    for i in range(60):  # 20 a month on average over 3 months
        data.trade(trading[-1 - i], "trader")
    for no, before in (("burst", 44), ("no_burst", 45)):  # 20 >= 5 * 44 / 11 exactly, but not >= 5 * 45 / 11
        for i in range(20):
            data.trade(as_of - timedelta(days=i % 28), no)
        for i in range(before):
            data.trade(date(2025, 5, 1) + timedelta(days=i * 6), no)
    data.trade(date(2025, 2, 3), "silver")  # traded long ago: dormant, but not never_traded
    data.transfer(as_of, "big_transfer", "in", 1_000_000)  # >= 1,000,000 and >= 2 x 500,000
    data.transfer(as_of, "usd_transfer", "in", 5_000_000, currency="USD")
    data.transfer(as_of - timedelta(days=30), "edge_transfer", "in", 5_000_000)  # just outside the window
    data.transfer(as_of - timedelta(days=29), "inflow", "in", 250_000).transfer(as_of, "inflow", "out", 50_000)
    data.position(as_of, "risky", "600001", 100).position(as_of, "risky", "600000", 300)
    return data, as_of


def engine_and_pandas(tmp_path: Path, data: Dataset, as_of: date) -> tuple:
    sources = write_lake(tmp_path, data)
    engine = segment_clients(None, sources=sources, as_of=as_of, rule_set=SEED_RULE_SET)
    return engine, pandas_segment(sources, as_of), pandas_features(sources, as_of)


def plain(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value


def assert_same_pandas_features(engine_features, pandas_frame: pd.DataFrame) -> None:
    assert tuple(pandas_frame.columns) == FEATURE_COLUMNS
    expected = {row["customer_no"]: row for row in engine_features.to_pylist()}
    actual = {row["customer_no"]: {k: plain(v) for k, v in row.items()} for row in pandas_frame.to_dict("records")}
    assert_same_feature_rows(actual, expected)


def test_it_transcribes_exactly_the_seed_rule_set() -> None:
    assert [(r.dimension.value, r.segment_code, r.expression) for r in SEED_RULE_SET.rules] == list(SEED_RULES)


@pytest.mark.parametrize("seed", range(8))
def test_it_gives_the_engines_memberships_on_random_lakes(tmp_path: Path, seed: int) -> None:
    data, as_of = random_dataset(seed)
    engine, memberships, features = engine_and_pandas(tmp_path, data, as_of)
    assert_same_pandas_features(engine.features, features)
    expected = membership_tuples(engine.memberships)
    assert len(expected) > len(data.customers)  # every client opened by T has a tier, a style and a class
    assert membership_tuples(memberships) == expected


def test_it_gives_the_engines_memberships_at_every_rule_edge(tmp_path: Path) -> None:
    data, as_of = boundary_dataset()
    engine, memberships, features = engine_and_pandas(tmp_path, data, as_of)
    assert_same_pandas_features(engine.features, features)
    expected = membership_tuples(engine.memberships)
    assert {code for _, code, _ in expected} == {code for _, code, _ in SEED_RULES}
    assert membership_tuples(memberships) == expected
    by_client = {}
    for no, code, _ in expected:
        by_client.setdefault(no, set()).add(code)
    assert "churn_risk" in by_client["churn"] and "churn_risk" not in by_client["no_churn"]
    assert "abnormal_activity" in by_client["burst"] and "abnormal_activity" not in by_client["no_burst"]
    assert "abnormal_activity" in by_client["big_transfer"]
    assert "abnormal_activity" not in by_client["usd_transfer"] | by_client["edge_transfer"]


def test_it_handles_an_empty_lake(tmp_path: Path) -> None:
    data = Dataset(customers=[customer("new", date(2026, 3, 31)), customer("later", date(2026, 4, 1))])
    engine, memberships, features = engine_and_pandas(tmp_path, data, date(2026, 3, 31))
    assert_same_pandas_features(engine.features, features)
    assert membership_tuples(memberships) == membership_tuples(engine.memberships)
    assert list(memberships.columns) == ["customer_no", "segment_code", "dimension"]

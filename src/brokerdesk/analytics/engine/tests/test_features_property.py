"""The feature SQL agrees with the plain-Python reference on random small lakes."""

import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokerdesk.analytics.engine.features import compute_features
from brokerdesk.analytics.engine.tests.lakekit import Dataset, assert_same_feature_rows, customer, money, write_lake
from brokerdesk.analytics.engine.tests.reference import minus_months, reference_features

# Weekdays over 16 months: long enough for the 12-month windows, month ends and a 3-months-ago base.
DAYS = [d for d in (date(2025, 1, 1) + timedelta(days=i) for i in range(485)) if d.weekday() < 5]
SECURITIES = [
    {"market": "SH", "security_code": "600000", "risk_level": "R2"},
    {"market": "SH", "security_code": "600001", "risk_level": "R4"},
    {"market": "SH", "security_code": "600002", "risk_level": "R5"},
]
CLIENTS = ["c1", "c2", "c3", "c4"]

clients = st.sampled_from(CLIENTS)
amounts = st.one_of(st.sampled_from([0, 1, 100000, 500000]), st.decimals(0, 5_000_000, places=2))


def window_edges(as_of: date) -> list[date]:
    edges = [minus_months(as_of, n) for n in (1, 3, 6, 12)] + [as_of - timedelta(days=30), as_of]
    return sorted({edge + timedelta(days=k) for edge in edges for k in (-1, 0, 1)})


@st.composite
def datasets(draw: st.DrawFn) -> tuple[Dataset, date]:
    as_of = draw(st.sampled_from(DAYS[-80:]) | st.sampled_from([date(2026, 5, 2), date(2026, 3, 31)]))
    customers = [
        customer(
            no,
            draw(st.dates(date(2024, 1, 1), date(2026, 5, 31))),
            kind=draw(st.sampled_from(["person", "institution", "corporate", "product"])),
            birth_date=draw(st.none() | st.dates(date(1940, 1, 1), date(2008, 12, 31)) | st.just(date(1988, 2, 29))),
        )
        for no in draw(st.lists(clients, min_size=1, max_size=4, unique=True))
    ]
    data = Dataset(customers=customers, securities=SECURITIES)
    # Half the facts fall on or next to a window edge, where off-by-one errors live.
    days = st.sampled_from(DAYS) | st.sampled_from(window_edges(as_of))
    for day, no in draw(st.lists(st.tuples(days, clients), max_size=40, unique=True)):
        data.assets(day, no, draw(amounts))
    for day, no, amount in draw(st.lists(st.tuples(days, clients, amounts.filter(bool)), max_size=40)):
        data.trade(day, no, amount)
    directions, currencies = st.sampled_from(["in", "out"]), st.sampled_from(["CNY", "USD"])
    transfers = st.tuples(days, clients, directions, amounts.filter(bool), currencies)
    for day, no, direction, amount, currency in draw(st.lists(transfers, max_size=20)):
        data.transfer(day, no, direction, amount, currency)
    position_days = st.sampled_from([DAYS[-1], DAYS[-30], DAYS[-100]])
    codes = st.sampled_from(["600000", "600001", "600002", "999999"])  # 999999 is not in the securities master
    for day, no, code in draw(st.lists(st.tuples(position_days, clients, codes), max_size=15, unique=True)):
        data.position(day, no, code, draw(amounts))
    if draw(st.booleans()):
        data.trading_days = [d for d in DAYS if d <= as_of][-draw(st.integers(1, 30)) :]
    return data, as_of


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(datasets())
def test_it_matches_the_reference_on_random_lakes(case: tuple[Dataset, date]) -> None:
    data, as_of = case
    with tempfile.TemporaryDirectory() as root:
        table = compute_features(None, sources=write_lake(Path(root), data), as_of=as_of)
    actual = {row["customer_no"]: row for row in table.to_pylist()}
    assert_same_feature_rows(actual, reference_features(data, as_of))


def test_it_reads_only_clients_opened_by_the_as_of_date(tmp_path: Path) -> None:
    data = Dataset(customers=[customer("old", date(2025, 1, 1)), customer("future", date(2026, 1, 2))])
    data.assets(date(2025, 12, 31), "future", money(5))
    table = compute_features(None, sources=write_lake(tmp_path, data), as_of=date(2026, 1, 1))
    assert table.column("customer_no").to_pylist() == ["old"]

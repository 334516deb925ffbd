"""Trading-permission figures over real Parquet files laid out as the intake publishes them
(<entity>/date=YYYY-MM-DD/v=<version>/part-0.parquet): exact averages at the threshold, missing days as 0, the
first trade."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from brokerdesk.analytics.engine.lake import write_file
from brokerdesk.analytics.engine.permissions import asset_window, average_truncated, first_trade_date

MONEY = pa.decimal128(18, 2)
CLIENT = "100000001"
OTHER = "100000002"


def weekdays(start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def write_snapshots(root: Path, rows: dict[date, list[tuple[str, str]]]) -> list[str]:
    """{day: [(customer_no, total_assets)]} → one file per day, oldest first, with every contract column."""
    files = []
    for day in sorted(rows):
        path = root / "asset_snapshots" / f"date={day.isoformat()}" / "v=20240101T000000" / "part-0.parquet"
        values = rows[day]
        write_file(path, pa.table({
            "date": pa.array([day] * len(values), pa.date32()),
            "customer_no": [no for no, _ in values],
            "total_assets": pa.array([Decimal(v) for _, v in values], MONEY),
            "cash": pa.array([Decimal(v) for _, v in values], MONEY),
            "market_value": pa.array([Decimal(0)] * len(values), MONEY),
        }))
        files.append(str(path))
    return files


def write_trades(root: Path, rows: dict[date, list[str]]) -> list[str]:
    files = []
    for day in sorted(rows):
        path = root / "trades" / f"date={day.isoformat()}" / "v=1" / "part-0.parquet"
        clients = rows[day]
        write_file(path, pa.table({
            "date": pa.array([day] * len(clients), pa.date32()),
            "trade_id": [f"T{i}" for i in range(len(clients))],
            "customer_no": clients,
            "market": ["SZ"] * len(clients),
            "security_code": ["000001"] * len(clients),
            "side": ["B"] * len(clients),
            "quantity": pa.array([100] * len(clients), pa.int64()),
            "price": pa.array([Decimal("10.0000")] * len(clients), pa.decimal128(14, 4)),
            "amount": pa.array([Decimal("1000.00")] * len(clients), MONEY),
            "commission": pa.array([Decimal("5.00")] * len(clients), pa.decimal128(14, 2)),
        }))
        files.append(str(path))
    return files


DAYS = weekdays(date(2024, 3, 4), 20)


def test_it_averages_exactly_one_cent_below_the_chinext_threshold(tmp_path):
    # 19 days of 100,000.00 and one of 99,999.80: sum 1,999,999.80 / 20 = 99,999.99.
    totals = {day: "100000.00" for day in DAYS}
    totals[DAYS[7]] = "99999.80"
    files = write_snapshots(tmp_path, {day: [(CLIENT, v), (OTHER, "9000000.00")] for day, v in totals.items()})
    window = asset_window(files, CLIENT, DAYS)
    assert window.total == Decimal("1999999.80")
    assert window.average == Decimal("99999.99")
    assert window.days_with_assets == 20


def test_it_averages_exactly_the_chinext_threshold(tmp_path):
    files = write_snapshots(tmp_path, {day: [(CLIENT, "100000.00")] for day in DAYS})
    window = asset_window(files, CLIENT, DAYS)
    assert window.total == Decimal("2000000.00")
    assert window.average == Decimal("100000.00")


def test_it_truncates_the_average_instead_of_rounding_it_up(tmp_path):
    # 1,999,999.99 / 20 = 99,999.9995: rounding would reach 100,000.00 and wrongly pass the threshold.
    totals = {day: "100000.00" for day in DAYS}
    totals[DAYS[0]] = "99999.99"
    files = write_snapshots(tmp_path, {day: [(CLIENT, v)] for day, v in totals.items()})
    window = asset_window(files, CLIENT, DAYS)
    assert window.total == Decimal("1999999.99")
    assert window.average == Decimal("99999.99")
    assert isinstance(window.average, Decimal)


def test_it_counts_a_day_without_a_snapshot_as_zero(tmp_path):
    # The client has nothing on two days (no row; another client does): 18 × 110,000 / 20 = 99,000.
    rows = {day: [(OTHER, "1.00")] + ([] if i in (3, 11) else [(CLIENT, "110000.00")]) for i, day in enumerate(DAYS)}
    files = write_snapshots(tmp_path, rows)
    window = asset_window(files, CLIENT, DAYS)
    assert window.days_with_assets == 18
    assert window.average == Decimal("99000.00")
    assert window.rows()[3] == (DAYS[3], None)
    assert window.rows()[4] == (DAYS[4], Decimal("110000.00"))


def test_it_counts_the_days_the_lake_has_no_file_for_as_zero_too(tmp_path):
    files = write_snapshots(tmp_path, {day: [(CLIENT, "200000.00")] for day in DAYS[10:]})
    window = asset_window(files, CLIENT, DAYS)
    assert window.days == tuple(DAYS)
    assert window.average == Decimal("100000.00")  # 10 × 200,000 / 20


def test_it_reads_only_the_days_of_the_window(tmp_path):
    """Snapshots outside the window (and weekend rows between its days) are ignored, even in the files."""
    before, after = date(2024, 3, 1), DAYS[-1] + timedelta(days=3)
    saturday = date(2024, 3, 9)
    rows = {day: [(CLIENT, "100000.00")] for day in DAYS}
    rows.update({before: [(CLIENT, "5000000.00")], after: [(CLIENT, "5000000.00")],
                 saturday: [(CLIENT, "5000000.00")]})
    files = write_snapshots(tmp_path, rows)
    window = asset_window(files, CLIENT, DAYS)
    assert window.average == Decimal("100000.00")
    assert saturday not in window.days


def test_it_gives_zero_for_an_empty_lake_or_window(tmp_path):
    assert asset_window([], CLIENT, DAYS).average == Decimal("0.00")
    assert asset_window([], CLIENT, DAYS).days_with_assets == 0
    assert asset_window([], CLIENT, []).average == Decimal("0.00")


@pytest.mark.parametrize(("total", "days", "average"), [
    ("2000000.00", 20, "100000.00"),
    ("1999999.99", 20, "99999.99"),
    ("100000.00", 3, "33333.33"),
    ("200000.00", 3, "66666.66"),
    ("0.01", 20, "0.00"),
    ("0", 1, "0.00"),
])
def test_it_truncates_averages_to_the_cent(total, days, average):
    assert average_truncated(Decimal(total), days) == Decimal(average)


def test_it_refuses_an_empty_division():
    with pytest.raises(ValueError):
        average_truncated(Decimal(1), 0)


def test_it_finds_the_first_trade_of_the_client(tmp_path):
    files = write_trades(tmp_path, {
        date(2023, 1, 3): [OTHER], date(2023, 2, 6): [OTHER, CLIENT], date(2023, 5, 8): [CLIENT],
    })
    assert first_trade_date(files, CLIENT) == date(2023, 2, 6)
    assert first_trade_date(files, OTHER) == date(2023, 1, 3)
    assert first_trade_date(files, "999") is None
    assert first_trade_date([], CLIENT) is None
    assert first_trade_date(files, CLIENT, until=date(2023, 2, 5)) is None


def test_it_finds_the_first_trade_whichever_chunk_holds_it(tmp_path):
    days = weekdays(date(2023, 1, 2), 10)
    files = write_trades(tmp_path, {day: [OTHER] + ([CLIENT] if day >= days[7] else []) for day in days})
    for chunk in (1, 2, 3, 64):
        assert first_trade_date(files, CLIENT, chunk=chunk) == days[7]
        assert first_trade_date(files, OTHER, chunk=chunk) == days[0]

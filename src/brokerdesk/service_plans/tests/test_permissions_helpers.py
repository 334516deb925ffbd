"""A small published lake for permission tests: Parquet files under settings.LAKE_DIR, published as LakePartition
rows the way the intake does. (No tests here: helpers the permission tests share.)"""

from datetime import date, time, timedelta
from decimal import Decimal

import pyarrow as pa

from brokerdesk.analytics.engine.lake import ASSET_SNAPSHOTS, TRADES, write_file
from brokerdesk.core.lake import lake_root, publish, version_dir
from brokerdesk.service_plans.permission_rules import full_months_between

MONEY = pa.decimal128(18, 2)


def publish_snapshots(rows: dict[date, list[tuple[str, str | Decimal]]], version: str = "test") -> None:
    """{day: [(customer_no, total_assets)]}: one published partition per day."""
    for day, values in rows.items():
        path = version_dir(ASSET_SNAPSHOTS, day, version) / "part-0.parquet"
        count = write_file(path, pa.table({
            "date": pa.array([day] * len(values), pa.date32()),
            "customer_no": [no for no, _ in values],
            "total_assets": pa.array([Decimal(str(v)) for _, v in values], MONEY),
            "cash": pa.array([Decimal(str(v)) for _, v in values], MONEY),
            "market_value": pa.array([Decimal(0)] * len(values), MONEY),
        }))
        publish(ASSET_SNAPSHOTS, day, str(path.relative_to(lake_root())), count, version)


def publish_trades(rows: dict[date, list[str]], version: str = "test") -> None:
    """{day: [customer_no, …]}: one trade per client and day."""
    for day, clients in rows.items():
        path = version_dir(TRADES, day, version) / "part-0.parquet"
        n = len(clients)
        count = write_file(path, pa.table({
            "date": pa.array([day] * n, pa.date32()),
            "trade_id": [f"T{day:%Y%m%d}{i:04d}" for i in range(n)],
            "trade_time": pa.array([time(10, 0)] * n, pa.time64("us")),
            "customer_no": clients,
            "market": ["SZ"] * n,
            "security_code": ["000001"] * n,
            "side": ["B"] * n,
            "quantity": pa.array([100] * n, pa.int64()),
            "price": pa.array([Decimal("10.0000")] * n, pa.decimal128(14, 4)),
            "amount": pa.array([Decimal("1000.00")] * n, MONEY),
            "commission": pa.array([Decimal("5.00")] * n, pa.decimal128(14, 2)),
        }))
        publish(TRADES, day, str(path.relative_to(lake_root())), count, version)


def start_of_months(end: date, months: int) -> date:
    """The latest first-trade date that gives exactly `months` full months by `end` (the day after gives one
    month less)."""
    day = end
    while full_months_between(day, end) < months:
        day -= timedelta(days=1)
    return day

"""Small lakes for tests: rows as plain dicts, written as one Parquet file per entity and date, the way the
intake publishes them (brokerdesk.analytics.engine.lake.write_file)."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from brokerdesk.analytics.engine.features.catalogue import FEATURE_COLUMNS
from brokerdesk.analytics.engine.features.sources import CUSTOMER_SCHEMA, FACT_SCHEMAS, SECURITY_SCHEMA, FeatureSources
from brokerdesk.analytics.engine.lake import write_file


def customer(customer_no: str, opened_on: date, **overrides: object) -> dict:
    row = {
        "customer_no": customer_no,
        "kind": "person",
        "client_class": "mass",
        "opened_on": opened_on,
        "birth_date": date(1980, 6, 15),
        "status": "normal",
        "investor_category": "ordinary",
    }
    row.update(overrides)
    return row


def money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass
class Dataset:
    customers: list[dict]
    securities: list[dict] = field(default_factory=list)
    asset_snapshots: list[dict] = field(default_factory=list)  # date, customer_no, total_assets
    positions: list[dict] = field(default_factory=list)  # date, customer_no, market, security_code, market_value
    trades: list[dict] = field(default_factory=list)  # date, customer_no, amount
    fund_transfers: list[dict] = field(default_factory=list)  # date, customer_no, direction, amount, currency
    trading_days: list[date] | None = None

    def assets(self, day: date, customer_no: str, total: object) -> "Dataset":
        self.asset_snapshots.append({"date": day, "customer_no": customer_no, "total_assets": money(total)})
        return self

    def trade(self, day: date, customer_no: str, amount: object = 1000) -> "Dataset":
        self.trades.append({"date": day, "customer_no": customer_no, "amount": money(amount)})
        return self

    def transfer(
        self, day: date, customer_no: str, direction: str, amount: object, currency: str = "CNY"
    ) -> "Dataset":
        self.fund_transfers.append(
            {"date": day, "customer_no": customer_no, "direction": direction, "amount": money(amount),
             "currency": currency}
        )  # fmt: skip
        return self

    def position(self, day: date, customer_no: str, security_code: str, market_value: object) -> "Dataset":
        self.positions.append(
            {"date": day, "customer_no": customer_no, "market": "SH", "security_code": security_code,
             "market_value": money(market_value)}
        )  # fmt: skip
        return self


def write_lake(root: Path, data: Dataset) -> FeatureSources:
    """Fact files per date under root; customers as an Arrow table, securities as a Parquet file (both forms
    the engine accepts)."""
    files: dict[str, list[str]] = {}
    for entity, schema in FACT_SCHEMAS.items():
        by_date: dict[date, list[dict]] = defaultdict(list)
        for row in getattr(data, entity):
            by_date[row["date"]].append(row)
        files[entity] = []
        for day in sorted(by_date):
            path = root / entity / f"date={day.isoformat()}" / "v=1" / "part-0.parquet"
            write_file(path, pa.Table.from_pylist(by_date[day], schema=schema))
            files[entity].append(str(path))
    securities_path = root / "securities.parquet"
    write_file(securities_path, pa.Table.from_pylist(data.securities, schema=SECURITY_SCHEMA))
    return FeatureSources(
        customers=pa.Table.from_pylist(data.customers, schema=CUSTOMER_SCHEMA),
        securities=securities_path,
        trading_days=data.trading_days,
        **files,
    )


def assert_same_feature_rows(actual: dict, expected: dict) -> None:
    """Two feature tables as {customer_no: row}: equal, floats to 12 significant digits (sums in another order)."""
    assert actual.keys() == expected.keys()
    for no, row in expected.items():
        for column in FEATURE_COLUMNS:
            got, want = actual[no][column], row[column]
            if isinstance(want, float) and got is not None:
                assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-9), (no, column, got, want)
            else:
                assert got == want, (no, column, got, want)

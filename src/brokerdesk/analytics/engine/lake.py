"""The Parquet lake: facts partitioned by business date, one folder per entity.

    <lake>/<entity>/date=YYYY-MM-DD/part-0.parquet

Entities read here: asset_snapshots, trades, fund_transfers (written by intake, and by the demo).
Files inside a partition are sorted by customer_no, so a one-client read prunes row groups by
min/max statistics instead of scanning every row.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ASSET_SNAPSHOTS = "asset_snapshots"
TRADES = "trades"
FUND_TRANSFERS = "fund_transfers"


@dataclass(frozen=True)
class Lake:
    root: Path

    def entity_dir(self, entity: str) -> Path:
        return self.root / entity

    def partition_dir(self, entity: str, business_date: date) -> Path:
        return self.entity_dir(entity) / f"date={business_date.isoformat()}"

    def has(self, entity: str) -> bool:
        directory = self.entity_dir(entity)
        return directory.is_dir() and any(directory.glob("date=*/*.parquet"))

    def glob(self, entity: str) -> str:
        return str(self.entity_dir(entity) / "date=*" / "*.parquet")

    def write_partition(self, entity: str, business_date: date, table: pa.Table) -> Path:
        """Replace one date's partition atomically: write beside it, then rename over it."""
        target = self.partition_dir(entity, business_date)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(target.name + ".staging")
        staging.mkdir(exist_ok=True)
        for stale in staging.glob("*"):
            stale.unlink()
        if "customer_no" in table.column_names:
            table = table.sort_by("customer_no")
        pq.write_table(table, staging / "part-0.parquet", row_group_size=64_000)
        if target.exists():
            retired = target.with_name(target.name + ".retired")
            target.rename(retired)
            staging.rename(target)
            for old in retired.glob("*"):
                old.unlink()
            retired.rmdir()
        else:
            staging.rename(target)
        return target


def _query(lake: Lake, entity: str, sql: str, params: list) -> list[dict]:
    if not lake.has(entity):
        return []
    with duckdb.connect() as con:
        relation = con.execute(
            sql.replace("{source}", "read_parquet(?, hive_partitioning = true)"), [lake.glob(entity), *params]
        )
        columns = [d[0] for d in relation.description]
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


def asset_history(lake: Lake, customer_no: str, since: date) -> list[dict]:
    """Daily total, cash and market value for one client since a date, oldest first."""
    return _query(
        lake,
        ASSET_SNAPSHOTS,
        "SELECT date, total_assets, cash, market_value FROM {source} "
        "WHERE customer_no = ? AND date >= ? ORDER BY date",
        [customer_no, since],
    )


def recent_trades(lake: Lake, customer_no: str, limit: int = 20) -> list[dict]:
    return _query(
        lake,
        TRADES,
        "SELECT date, trade_time, security_code, security_name, side, quantity, price, amount, commission "
        "FROM {source} WHERE customer_no = ? ORDER BY date DESC, trade_time DESC LIMIT ?",
        [customer_no, limit],
    )


def recent_fund_transfers(lake: Lake, customer_no: str, limit: int = 20) -> list[dict]:
    return _query(
        lake,
        FUND_TRANSFERS,
        "SELECT date, transfer_time, direction, amount, bank FROM {source} "
        "WHERE customer_no = ? ORDER BY date DESC, transfer_time DESC LIMIT ?",
        [customer_no, limit],
    )

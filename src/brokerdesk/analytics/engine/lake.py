"""Reads and writes of lake files with DuckDB and Arrow. No Django: callers pass the published file paths
(brokerdesk.core.lake.current_files) and get plain rows back.

Files are sorted by customer_no, so a one-client read prunes row groups by min/max statistics.
"""

from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ASSET_SNAPSHOTS = "asset_snapshots"
POSITIONS = "positions"
TRADES = "trades"
FUND_TRANSFERS = "fund_transfers"
FACT_ENTITIES = (ASSET_SNAPSHOTS, POSITIONS, TRADES, FUND_TRANSFERS)
ROW_GROUP_SIZE = 122_880


def write_file(path: Path, table: pa.Table) -> int:
    """Write one immutable partition file (sorted by client); returns its row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if "customer_no" in table.column_names:
        table = table.sort_by("customer_no")
    pq.write_table(table, path, compression="zstd", row_group_size=ROW_GROUP_SIZE)
    return table.num_rows


def _query(files: list[str], sql: str, params: list) -> list[dict]:
    if not files:
        return []
    with duckdb.connect() as con:
        relation = con.execute(sql.replace("{source}", "read_parquet(?)"), [files, *params])
        columns = [d[0] for d in relation.description]
        return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


def asset_history(files: list[str], customer_no: str, since: date) -> list[dict]:
    """Daily total, cash and market value for one client since a date, oldest first."""
    return _query(
        files,
        "SELECT date, total_assets, cash, market_value FROM {source} "
        "WHERE customer_no = ? AND date >= ? ORDER BY date",
        [customer_no, since],
    )


def positions(files: list[str], customer_no: str) -> list[dict]:
    """One client's positions in the given (latest) positions files, largest market value first."""
    return _query(
        files,
        "SELECT date AS as_of, market, security_code, quantity, cost_price, market_value FROM {source} "
        "WHERE customer_no = ? ORDER BY market_value DESC, market, security_code",
        [customer_no],
    )


def recent_trades(files: list[str], customer_no: str, limit: int = 20) -> list[dict]:
    return _query(
        files,
        "SELECT date, CAST(trade_time AS VARCHAR) AS trade_time, market, security_code, side, quantity, price, "
        "amount, commission FROM {source} WHERE customer_no = ? ORDER BY date DESC, trade_time DESC LIMIT ?",
        [customer_no, limit],
    )


def recent_fund_transfers(files: list[str], customer_no: str, limit: int = 20) -> list[dict]:
    return _query(
        files,
        "SELECT date, CAST(transfer_time AS VARCHAR) AS transfer_time, direction, amount, currency, bank "
        "FROM {source} WHERE customer_no = ? ORDER BY date DESC, transfer_time DESC LIMIT ?",
        [customer_no, limit],
    )

"""What the feature SQL reads: published lake files per fact entity and the master data, as DuckDB views.

The engine imports no Django, so the caller resolves the inputs: fact files come from
brokerdesk.core.lake.current_files(entity), master data as Parquet files or Arrow tables it exported.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

# The columns the SQL reads, typed as the lake stores them. An entity without files is registered as an
# empty table of this shape, so that "no trades at all" is an ordinary case rather than a missing view.
MONEY = pa.decimal128(18, 2)
FACT_SCHEMAS: dict[str, pa.Schema] = {
    "asset_snapshots": pa.schema([("date", pa.date32()), ("customer_no", pa.string()), ("total_assets", MONEY)]),
    "positions": pa.schema(
        [
            ("date", pa.date32()),
            ("customer_no", pa.string()),
            ("market", pa.string()),
            ("security_code", pa.string()),
            ("market_value", MONEY),
        ]
    ),
    "trades": pa.schema([("date", pa.date32()), ("customer_no", pa.string()), ("amount", MONEY)]),
    "fund_transfers": pa.schema(
        [
            ("date", pa.date32()),
            ("customer_no", pa.string()),
            ("direction", pa.string()),
            ("amount", MONEY),
            ("currency", pa.string()),
        ]
    ),
}
# The master data the SQL reads, typed (callers may pass more columns; only these are read).
CUSTOMER_SCHEMA = pa.schema([
    ("customer_no", pa.string()),
    ("kind", pa.string()),
    ("client_class", pa.string()),
    ("opened_on", pa.date32()),
    ("birth_date", pa.date32()),
    ("status", pa.string()),
    ("investor_category", pa.string()),
])
SECURITY_SCHEMA = pa.schema([("market", pa.string()), ("security_code", pa.string()), ("risk_level", pa.string())])
CUSTOMER_COLUMNS = tuple(CUSTOMER_SCHEMA.names)
SECURITY_COLUMNS = tuple(SECURITY_SCHEMA.names)

MasterData = pa.Table | str | Path | Sequence[str | Path]


@dataclass(frozen=True)
class FeatureSources:
    """Inputs of one feature run.

    customers: one row per client with CUSTOMER_COLUMNS, or a callable giving them (called when needed;
    birth_date may be null: it is not in the intake
    contract, the operational DB derives it from the resident ID). securities: SECURITY_COLUMNS.
    Fact file lists may hold more dates than needed: the SQL filters by date and DuckDB skips the rest.
    """

    customers: MasterData | Callable[[], MasterData]
    securities: MasterData
    asset_snapshots: Sequence[str] = ()
    positions: Sequence[str] = ()
    trades: Sequence[str] = ()
    fund_transfers: Sequence[str] = ()
    trading_days: Sequence[date] | None = field(default=None)  # None: the dates that have asset snapshots

    def fact_files(self) -> dict[str, Sequence[str]]:
        return {
            "asset_snapshots": self.asset_snapshots,
            "positions": self.positions,
            "trades": self.trades,
            "fund_transfers": self.fund_transfers,
        }


def view_name(entity: str) -> str:
    return f"bd_{entity}"


def register_sources(con: duckdb.DuckDBPyConnection, sources: FeatureSources) -> None:
    """Create the bd_* views the feature SQL reads (replacing any from an earlier run on this connection),
    except the clients' (register_customers)."""
    for entity, files in sources.fact_files().items():
        if files:
            con.read_parquet([str(f) for f in files]).create_view(view_name(entity))
        else:
            con.from_arrow(FACT_SCHEMAS[entity].empty_table()).create_view(view_name(entity))
    _register_master_data(con, "securities", sources.securities, SECURITY_COLUMNS)


def register_customers(con: duckdb.DuckDBPyConnection, sources: FeatureSources) -> None:
    """The clients view. A callable `customers` is called here, only once the fact aggregates are done: the
    caller may still be reading the clients from its database meanwhile (segmentation's run does)."""
    customers = sources.customers() if callable(sources.customers) else sources.customers
    _register_master_data(con, "customers", customers, CUSTOMER_COLUMNS)


def _register_master_data(
    con: duckdb.DuckDBPyConnection, entity: str, data: MasterData, columns: tuple[str, ...]
) -> None:
    if isinstance(data, pa.Table):
        missing = [c for c in columns if c not in data.column_names]
        if missing:
            raise ValueError(f"{entity} table lacks columns {missing}")
        con.from_arrow(data.select(list(columns))).create_view(view_name(entity))
        return
    paths = [data] if isinstance(data, str | Path) else list(data)
    con.read_parquet([str(p) for p in paths]).select(*columns).create_view(view_name(entity))


"""Compute the feature table: one DuckDB query over the lake and the master data, returned as Arrow."""

from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from brokerdesk.analytics.engine.connection import engine_connection
from brokerdesk.analytics.engine.features.catalogue import FEATURE_COLUMNS, FEATURES_VERSION
from brokerdesk.analytics.engine.features.sources import (
    FeatureSources,
    register_customers,
    register_sources,
    view_name,
)
from brokerdesk.analytics.engine.features.state import FeatureState, usable_for
from brokerdesk.analytics.engine.features.windows import FeatureWindows, feature_windows

SQL_DIR = Path(__file__).parent


@cache
def feature_sql(version: str = FEATURES_VERSION) -> str:
    return (SQL_DIR / f"features_{version}.sql").read_text(encoding="utf-8")


def compute_features(
    con: duckdb.DuckDBPyConnection | None, *, sources: FeatureSources, as_of: date
) -> pa.Table:
    """One row per client opened on or before `as_of`, columns FEATURE_COLUMNS (see catalogue.py).

    Pass a connection to share it with the rule evaluation (engine_connection() sizes one); without one, a
    connection with the default limits is opened and closed here. Row order is unspecified.
    """
    return compute_features_with_state(con, sources=sources, as_of=as_of)[0]


def compute_features_with_state(
    con: duckdb.DuckDBPyConnection | None,
    *,
    sources: FeatureSources,
    as_of: date,
    previous: FeatureState | None = None,
) -> tuple[pa.Table, FeatureState, bool]:
    """compute_features, plus the state the next day's run can start from, and whether `previous` was used
    (see state.py: the result is the same either way, only the work differs)."""
    if con is None:
        with engine_connection() as own:
            return compute_features_with_state(own, sources=sources, as_of=as_of, previous=previous)
    register_sources(con, sources)
    windows = resolve_windows(con, sources, as_of)
    parameters = windows.as_sql_parameters()
    incremental = usable_for(previous, as_of=as_of, windows=windows, trade_files=list(sources.trades),
                             asset_files=list(sources.asset_snapshots),
                             earliest_date_of=lambda files: _earliest_date(con, files))
    if incremental:
        parameters |= previous.windows.as_previous_parameters()
        con.from_arrow(previous.trade_stats).create_view("bd_trade_state")
        con.from_arrow(previous.asset_sums).create_view("bd_asset_state")
    suffix = "_delta" if incremental else ""
    trade_stats = _materialise(con, "bd_trade_stats", sql_file(f"trade_stats{suffix}"), parameters)
    asset_stats = _materialise(con, "bd_asset_stats", sql_file(f"asset_stats{suffix}"), parameters)
    _materialise(con, "bd_transfer_stats", sql_file("transfer_stats"), parameters)
    _materialise(con, "bd_holding_stats", sql_file("holding_stats"), parameters)
    register_customers(con, sources)
    table = con.sql(feature_sql(), params=_used(feature_sql(), parameters)).to_arrow_table()
    if tuple(table.column_names) != FEATURE_COLUMNS:
        raise RuntimeError(f"features_{FEATURES_VERSION}.sql columns differ from the catalogue: {table.column_names}")
    state = FeatureState(as_of=as_of, windows=windows, trade_files=tuple(sources.trades),
                         asset_files=tuple(sources.asset_snapshots), trade_stats=trade_stats,
                         asset_sums=asset_stats.select(["customer_no", "assets_sum_20d"]))
    return table, state, incremental


@cache
def sql_file(name: str, version: str = FEATURES_VERSION) -> str:
    return (SQL_DIR / f"{name}_{version}.sql").read_text(encoding="utf-8")


def _used(sql: str, parameters: dict[str, object]) -> dict[str, object]:
    """DuckDB rejects named parameters a statement does not mention: pass each statement its own."""
    return {name: value for name, value in parameters.items() if f"${name}" in sql}


def _materialise(con: duckdb.DuckDBPyConnection, name: str, sql: str, parameters: dict) -> pa.Table:
    """Run a stats query once, keep it as a table the feature query joins, and hand it back for the state."""
    table = con.sql(sql, params=_used(sql, parameters)).to_arrow_table()
    con.from_arrow(table).create_view(name)
    return table


def _earliest_date(con: duckdb.DuckDBPyConnection, files: list[str]) -> date | None:
    return con.read_parquet([str(f) for f in files]).aggregate("min(date)").fetchall()[0][0]


def resolve_windows(con: duckdb.DuckDBPyConnection, sources: FeatureSources, as_of: date) -> FeatureWindows:
    """Window bounds from the dates present in the lake (only the date column is read, and it is constant
    within a lake file, so this costs little)."""
    snapshot_dates = _distinct_dates(con, view_name("asset_snapshots"), as_of)
    position_dates = _distinct_dates(con, view_name("positions"), as_of)
    return feature_windows(
        as_of,
        trading_days=sources.trading_days if sources.trading_days is not None else snapshot_dates,
        asset_snapshot_dates=snapshot_dates,
        latest_position_date=max(position_dates, default=None),
    )


def _distinct_dates(con: duckdb.DuckDBPyConnection, view: str, as_of: date) -> list[date]:
    # The view name is one of our constants (sources.view_name), never caller text.
    rows = con.sql(f"SELECT DISTINCT date FROM {view} WHERE date <= $as_of", params={"as_of": as_of}).fetchall()  # noqa: S608
    return [row[0] for row in rows]

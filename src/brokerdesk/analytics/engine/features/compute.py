"""Compute the feature table: one DuckDB query over the lake and the master data, returned as Arrow."""

from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from brokerdesk.analytics.engine.connection import engine_connection
from brokerdesk.analytics.engine.features.catalogue import FEATURE_COLUMNS, FEATURES_VERSION
from brokerdesk.analytics.engine.features.sources import FeatureSources, register_sources, view_name
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
    if con is None:
        with engine_connection() as own:
            return compute_features(own, sources=sources, as_of=as_of)
    register_sources(con, sources)
    windows = resolve_windows(con, sources, as_of)
    table = con.sql(feature_sql(), params=windows.as_sql_parameters()).to_arrow_table()
    if tuple(table.column_names) != FEATURE_COLUMNS:
        raise RuntimeError(f"features_{FEATURES_VERSION}.sql columns differ from the catalogue: {table.column_names}")
    return table


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

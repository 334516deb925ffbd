"""A straightforward pandas implementation of client segmentation: the baseline the segmentation benchmark
measures the DuckDB engine (brokerdesk.analytics.engine.segmentation.segment_clients) against, on the same
data in the same run.

It is written the way a competent analyst would write it in pandas, neither deliberately slow nor tuned:
pd.read_parquet of the fact files (only the needed columns, with the date range pushed down through
read_parquet's `filters`), the exact windows as pandas masks, groupby aggregations, left merges onto the
clients, then the seed rules (rules/seed.py) transcribed as pandas boolean expressions: np.select for the
exclusive dimensions (tier, style, class: first match in rule order), one mask per group or tag.

It must agree with the engine exactly, membership for membership: the features follow features_v1.sql and
the catalogue (features/catalogue.py), and the rules follow SQL's NULL semantics (a comparison with a missing
feature is not a match). Money is read as integer fen (int64), so that sums are exact like the engine's
decimal sums and become floats only at the end, as in the SQL. tests/test_bench_pandas_baseline.py checks
the agreement on small random lakes.

Only the seed rule set is implemented: SEED_RULES lists the rule texts transcribed here, and the test fails
when rules/seed.py changes without this file.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from brokerdesk.analytics.engine.features.sources import (
    CUSTOMER_COLUMNS,
    FACT_SCHEMAS,
    SECURITY_COLUMNS,
    FeatureSources,
    MasterData,
)

ASSET_WINDOW_TRADING_DAYS = 20
TRANSFER_WINDOW_DAYS = 30
TRADE_WINDOW_MONTHS = (1, 3, 6, 12)
RISK_LEVELS = {"R1": 1, "R2": 2, "R3": 3, "R4": 4, "R5": 5}
MONEY_COLUMNS = {"total_assets", "market_value", "amount"}
MEMBERSHIP_COLUMNS = ["customer_no", "segment_code", "dimension"]

# (dimension, segment_code, rule text) of every rule transcribed in seed_memberships, in rule-set order.
SEED_RULES: tuple[tuple[str, str, str], ...] = (
    ("tier", "diamond", "avg_assets_20d >= 3000000"),
    ("tier", "platinum", "avg_assets_20d >= 500000 and avg_assets_20d < 3000000"),
    ("tier", "gold", "avg_assets_20d >= 100000 and avg_assets_20d < 500000"),
    ("tier", "silver", "avg_assets_20d < 100000"),
    ("style", "trading", "avg_monthly_trades_3m >= 20"),
    ("style", "investment", "true"),
    ("class", "institutional", "client_kind in ('institution', 'product')"),
    ("class", "corporate", "client_kind = 'corporate'"),
    ("class", "high_net_worth", "client_class_source = 'hnw' or avg_assets_20d >= 1000000"),
    ("class", "mass", "true"),
    ("group", "core", "avg_assets_20d >= 500000 and months_since_open >= 6"),
    ("group", "newly_opened", "days_since_open <= 90"),
    (
        "group",
        "abnormal_activity",
        "(trades_1m >= 20 and trades_1m >= 5 * (trades_12m - trades_1m) / 11)"
        " or (largest_transfer_30d >= 1000000 and largest_transfer_30d >= 2 * avg_assets_20d)",
    ),
    ("group", "dormant", "trades_12m = 0 and months_since_open >= 12"),
    ("group", "never_traded", "last_trade_date is null"),
    (
        "group",
        "high_potential",
        "avg_assets_20d < 500000 and (net_inflow_30d >= 200000"
        " or (assets_change_3m_pct >= 50 and total_assets >= 100000))",
    ),
    ("group", "churn_risk", "assets_change_3m_pct <= -30"),
    ("tag", "professional_investor", "investor_category = 'professional'"),
    ("tag", "high_risk_holdings", "max_product_risk_held >= 4"),
)


# Public API ---------------------------------------------------------------------------------------------------


def pandas_segment(sources: FeatureSources, as_of: date) -> pd.DataFrame:
    """Seed-rule memberships of every client opened on or before `as_of`: columns customer_no, segment_code,
    dimension (one row per membership, row order unspecified), as segment_clients(...).memberships."""
    return seed_memberships(pandas_features(sources, as_of))


def pandas_features(sources: FeatureSources, as_of: date) -> pd.DataFrame:
    """The features of features_v1.sql, one row per client opened on or before `as_of` (row order unspecified).

    Numbers are float64 (NaN for NULL), counts int64, nullable integers Int64, dates datetime64 (NaT for NULL).
    """
    windows = feature_windows(sources, as_of)
    clients = _read_master(sources.customers, CUSTOMER_COLUMNS)
    clients = clients[clients["opened_on"] <= windows.as_of]
    features = (
        clients.merge(_asset_stats(sources, windows), on="customer_no", how="left")
        .merge(_trade_stats(sources, windows), on="customer_no", how="left")
        .merge(_transfer_stats(sources, windows), on="customer_no", how="left")
        .merge(_holding_stats(sources, windows), on="customer_no", how="left")
    )
    return _feature_columns(features, windows)


def seed_memberships(features: pd.DataFrame) -> pd.DataFrame:
    """The seed rule set (rules/seed.py, transcribed in SEED_RULES) over a feature frame."""
    f = features
    avg = f["avg_assets_20d"]
    parts = [
        _first_match(
            f,
            "tier",
            [
                ("diamond", avg >= 3_000_000),
                ("platinum", (avg >= 500_000) & (avg < 3_000_000)),
                ("gold", (avg >= 100_000) & (avg < 500_000)),
                ("silver", avg < 100_000),
            ],
        ),
        _first_match(
            f,
            "style",
            [("trading", f["avg_monthly_trades_3m"] >= 20), ("investment", pd.Series(True, index=f.index))],
        ),
        _first_match(
            f,
            "class",
            [
                ("institutional", f["client_kind"].isin(["institution", "product"])),
                ("corporate", f["client_kind"] == "corporate"),
                ("high_net_worth", _sql_true(f["client_class_source"] == "hnw") | (avg >= 1_000_000)),
                ("mass", pd.Series(True, index=f.index)),
            ],
        ),
    ]
    # Each operand goes through _sql_true before | so that a NULL operand counts as "not true" (SQL's
    # NULL OR TRUE is TRUE, NULL OR FALSE is not true); & needs no care, as no rule negates.
    trades_1m, trades_12m = f["trades_1m"], f["trades_12m"]
    largest_transfer = f["largest_transfer_30d"]
    grows = _sql_true((f["assets_change_3m_pct"] >= 50) & (f["total_assets"] >= 100_000))
    groups = {
        "core": (avg >= 500_000) & (f["months_since_open"] >= 6),
        "newly_opened": f["days_since_open"] <= 90,
        "abnormal_activity": _sql_true((trades_1m >= 20) & (trades_1m >= 5 * (trades_12m - trades_1m) / 11))
        | _sql_true((largest_transfer >= 1_000_000) & (largest_transfer >= 2 * avg)),
        "dormant": (trades_12m == 0) & (f["months_since_open"] >= 12),
        "never_traded": f["last_trade_date"].isna(),
        "high_potential": (avg < 500_000) & (_sql_true(f["net_inflow_30d"] >= 200_000) | grows),
        "churn_risk": f["assets_change_3m_pct"] <= -30,
    }
    tags = {
        "professional_investor": f["investor_category"] == "professional",
        "high_risk_holdings": f["max_product_risk_held"] >= 4,
    }
    parts += [_each_match(f, "group", code, mask) for code, mask in groups.items()]
    parts += [_each_match(f, "tag", code, mask) for code, mask in tags.items()]
    return pd.concat(parts, ignore_index=True)


def membership_tuples(memberships: pd.DataFrame | pa.Table) -> list[tuple[str, str, str]]:
    """(customer_no, segment_code, dimension) rows, sorted, from this module's DataFrame or the engine's Arrow
    table, for an exact comparison of the two."""
    if isinstance(memberships, pa.Table):
        rows = memberships.select(MEMBERSHIP_COLUMNS).to_pylist()
        return sorted((r["customer_no"], r["segment_code"], r["dimension"]) for r in rows)
    frame = memberships[MEMBERSHIP_COLUMNS].astype(object)
    return sorted((str(no), str(code), str(dim)) for no, code, dim in frame.itertuples(index=False, name=None))


# Windows ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    """The window bounds of one run (catalogue.py, "Time windows"), as pandas Timestamps."""

    as_of: pd.Timestamp
    asset_days: list[pd.Timestamp]  # the last 20 trading days on or before T (fewer in a young lake)
    asset_base_date_3m: pd.Timestamp | None  # latest snapshot date on or before T - 3 months
    trades_after: dict[int, pd.Timestamp]  # months -> the excluded lower bound of (T - n months, T]
    transfers_after: pd.Timestamp
    latest_position_date: pd.Timestamp | None


def feature_windows(sources: FeatureSources, as_of: date) -> Windows:
    t = pd.Timestamp(as_of)
    snapshot_dates = _distinct_dates(sources.asset_snapshots, t)
    position_dates = _distinct_dates(sources.positions, t)
    if sources.trading_days is not None:
        trading_days = sorted({pd.Timestamp(d) for d in sources.trading_days if pd.Timestamp(d) <= t})
    else:
        trading_days = snapshot_dates
    base_candidates = [d for d in snapshot_dates if d <= _months_before(t, 3)]
    return Windows(
        as_of=t,
        asset_days=trading_days[-ASSET_WINDOW_TRADING_DAYS:],
        asset_base_date_3m=base_candidates[-1] if base_candidates else None,
        # pandas' DateOffset clamps to the end of a shorter month, as the catalogue's "n months" does.
        trades_after={months: _months_before(t, months) for months in TRADE_WINDOW_MONTHS},
        transfers_after=t - pd.Timedelta(days=TRANSFER_WINDOW_DAYS),
        latest_position_date=position_dates[-1] if position_dates else None,
    )


def _months_before(day: pd.Timestamp, months: int) -> pd.Timestamp:
    return day - pd.DateOffset(months=months)


def _distinct_dates(files: Sequence[str], as_of: pd.Timestamp) -> list[pd.Timestamp]:
    # File by file: the date column is all that is read, and memory stays small.
    dates: set[pd.Timestamp] = set()
    for file in files:
        column = pd.read_parquet(file, columns=["date"], dtype_backend="pyarrow", partitioning=None)["date"]
        dates.update(pd.Timestamp(d) for d in column.unique() if not pd.isna(d))
    return sorted(d for d in dates if d <= as_of)


# Reading ------------------------------------------------------------------------------------------------------


def _read_facts(
    files: Sequence[str], entity: str, columns: list[str], filters: list[tuple] | None = None
) -> pd.DataFrame:
    """Fact rows from lake files: dates as datetime64, money as int64 fen, text as pyarrow strings."""
    if files:
        # partitioning=None: the lake's paths look like Hive partitions (date=.../v=1/), but the files carry
        # their own date column.
        frame = pd.read_parquet(
            [str(f) for f in files], columns=columns, filters=filters, dtype_backend="pyarrow", partitioning=None
        )
    else:
        frame = FACT_SCHEMAS[entity].empty_table().select(columns).to_pandas(types_mapper=pd.ArrowDtype)
    for column in columns:
        if column == "date":
            frame[column] = _datetimes(frame[column])
        elif column in MONEY_COLUMNS:
            frame[column] = (frame[column].astype("float64") * 100).round().astype("int64")
    return frame


def _read_master(data: MasterData, columns: tuple[str, ...]) -> pd.DataFrame:
    if isinstance(data, pa.Table):
        frame = data.select(list(columns)).to_pandas(types_mapper=pd.ArrowDtype)
    else:
        paths = [data] if isinstance(data, str | Path) else list(data)
        frame = pd.read_parquet(
            [str(p) for p in paths], columns=list(columns), dtype_backend="pyarrow", partitioning=None
        )
    for column in ("opened_on", "birth_date"):
        if column in frame:
            frame[column] = _datetimes(frame[column])
    return frame


def _datetimes(dates: pd.Series) -> pd.Series:
    # Through an Arrow timestamp: pandas 2 turns an Arrow date column into datetime64 element by element.
    return dates.astype(pd.ArrowDtype(pa.timestamp("ns"))).astype("datetime64[ns]")


# Aggregates per client ----------------------------------------------------------------------------------------


def _asset_stats(sources: FeatureSources, w: Windows) -> pd.DataFrame:
    """Fen on the 20 days (summed), on the latest trading day, and on the 3-months-ago base day."""
    needed = [d for d in (w.asset_days[0] if w.asset_days else None, w.asset_base_date_3m) if d is not None]
    columns = ["date", "customer_no", "total_assets"]
    if needed:
        filters = [("date", ">=", min(needed).date()), ("date", "<=", w.as_of.date())]
        rows = _read_facts(sources.asset_snapshots, "asset_snapshots", columns, filters)
    else:
        rows = _read_facts((), "asset_snapshots", columns)
    fen, day = rows["total_assets"], rows["date"]
    no_day = pd.Series(False, index=rows.index)
    in_window = (day >= w.asset_days[0]) & (day <= w.as_of) if w.asset_days else no_day
    on_latest = day == w.asset_days[-1] if w.asset_days else no_day
    on_base = day == w.asset_base_date_3m if w.asset_base_date_3m is not None else no_day
    rows = rows.assign(
        assets_sum_20d=fen.where(in_window, 0),
        assets_latest=fen.where(on_latest, 0),
        assets_base_3m=fen.where(on_base, 0),
    )
    return rows.groupby("customer_no", as_index=False)[["assets_sum_20d", "assets_latest", "assets_base_3m"]].sum()


def _trade_stats(sources: FeatureSources, w: Windows) -> pd.DataFrame:
    filters = [("date", "<=", w.as_of.date())]
    trades = _read_facts(sources.trades, "trades", ["date", "customer_no", "amount"], filters)
    trades = trades[trades["date"] <= w.as_of]
    day = trades["date"]
    trades = trades.assign(
        **{f"in_{m}m": day > after for m, after in w.trades_after.items()},
        amount_3m=trades["amount"].where(day > w.trades_after[3], 0),
    )
    return trades.groupby("customer_no", as_index=False).agg(
        trades_1m=("in_1m", "sum"),
        trades_3m=("in_3m", "sum"),
        trades_6m=("in_6m", "sum"),
        trades_12m=("in_12m", "sum"),
        traded_amount_3m=("amount_3m", "sum"),
        last_trade_date=("date", "max"),
    )


def _transfer_stats(sources: FeatureSources, w: Windows) -> pd.DataFrame:
    columns = ["date", "customer_no", "direction", "amount", "currency"]
    filters = [("date", ">", w.transfers_after.date()), ("date", "<=", w.as_of.date())]
    transfers = _read_facts(sources.fund_transfers, "fund_transfers", columns, filters)
    # CNY only: the intake carries no exchange rates.
    keep = (transfers["date"] > w.transfers_after) & (transfers["date"] <= w.as_of)
    transfers = transfers[keep & _sql_true(transfers["currency"] == "CNY")]
    direction = transfers["direction"]
    transfers = transfers.assign(
        inflow_30d=transfers["amount"].where(_sql_true(direction == "in"), 0),
        outflow_30d=transfers["amount"].where(_sql_true(direction == "out"), 0),
    )
    return transfers.groupby("customer_no", as_index=False).agg(
        inflow_30d=("inflow_30d", "sum"),
        outflow_30d=("outflow_30d", "sum"),
        largest_transfer_30d=("amount", "max"),
    )


def _holding_stats(sources: FeatureSources, w: Windows) -> pd.DataFrame:
    columns = ["date", "customer_no", "market", "security_code", "market_value"]
    if w.latest_position_date is None:
        positions = _read_facts((), "positions", columns)
    else:
        filters = [("date", "==", w.latest_position_date.date())]
        positions = _read_facts(sources.positions, "positions", columns, filters)
        positions = positions[positions["date"] == w.latest_position_date]
    securities = _read_master(sources.securities, SECURITY_COLUMNS)
    # dropna: SQL's join never matches NULL keys, pandas' merge would.
    securities = securities.dropna(subset=["market", "security_code"])
    securities = securities.assign(risk=securities["risk_level"].map(RISK_LEVELS).astype("float64"))
    positions = positions.merge(
        securities[["market", "security_code", "risk"]], on=["market", "security_code"], how="left"
    )
    return positions.groupby("customer_no", as_index=False).agg(
        holdings_count=("market_value", "size"),
        holdings_value=("market_value", "sum"),
        largest_holding_value=("market_value", "max"),
        max_product_risk_held=("risk", "max"),
    )


# The feature table --------------------------------------------------------------------------------------------


def _feature_columns(df: pd.DataFrame, w: Windows) -> pd.DataFrame:
    t = w.as_of
    counts = ["trades_1m", "trades_3m", "trades_6m", "trades_12m", "holdings_count"]
    fen = ["assets_sum_20d", "assets_latest", "assets_base_3m", "traded_amount_3m"]
    fen += ["inflow_30d", "outflow_30d", "largest_transfer_30d", "holdings_value"]
    # Clients without rows get 0 (they came through the left merges as NaN); float64 holds fen exactly.
    df[counts + fen] = df[counts + fen].fillna(0).astype("int64")

    opened, birth = df["opened_on"], df["birth_date"]
    total_assets = df["assets_latest"] / 100
    days = len(w.asset_days)
    avg_assets_20d = df["assets_sum_20d"] / 100 / days if days else pd.Series(0.0, index=df.index)
    base_fen = df["assets_base_3m"].astype("float64") if w.asset_base_date_3m is not None else np.nan
    base_fen = pd.Series(base_fen, index=df.index, dtype="float64")
    traded = df["traded_amount_3m"] / 100
    last_trade = df["last_trade_date"]
    before_birthday = (t.month < birth.dt.month) | ((t.month == birth.dt.month) & (t.day < birth.dt.day))
    return pd.DataFrame(
        {
            "customer_no": df["customer_no"],
            "client_kind": df["kind"],
            "client_class_source": df["client_class"],
            "investor_category": df["investor_category"],
            "status": df["status"],
            "opened_on": opened,
            # Whole months: a month is complete once the day of month is reached again.
            "months_since_open": (
                (t.year - opened.dt.year) * 12 + (t.month - opened.dt.month) - (t.day < opened.dt.day)
            ).astype("int64"),
            "days_since_open": (t - opened).dt.days.astype("int64"),
            "age": (t.year - birth.dt.year - before_birthday.astype("int64")).astype("Int64"),
            "total_assets": total_assets,
            "avg_assets_20d": avg_assets_20d,
            "assets_3m_ago": base_fen / 100,
            "assets_change_3m_pct": (df["assets_latest"] - base_fen) / 100 / (base_fen.replace(0, np.nan) / 100) * 100,
            "trades_1m": df["trades_1m"],
            "trades_3m": df["trades_3m"],
            "trades_6m": df["trades_6m"],
            "trades_12m": df["trades_12m"],
            "avg_monthly_trades_3m": df["trades_3m"] / 3,
            "traded_amount_3m": traded,
            "turnover_3m": traded / avg_assets_20d.replace(0, np.nan),
            "last_trade_date": last_trade,
            "days_since_last_trade": (t - last_trade).dt.days.astype("Int64"),
            "inflow_30d": df["inflow_30d"] / 100,
            "outflow_30d": df["outflow_30d"] / 100,
            "net_inflow_30d": (df["inflow_30d"] - df["outflow_30d"]) / 100,
            "largest_transfer_30d": df["largest_transfer_30d"] / 100,
            "holds_positions": df["holdings_count"] > 0,
            "holdings_count": df["holdings_count"],
            "holdings_value": df["holdings_value"] / 100,
            "top_holding_share": (df["largest_holding_value"] / 100) / (df["holdings_value"].replace(0, np.nan) / 100),
            "max_product_risk_held": df["max_product_risk_held"].astype("Int64"),
        }
    ).reset_index(drop=True)


# Rules --------------------------------------------------------------------------------------------------------


def _sql_true(mask: pd.Series) -> pd.Series:
    """A condition as SQL's WHERE sees it: NULL (NA) is not true."""
    return mask.fillna(False).astype(bool)


def _first_match(features: pd.DataFrame, dimension: str, rules: list[tuple[str, pd.Series]]) -> pd.DataFrame:
    codes = np.select([_sql_true(mask).to_numpy() for _, mask in rules], [code for code, _ in rules], default="")
    matched = codes != ""
    return pd.DataFrame(
        {"customer_no": features["customer_no"].to_numpy()[matched], "segment_code": codes[matched],
         "dimension": dimension}
    )  # fmt: skip


def _each_match(features: pd.DataFrame, dimension: str, code: str, mask: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_no": features.loc[_sql_true(mask), "customer_no"].to_numpy(), "segment_code": code,
         "dimension": dimension}
    )  # fmt: skip

"""What a segmentation run reads: the published lake files and the master data of the operational DB."""

from collections.abc import Callable
from datetime import date, timedelta

import pyarrow as pa

from brokerdesk.analytics.engine.features import FeatureSources
from brokerdesk.analytics.engine.features import sources as engine_sources
from brokerdesk.core.bulk import read_arrow
from brokerdesk.core.calendar import is_trading_day
from brokerdesk.core.lake import current_files
from brokerdesk.segmentation.client_cache import read_clients

# The engine's columns, preceded by the database id that write-back names clients by.
CUSTOMER_SCHEMA = engine_sources.CUSTOMER_SCHEMA.insert(0, pa.field("customer_id", pa.int64()))
SECURITY_SCHEMA = engine_sources.SECURITY_SCHEMA
# The trading-day list, positions and transfers: 400 calendar days cover every window (12 months of trades,
# the asset base 3 months back) with margin. Trades and asset snapshots come from the lake's start.
HISTORY_DAYS = 400


CUSTOMER_SELECT = (
    # Dates as text: Arrow parses them in bulk (see core.bulk.read_arrow); the same SQL on both databases.
    "SELECT id, customer_no, kind, client_class, CAST(opened_on AS TEXT), CAST(birth_date AS TEXT), status,"
    " investor_category FROM customers_customer"
)


def customers_table() -> pa.Table:
    """Every client with the master-data columns the features use, plus the database id write-back needs: the
    clients changed since the previous read, merged into the ones kept from it (see client_cache)."""
    return read_clients(CUSTOMER_SELECT, CUSTOMER_SCHEMA)


def customers_table_in_full() -> pa.Table:
    """The same table read straight from the database (the pandas baseline's way)."""
    return read_arrow(CUSTOMER_SELECT, CUSTOMER_SCHEMA)


def securities_table() -> pa.Table:
    return read_arrow("SELECT market, security_code, risk_level FROM customers_security", SECURITY_SCHEMA)


def trading_days(until: date, days: int = HISTORY_DAYS) -> list[date]:
    return [d for d in (until - timedelta(days=n) for n in range(days, -1, -1)) if is_trading_day(d)]


def feature_sources(as_of: date, customers: pa.Table | Callable[[], pa.Table]) -> FeatureSources:
    """Trades and asset snapshots from the start of the lake (not a moving `since`): the file list then only
    grows from one day to the next, which lets a run step from the previous run's aggregates (the windows
    themselves are bounded by dates in the SQL); last_trade_date looks at the whole lake."""
    since = as_of - timedelta(days=HISTORY_DAYS)
    return FeatureSources(
        customers=customers,
        securities=securities_table(),
        asset_snapshots=current_files("asset_snapshots", until=as_of),
        positions=current_files("positions", since=since, until=as_of),
        trades=current_files("trades", until=as_of),
        fund_transfers=current_files("fund_transfers", since=since, until=as_of),
        trading_days=trading_days(as_of),
    )

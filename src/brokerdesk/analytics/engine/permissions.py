"""One client's figures for a trading-permission application, read from the lake with DuckDB. No Django:
callers pass the published files (brokerdesk.core.lake.current_files) and the trading days of the window.

- Average daily assets: the client's end-of-day total assets on each trading day of the window, a day without
  a snapshot counting as 0 (the intake writes a snapshot for every client with a non-zero balance), summed
  exactly as Decimal and divided by the number of days. The average is truncated to the cent, never rounded
  up, so comparing it with a threshold in whole cents gives the same answer as comparing the exact quotient.
- First trade: the earliest execution of the client in the lake.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

import duckdb

CENT = Decimal("0.01")
# Trade files are scanned oldest first in chunks, so a client who traded early is found after one chunk.
TRADE_CHUNK = 64


@dataclass(frozen=True)
class AssetWindow:
    """The trading days of the window (oldest first) and the client's snapshots on them."""

    days: tuple[date, ...]
    daily: dict[date, Decimal] = field(default_factory=dict)  # only the days with a snapshot

    @property
    def total(self) -> Decimal:
        """The exact sum over the window; a day without a snapshot adds 0."""
        return sum((self.daily.get(day, Decimal(0)) for day in self.days), Decimal("0.00"))

    @property
    def average(self) -> Decimal:
        """total / number of days, truncated to the cent (0.00 for an empty window)."""
        if not self.days:
            return Decimal("0.00")
        return average_truncated(self.total, len(self.days))

    @property
    def days_with_assets(self) -> int:
        return sum(1 for day in self.days if day in self.daily)

    def rows(self) -> list[tuple[date, Decimal | None]]:
        """(day, total assets or None without a snapshot), oldest first: what the pages list."""
        return [(day, self.daily.get(day)) for day in self.days]


def average_truncated(total: Decimal, days: int) -> Decimal:
    """total / days to the cent, rounded towards zero, computed on exact fractions: 1,999,999.99 / 20 =
    99,999.9995 gives 99,999.99, never 100,000.00."""
    if days <= 0:
        raise ValueError("the window must have at least one day")
    cents = int(Fraction(total) * 100 / days)  # int() truncates towards zero
    return (Decimal(cents) / 100).quantize(CENT)


def asset_window(files: Sequence[str], customer_no: str, days: Sequence[date]) -> AssetWindow:
    """The client's total assets on the given trading days. files: the asset_snapshots partitions covering them
    (more are harmless: the query filters by date and DuckDB prunes row groups by their statistics)."""
    window = tuple(sorted(set(days)))
    if not window or not files:
        return AssetWindow(days=window)
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT date, total_assets FROM read_parquet(?) "
            "WHERE customer_no = ? AND date BETWEEN ? AND ? ORDER BY date",
            [list(files), customer_no, window[0], window[-1]],
        ).fetchall()
    wanted = set(window)
    daily: dict[date, Decimal] = {}
    for day, total in rows:
        if day in wanted and total is not None:
            # One snapshot per client and date (the entity's key); should a partition ever carry two, their sum
            # is what the client held across them.
            daily[day] = daily.get(day, Decimal("0.00")) + Decimal(total)
    return AssetWindow(days=window, daily=daily)


def first_trade_date(files: Sequence[str], customer_no: str, *, until: date | None = None,
                     chunk: int = TRADE_CHUNK) -> date | None:
    """The date of the client's earliest trade in the given trades partitions (oldest first), on or before
    `until` when given; None if the client never traded in them."""
    files = list(files)
    if not files:
        return None
    sql = "SELECT min(date) FROM read_parquet(?) WHERE customer_no = ?"
    params: list = [customer_no]
    if until is not None:
        sql += " AND date <= ?"
        params.append(until)
    earliest: date | None = None
    with duckdb.connect() as con:
        for start in range(0, len(files), chunk):
            (found,) = con.execute(sql, [files[start:start + chunk], *params]).fetchone()
            if found is not None:
                earliest = found if earliest is None else min(earliest, found)
                # Files are ordered by date: a later chunk holds only later trades.
                break
    return earliest

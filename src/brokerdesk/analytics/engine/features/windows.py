"""The dates that bound each feature window, computed once in Python and passed to the SQL as parameters.

Keeping date arithmetic out of the SQL gives one definition of "3 months" (the catalogue's), and keeps the SQL
portable to other engines (Trino, Spark SQL) whose interval arithmetic differs at month ends.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

ASSET_WINDOW_TRADING_DAYS = 20
TRANSFER_WINDOW_DAYS = 30


def months_back(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the end of a shorter month."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class FeatureWindows:
    as_of: date
    asset_window_start: date | None  # first of the last 20 trading days; None without any snapshot
    asset_window_days: int  # how many trading days the average divides by (20, or fewer in a young lake)
    latest_asset_date: date | None  # the latest trading day: total_assets is that day's snapshot
    asset_base_date_3m: date | None  # latest snapshot date on or before T - 3 months
    trades_after_1m: date
    trades_after_3m: date
    trades_after_6m: date
    trades_after_12m: date
    transfers_after: date
    latest_position_date: date | None

    def as_sql_parameters(self) -> dict[str, object]:
        return {
            "as_of": self.as_of,
            "asset_window_start": self.asset_window_start,
            "asset_window_days": self.asset_window_days,
            "latest_asset_date": self.latest_asset_date,
            "asset_base_date_3m": self.asset_base_date_3m,
            "trades_after_1m": self.trades_after_1m,
            "trades_after_3m": self.trades_after_3m,
            "trades_after_6m": self.trades_after_6m,
            "trades_after_12m": self.trades_after_12m,
            "transfers_after": self.transfers_after,
            "latest_position_date": self.latest_position_date,
        }

    def as_previous_parameters(self) -> dict[str, object]:
        """This run's bounds under the names the *_delta_v1.sql files give the previous run's."""
        return {
            "prev_as_of": self.as_of,
            "prev_window_start": self.asset_window_start,
            "prev_after_1m": self.trades_after_1m,
            "prev_after_3m": self.trades_after_3m,
            "prev_after_6m": self.trades_after_6m,
            "prev_after_12m": self.trades_after_12m,
        }


def feature_windows(
    as_of: date,
    *,
    trading_days: Iterable[date],
    asset_snapshot_dates: Iterable[date],
    latest_position_date: date | None,
) -> FeatureWindows:
    """Window bounds for `as_of`.

    `trading_days` decide the 20-day average (a missing snapshot counts as zero assets); `asset_snapshot_dates`
    decide the 3-months-ago base, because older history keeps month-end snapshots only and the base must be a
    day that has snapshots.
    """
    recent_days = sorted({d for d in trading_days if d <= as_of})[-ASSET_WINDOW_TRADING_DAYS:]
    snapshot_dates = sorted({d for d in asset_snapshot_dates if d <= as_of})
    three_months_ago = months_back(as_of, 3)
    base_candidates = [d for d in snapshot_dates if d <= three_months_ago]
    return FeatureWindows(
        as_of=as_of,
        asset_window_start=recent_days[0] if recent_days else None,
        asset_window_days=len(recent_days),
        latest_asset_date=recent_days[-1] if recent_days else None,
        asset_base_date_3m=base_candidates[-1] if base_candidates else None,
        trades_after_1m=months_back(as_of, 1),
        trades_after_3m=three_months_ago,
        trades_after_6m=months_back(as_of, 6),
        trades_after_12m=months_back(as_of, 12),
        transfers_after=as_of - timedelta(days=TRANSFER_WINDOW_DAYS),
        latest_position_date=latest_position_date,
    )

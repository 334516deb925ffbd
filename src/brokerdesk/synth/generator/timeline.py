"""The generator's calendar: the backfill's trading days, the next day's daily batch, snapshot days, and
the fifteen years of history behind the clients (all exchange trading days, core.calendar)."""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from brokerdesk.core.calendar import is_trading_day, trading_days_ending

from .columns import day_number

SNAPSHOT_RECENT_DAYS = 20  # asset snapshots of the last 20 trading days ...
SNAPSHOT_MONTH_ENDS = 12  # ... plus 12 month-ends
HISTORY_YEARS = 15  # clients opened over the last 15 years


def next_trading_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_trading_day(day):
        day += timedelta(days=1)
    return day


def last_trading_day_on_or_before(day: date) -> date:
    while not is_trading_day(day):
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True)
class Timeline:
    days: tuple[date, ...]  # the backfill's trading days, then the daily batch's day (len = backfill_days + 1)

    @property
    def backfill_days(self) -> int:
        return len(self.days) - 1

    @property
    def business_date(self) -> date:
        return self.days[-2]

    @property
    def start_date(self) -> date:
        return self.days[0]

    @property
    def daily_date(self) -> date:
        return self.days[-1]

    @property
    def day_numbers(self) -> np.ndarray:
        return np.array([day_number(d) for d in self.days], dtype=np.int32)

    def snapshot_indexes(self) -> list[int]:
        """Backfill day indexes with asset snapshots: the last 20 trading days and the last 12 month-ends."""
        last = self.backfill_days - 1
        recent = set(range(max(0, last - SNAPSHOT_RECENT_DAYS + 1), last + 1))
        month_ends = [i for i in range(last + 1) if self.days[i + 1].month != self.days[i].month]
        return sorted(recent | set(month_ends[-SNAPSHOT_MONTH_ENDS:]))


def build_timeline(end_date: date, backfill_days: int) -> Timeline:
    if backfill_days < 1:
        raise ValueError("the backfill needs at least one trading day")
    business = last_trading_day_on_or_before(end_date)
    return Timeline(days=(*trading_days_ending(business, backfill_days), next_trading_day(business)))


def history_trading_days(end: date, years: int = HISTORY_YEARS) -> np.ndarray:
    """Day numbers of the trading days in the `years` before `end` (inclusive), oldest first."""
    start = date(end.year - years, end.month, min(end.day, 28))
    out = []
    day = start
    while day <= end:
        if is_trading_day(day):
            out.append(day_number(day))
        day += timedelta(days=1)
    return np.array(out, dtype=np.int32)

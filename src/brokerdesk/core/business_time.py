"""Business time: service hours on working days, for SLA deadlines (complaints, consultations).

Pure: no Django. The calendar comes in as a callable (in the platform, core.calendar.is_working_day, which
knows the State Council schedule and make-up working weekend days, and falls back to Monday-Friday with a
warning for a year that is not loaded).

    clock = BusinessClock(is_working_day, ServiceHours(time(9), time(17, 30)))
    clock.add(received_at, 3 * 3600)          # 3 business hours later
    clock.end_of_day(received_at)             # "handled the same day"
    clock.add_working_days(received_at, 15)   # "within 15 working days"

Rules:
- Business time runs on working days from `opens` to `closes` (local time in the clock's time zone, Asia/Shanghai
  by default); `closes` belongs to the day, so a deadline can fall exactly at close.
- Inputs must be timezone-aware (ValueError otherwise); results are in the clock's time zone, exact to the
  microsecond (seconds are rounded to microseconds, as timedelta does).
- Work is done per day, never per second. Looking for a working day gives up with ValueError after
  MAX_DAYS_WITHOUT_WORK consecutive non-working days (a calendar with no working day must not hang).
"""

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_DAYS_WITHOUT_WORK = 3660
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ServiceHours:
    """Opening hours on working days, e.g. 09:00-17:30, as local wall-clock times (no overnight shifts)."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("service hours are local wall-clock times: give them without a time zone")
        if not self.opens < self.closes:
            raise ValueError(f"service hours must open before they close ({self.opens}-{self.closes})")


class BusinessClock:
    def __init__(self, is_working_day: Callable[[date], bool], hours: ServiceHours, tz: ZoneInfo = SHANGHAI):
        self.is_working_day = is_working_day
        self.hours = hours
        self.tz = tz

    # --- helpers ---------------------------------------------------------------------------------------------

    @staticmethod
    def _utc(moment: datetime, name: str = "datetime") -> datetime:
        if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"{name} must be a timezone-aware datetime, got {moment!r}")
        return moment.astimezone(UTC)

    def _day_of(self, moment_utc: datetime) -> date:
        return moment_utc.astimezone(self.tz).date()

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """The day's service hours as UTC instants (arithmetic on UTC is exact across any offset change)."""
        opens = datetime.combine(day, self.hours.opens, tzinfo=self.tz).astimezone(UTC)
        closes = datetime.combine(day, self.hours.closes, tzinfo=self.tz).astimezone(UTC)
        return opens, closes

    def _working_days(self, first: date) -> Iterator[date]:
        """The working days from `first` (included) on; ValueError after too many days without one."""
        day, idle = first, 0
        while True:
            if self.is_working_day(day):
                idle = 0
                yield day
            else:
                idle += 1
                if idle >= MAX_DAYS_WITHOUT_WORK:
                    raise ValueError(f"no working day in the {MAX_DAYS_WITHOUT_WORK} days up to {day}: "
                                     "is the holiday calendar right?")
            day += ONE_DAY

    # --- the API ---------------------------------------------------------------------------------------------

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of business time after `start` (which may be outside service hours: time
        counts from the next opening). Lands within service hours of a working day, possibly exactly at close;
        add(start, 0) is start inside service hours (close included), else the next opening."""
        at = self._utc(start, "start")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        remaining = timedelta(seconds=seconds)
        for day in self._working_days(self._day_of(at)):
            opens, closes = self._window(day)
            begin = max(at, opens)
            if begin > closes:
                continue  # after close on start's day
            available = closes - begin
            if remaining <= available:
                return (begin + remaining).astimezone(self.tz)
            remaining -= available
        raise AssertionError("unreachable: _working_days is endless or raises")

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Business seconds in [start, end); negative when end is before start (time overdue)."""
        lo, hi = self._utc(start, "start"), self._utc(end, "end")
        if hi < lo:
            return -self.seconds_between(end, start)
        total = timedelta(0)
        day, last = self._day_of(lo), self._day_of(hi)
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self._window(day)
                overlap = min(hi, closes) - max(lo, opens)
                if overlap > timedelta(0):
                    total += overlap
            day += ONE_DAY
        return total.total_seconds()

    def end_of_day(self, start: datetime) -> datetime:
        """Close of the business day `start` falls in ("a general complaint is handled the same day"); from
        close on, or on a non-working day: close of the next working day."""
        at = self._utc(start, "start")
        for day in self._working_days(self._day_of(at)):
            _, closes = self._window(day)
            if at < closes:
                return closes.astimezone(self.tz)
        raise AssertionError("unreachable")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Close of the `days`-th working day after start's day ("within N working days": the day of receipt
        does not count, whatever the hour). days=0 is end_of_day(start)."""
        at = self._utc(start, "start")
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        if days == 0:
            return self.end_of_day(start)
        for counted, day in enumerate(self._working_days(self._day_of(at) + ONE_DAY), start=1):
            if counted == days:
                return self._window(day)[1].astimezone(self.tz)
        raise AssertionError("unreachable")

    def next_open(self, at: datetime) -> datetime:
        """`at` itself if inside service hours [opens, closes), else the next opening on a working day."""
        moment = self._utc(at, "at")
        for day in self._working_days(self._day_of(moment)):
            opens, closes = self._window(day)
            if moment < opens:
                return opens.astimezone(self.tz)
            if moment < closes:
                return moment.astimezone(self.tz)
        raise AssertionError("unreachable")

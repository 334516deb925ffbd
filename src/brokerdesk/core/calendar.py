"""Working and trading days (DOMAIN.md "Business calendar").

chinese-calendar knows the State Council holiday schedule up to 2026 only. Beyond the years it covers
we fall back to Monday-Friday and warn, never crash. (The tickets issue turns this into a calendar
table that administrators extend each year.)
"""

import logging
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("holiday schedule for %s is not loaded: treating Monday-Friday as working days", day.year)
        return day.weekday() < 5


def holiday_name(day: date) -> str | None:
    """The holiday a day belongs to ("National Day", also for its make-up working days), or None: an
    ordinary day, or a year whose holiday schedule is not loaded."""
    try:
        _, holiday = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return holiday


def is_trading_day(day: date) -> bool:
    """Exchanges trade on working days but never on weekends, make-up working Saturdays included."""
    return day.weekday() < 5 and is_working_day(day)


def trading_days_ending(end: date, count: int) -> list[date]:
    """The last `count` trading days up to and including `end`, oldest first."""
    days: list[date] = []
    day = end
    while len(days) < count:
        if is_trading_day(day):
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def previous_trading_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_trading_day(day):
        day -= timedelta(days=1)
    return day

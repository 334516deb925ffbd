"""Working and trading days (DOMAIN.md "Business calendar")."""

import logging
from datetime import date, timedelta

import pytest

from brokerdesk.core import calendar
from brokerdesk.core.calendar import is_trading_day, is_working_day, previous_trading_day, trading_days_ending


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    """Each test sees the first-time warning for an uncovered year."""
    monkeypatch.setattr(calendar, "_warned_years", set())


def test_it_skips_weekends():
    assert is_trading_day(date(2025, 9, 26))  # Friday
    assert not is_trading_day(date(2025, 9, 27))  # Saturday
    assert not is_trading_day(date(2025, 9, 21))  # Sunday
    assert is_trading_day(date(2025, 9, 22))  # Monday


@pytest.mark.parametrize("day", [date(2025, 10, 1) + timedelta(days=i) for i in range(8)])
def test_it_skips_every_day_of_the_national_day_holiday(day):
    assert not is_working_day(day)
    assert not is_trading_day(day)


@pytest.mark.parametrize("day", [date(2025, 9, 28), date(2025, 10, 11), date(2026, 2, 14)])
def test_it_counts_make_up_weekend_days_as_working_but_not_trading_days(day):
    assert day.weekday() >= 5
    assert is_working_day(day)
    assert not is_trading_day(day)


def test_it_skips_weekday_holidays():
    assert not is_trading_day(date(2025, 1, 1))  # New Year's Day, a Wednesday
    assert not is_trading_day(date(2025, 5, 1))  # Labour Day, a Thursday
    assert is_trading_day(date(2025, 10, 9))  # the first day back


def test_it_lists_trading_days_across_the_national_day_holiday():
    assert trading_days_ending(date(2025, 10, 10), 4) == [
        date(2025, 9, 29), date(2025, 9, 30), date(2025, 10, 9), date(2025, 10, 10),
    ]


def test_it_finds_the_previous_trading_day_before_a_holiday():
    assert previous_trading_day(date(2025, 10, 9)) == date(2025, 9, 30)
    assert previous_trading_day(date(2025, 9, 29)) == date(2025, 9, 26)  # not the working Sunday 28th


def test_it_counts_twenty_trading_days_for_board_permissions():
    days = trading_days_ending(date(2025, 10, 17), 20)
    assert len(days) == 20
    assert days[-1] == date(2025, 10, 17)
    assert all(is_trading_day(d) for d in days)
    # Four plain weeks would start on 22 September; the six weekday holidays push the start back.
    assert days[0] == date(2025, 9, 12)


def test_it_falls_back_to_weekdays_beyond_the_covered_years_with_one_warning(caplog):
    caplog.set_level(logging.WARNING, logger="brokerdesk.core.calendar")
    assert is_working_day(date(2027, 1, 4))  # Monday
    assert not is_working_day(date(2027, 1, 2))  # Saturday
    assert is_trading_day(date(2027, 10, 1))  # surely a holiday, but the schedule is not loaded
    warnings = [r for r in caplog.records if r.name == "brokerdesk.core.calendar"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "2027" in warnings[0].getMessage()


def test_it_warns_once_per_uncovered_year(caplog):
    caplog.set_level(logging.WARNING, logger="brokerdesk.core.calendar")
    for day in (date(2027, 3, 1), date(2027, 3, 2), date(2028, 3, 1), date(2028, 3, 2)):
        is_working_day(day)
    assert sorted(r.args[0] for r in caplog.records if r.name == "brokerdesk.core.calendar") == [2027, 2028]


def test_it_counts_trading_days_across_the_end_of_the_covered_years_without_crashing(caplog):
    caplog.set_level(logging.WARNING, logger="brokerdesk.core.calendar")
    days = trading_days_ending(date(2027, 1, 8), 10)
    assert days[-1] == date(2027, 1, 8)
    assert days[0] == date(2026, 12, 28)
    assert date(2027, 1, 1) in days  # fallback: a Friday counts, holiday or not
    assert previous_trading_day(date(2027, 1, 4)) == date(2027, 1, 1)
    assert any("2027" in r.getMessage() for r in caplog.records)

"""Business time (core.business_time): service hours on working days, for SLA deadlines.

The properties run on a plain chinese-calendar snapshot (pure, no database); the hand-computed examples run
on the platform's calendar (core.calendar, the database tables)."""

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brokerdesk.core import calendar
from brokerdesk.core.business_time import MAX_DAYS_WITHOUT_WORK, BusinessClock, ServiceHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = ServiceHours(time(9), time(17, 30))
DAY_SECONDS = 8.5 * 3600

# chinese-calendar's schedule as a frozen set: the pure stand-in for core.calendar.is_working_day.
_WORKING = frozenset(
    date(2025, 9, 1) + timedelta(days=i)
    for i in range(300)
    if chinese_calendar.is_workday(date(2025, 9, 1) + timedelta(days=i))
)
SNAPSHOT_CLOCK = BusinessClock(_WORKING.__contains__, HOURS)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


# Starts around the National Day holiday 2025 (Oct 1-8 off; Sun Sep 28 and Sat Oct 11 worked) and the Spring
# Festival 2026 (Feb 15-23 off; Sat Feb 14 and Sat Feb 28 worked); any time of day, microseconds included.
starts = st.one_of(
    st.datetimes(min_value=datetime(2025, 9, 20), max_value=datetime(2025, 10, 20), timezones=st.just(SHANGHAI)),
    st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2026, 3, 31), timezones=st.just(SHANGHAI)),
)
# Whole seconds add exactly; up to about 30 working days, so Spring Festival is crossed from December.
durations = st.integers(min_value=0, max_value=int(30 * DAY_SECONDS))


def _inside_service_hours(moment: datetime) -> bool:
    local = moment.astimezone(SHANGHAI)
    return local.date() in _WORKING and HOURS.opens <= local.time().replace(tzinfo=None) <= HOURS.closes


# --- Properties -------------------------------------------------------------------------------------------


@given(start=starts, seconds=durations)
def test_it_counts_back_exactly_the_business_time_it_added(start, seconds):
    end = SNAPSHOT_CLOCK.add(start, seconds)
    assert SNAPSHOT_CLOCK.seconds_between(start, end) == seconds
    assert SNAPSHOT_CLOCK.seconds_between(end, start) == -seconds


@given(start=starts, seconds=st.floats(min_value=0, max_value=20 * DAY_SECONDS, allow_nan=False))
def test_it_round_trips_fractional_seconds_to_the_microsecond(start, seconds):
    end = SNAPSHOT_CLOCK.add(start, seconds)
    assert SNAPSHOT_CLOCK.seconds_between(start, end) == pytest.approx(seconds, abs=1e-6)


@given(start=starts, seconds=durations)
def test_it_lands_inside_service_hours_on_a_working_day(start, seconds):
    end = SNAPSHOT_CLOCK.add(start, seconds)
    assert end.tzinfo == SHANGHAI
    assert _inside_service_hours(end)
    assert end >= start


@given(start=starts, a=durations, b=durations)
def test_it_adds_in_steps_as_in_one_go(start, a, b):
    assert SNAPSHOT_CLOCK.add(SNAPSHOT_CLOCK.add(start, a), b) == SNAPSHOT_CLOCK.add(start, a + b)


@given(first=starts, second=starts, a=durations, b=durations)
def test_it_is_monotonic_in_start_and_duration(first, second, a, b):
    early, late = sorted((first, second))
    short, long = sorted((a, b))
    assert SNAPSHOT_CLOCK.add(early, short) <= SNAPSHOT_CLOCK.add(late, short)
    assert SNAPSHOT_CLOCK.add(early, short) <= SNAPSHOT_CLOCK.add(early, long)
    assert SNAPSHOT_CLOCK.seconds_between(early, late) >= 0


@given(start=starts, end=starts, middle=starts)
def test_it_splits_an_interval_at_any_moment(start, end, middle):
    start, middle, end = sorted((start, middle, end))
    whole = SNAPSHOT_CLOCK.seconds_between(start, end)
    parts = SNAPSHOT_CLOCK.seconds_between(start, middle) + SNAPSHOT_CLOCK.seconds_between(middle, end)
    assert whole == pytest.approx(parts, abs=1e-6)


@given(start=starts)
def test_it_finds_the_next_opening_and_the_end_of_the_day(start):
    opening = SNAPSHOT_CLOCK.next_open(start)
    assert opening >= start
    assert _inside_service_hours(opening)
    assert SNAPSHOT_CLOCK.seconds_between(start, opening) == 0
    if opening != start:
        assert opening.astimezone(SHANGHAI).time() == HOURS.opens
    closing = SNAPSHOT_CLOCK.end_of_day(start)
    assert closing > start
    assert closing.astimezone(SHANGHAI).time() == HOURS.closes
    assert closing.date() in _WORKING
    assert closing.date() == opening.date()


@given(start=starts, days=st.integers(min_value=1, max_value=30))
def test_it_counts_working_days_after_the_day_of_receipt(start, days):
    deadline = SNAPSHOT_CLOCK.add_working_days(start, days)
    assert deadline.astimezone(SHANGHAI).time() == HOURS.closes
    counted = [d for d in _WORKING if start.date() < d <= deadline.date()]
    assert len(counted) == days
    assert deadline.date() in _WORKING


@settings(max_examples=30)
@given(start=starts, seconds=durations)
def test_it_gives_the_same_answers_in_any_time_zone(start, seconds):
    in_utc = start.astimezone(UTC)
    assert SNAPSHOT_CLOCK.add(in_utc, seconds) == SNAPSHOT_CLOCK.add(start, seconds)
    assert SNAPSHOT_CLOCK.add(in_utc, seconds).tzinfo == SHANGHAI


# --- Hand-computed examples on the platform's calendar -------------------------------------------------------


@pytest.fixture
def clock(db, monkeypatch):
    monkeypatch.setattr(calendar, "_warned_years", set())
    calendar.invalidate()
    return BusinessClock(calendar.is_working_day, HOURS)


def test_it_carries_a_complaint_over_to_the_make_up_working_saturday(clock):
    # Fri 13 Feb 2026 16:00 + 3 business hours: 1.5 h that day, 1.5 h on Sat 14 Feb (调休上班).
    assert clock.add(at(2026, 2, 13, 16), 3 * 3600) == at(2026, 2, 14, 10, 30)


def test_it_jumps_the_spring_festival_holiday(clock):
    # Sat 14 Feb is a make-up working day; 15-23 Feb are off.
    assert clock.add(at(2026, 2, 14, 16), 3 * 3600) == at(2026, 2, 24, 10, 30)
    assert clock.add_working_days(at(2026, 2, 13, 16), 2) == at(2026, 2, 24, 17, 30)
    assert clock.add_working_days(at(2026, 2, 13, 16), 1) == at(2026, 2, 14, 17, 30)
    assert clock.next_open(at(2026, 2, 14, 18)) == at(2026, 2, 24, 9)
    assert clock.end_of_day(at(2026, 2, 18, 10)) == at(2026, 2, 24, 17, 30)


def test_it_jumps_the_national_day_holiday(clock):
    assert clock.add(at(2025, 9, 30, 16), 3 * 3600) == at(2025, 10, 9, 10, 30)
    # Fri 26 Sep, Sun 28 Sep (worked), Mon 29, Tue 30, Thu 9 Oct, Fri 10, Sat 11 (worked): 7 working days.
    assert clock.seconds_between(at(2025, 9, 26, 9), at(2025, 10, 13, 9)) == 7 * DAY_SECONDS
    assert clock.add_working_days(at(2025, 9, 27, 12), 1) == at(2025, 9, 28, 17, 30)


def test_it_handles_a_general_complaint_the_same_day(clock):
    assert clock.end_of_day(at(2026, 2, 13, 8)) == at(2026, 2, 13, 17, 30)  # before opening
    assert clock.end_of_day(at(2026, 2, 13, 17, 29)) == at(2026, 2, 13, 17, 30)
    assert clock.end_of_day(at(2026, 2, 13, 17, 30)) == at(2026, 2, 14, 17, 30)  # at close: the next working day
    assert clock.end_of_day(at(2026, 2, 15, 10)) == at(2026, 2, 24, 17, 30)  # a holiday
    assert clock.add_working_days(at(2026, 2, 13, 12), 0) == at(2026, 2, 13, 17, 30)


def test_it_keeps_start_inside_service_hours(clock):
    assert clock.next_open(at(2026, 3, 2, 10, 15)) == at(2026, 3, 2, 10, 15)
    assert clock.next_open(at(2026, 3, 2, 17, 30)) == at(2026, 3, 3, 9)
    assert clock.add(at(2026, 3, 2, 10, 15), 0) == at(2026, 3, 2, 10, 15)
    assert clock.add(at(2026, 3, 2, 20), 0) == at(2026, 3, 3, 9)
    assert clock.add(at(2026, 3, 2, 9), DAY_SECONDS) == at(2026, 3, 2, 17, 30)  # exactly at close


def test_it_computes_into_a_year_that_is_not_loaded_and_warns(clock, caplog):
    caplog.set_level(logging.WARNING, logger="brokerdesk.core.calendar")
    # Thu 31 Dec 2026 16:00 + 3 h: Fri 1 Jan 2027 counts as a working day in the Monday-Friday fallback.
    assert clock.add(at(2026, 12, 31, 16), 3 * 3600) == at(2027, 1, 1, 10, 30)
    assert clock.add_working_days(at(2027, 1, 1, 12), 1) == at(2027, 1, 4, 17, 30)
    warnings = [r for r in caplog.records if r.name == "brokerdesk.core.calendar"]
    assert [r.args[0] for r in warnings] == [2027]


# --- Refusals ------------------------------------------------------------------------------------------------


def test_it_refuses_naive_datetimes():
    naive = datetime(2026, 3, 2, 10)
    for call in (lambda: SNAPSHOT_CLOCK.add(naive, 60), lambda: SNAPSHOT_CLOCK.end_of_day(naive),
                 lambda: SNAPSHOT_CLOCK.next_open(naive), lambda: SNAPSHOT_CLOCK.add_working_days(naive, 1),
                 lambda: SNAPSHOT_CLOCK.seconds_between(at(2026, 3, 2, 10), naive)):
        with pytest.raises(ValueError, match="timezone-aware"):
            call()


def test_it_refuses_negative_or_infinite_durations_and_backwards_hours():
    for seconds in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            SNAPSHOT_CLOCK.add(at(2026, 3, 2, 10), seconds)
    with pytest.raises(ValueError):
        SNAPSHOT_CLOCK.add_working_days(at(2026, 3, 2, 10), -1)
    with pytest.raises(ValueError, match="open before"):
        ServiceHours(time(18), time(9))


def test_it_gives_up_on_a_calendar_without_working_days():
    never = BusinessClock(lambda day: False, HOURS)
    for call in (lambda: never.add(at(2027, 1, 1, 10), 60), lambda: never.end_of_day(at(2027, 1, 1, 10)),
                 lambda: never.next_open(at(2027, 1, 1, 10)), lambda: never.add_working_days(at(2027, 1, 1), 1)):
        with pytest.raises(ValueError, match=f"no working day in the {MAX_DAYS_WITHOUT_WORK} days"):
            call()


def test_it_answers_without_a_database_from_chinese_calendar(caplog):
    # No django_db mark: database access is refused, as in the synth generator's tests and the benchmarks.
    calendar.invalidate()
    try:
        clock = BusinessClock(calendar.is_working_day, HOURS)
        assert clock.add(at(2026, 2, 13, 16), 3 * 3600) == at(2026, 2, 14, 10, 30)
        assert any(r.name == "brokerdesk.core.calendar.snapshot" for r in caplog.records)
    finally:
        calendar.invalidate()

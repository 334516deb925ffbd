"""Working and trading days (DOMAIN.md "Business calendar"): the calendar tables, seeded from chinese-calendar
and extended by administrators, answered from an in-process snapshot."""

import logging
from datetime import date, timedelta

import chinese_calendar
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from brokerdesk.core import calendar
from brokerdesk.core.calendar import is_trading_day, is_working_day, previous_trading_day, trading_days_ending
from brokerdesk.core.choices import CalendarDayKind, CalendarSource
from brokerdesk.core.models import AuditEvent, CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    """Each test sees the first-time warning for an uncovered year."""
    monkeypatch.setattr(calendar, "_warned_years", set())


@pytest.fixture(autouse=True)
def fresh_snapshot():
    """Each test reads the tables as they are in its transaction; nothing it adds outlives its rollback."""
    calendar.invalidate()
    yield
    calendar.invalidate()


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


# --- The calendar as data ---------------------------------------------------------------------------------

FIRST, LAST = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


def _warnings(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "brokerdesk.core.calendar"]


def test_it_is_seeded_with_every_year_chinese_calendar_covers():
    assert calendar.covered_years() == set(range(FIRST, LAST + 1))
    assert calendar.is_covered(2026)
    assert not calendar.is_covered(2027)
    assert CalendarYear.objects.filter(source=CalendarSource.CHINESE_CALENDAR).count() == LAST - FIRST + 1
    assert CalendarDay.objects.get(date=date(2026, 2, 14)).kind == CalendarDayKind.MAKEUP_WORKDAY
    day = date(FIRST, 1, 1)
    while day.year <= LAST:
        assert is_working_day(day) == chinese_calendar.is_workday(day), day
        assert calendar.holiday_name(day) == chinese_calendar.get_holiday_detail(day)[1], day
        day += timedelta(days=1)


def test_it_names_holidays_and_their_make_up_days():
    assert calendar.holiday_name(date(2025, 10, 6)) == "Mid-autumn Festival"
    assert calendar.holiday_name(date(2026, 2, 14)) == "Spring Festival"  # the make-up working Saturday
    assert calendar.holiday_name(date(2025, 10, 13)) is None
    assert calendar.holiday_name(date(2027, 10, 1)) is None  # not loaded


def _year_2027_form(**overrides) -> dict:
    form = {
        "year": "2027", "note": "国办发明电 (test)",
        "days-TOTAL_FORMS": "3", "days-INITIAL_FORMS": "0", "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000",
        "days-0-date": "2027-10-01", "days-0-kind": "holiday", "days-0-name": "National Day",
        "days-1-date": "2027-10-04", "days-1-kind": "holiday", "days-1-name": "National Day",
        "days-2-date": "2027-09-26", "days-2-kind": "makeup_workday", "days-2-name": "National Day",
    }
    return {**form, **overrides}


def test_it_uses_a_year_an_administrator_adds_in_the_admin(users, login, caplog):
    caplog.set_level(logging.WARNING, logger="brokerdesk.core.calendar")
    # Before: 2027 is not loaded, Monday-Friday with one warning.
    assert is_working_day(date(2027, 10, 1))  # a Friday
    assert not is_working_day(date(2027, 9, 26))  # a Sunday
    assert [r.args[0] for r in _warnings(caplog)] == [2027]

    response = login(users["admin"]).post("/admin/core/calendaryear/add/", _year_2027_form())

    assert response.status_code == 302, response.content.decode()[:2000]
    year = CalendarYear.objects.get(year=2027)
    assert year.source == CalendarSource.ADMINISTRATOR
    assert year.days.count() == 3
    assert calendar.is_covered(2027)
    assert not is_working_day(date(2027, 10, 1))
    assert not is_trading_day(date(2027, 10, 4))
    assert is_working_day(date(2027, 9, 26))  # the make-up working Sunday
    assert not is_trading_day(date(2027, 9, 26))
    assert is_working_day(date(2027, 10, 5))  # an ordinary Tuesday
    assert calendar.holiday_name(date(2027, 10, 4)) == "National Day"
    assert len(_warnings(caplog)) == 1  # no further warning once loaded
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", "object_id"))
    assert ("admin.calendaryear.create", str(year.pk)) in actions
    assert sum(action == "admin.calendarday.create" for action, _ in actions) == 3


def test_it_audits_inline_changes_and_deletions_of_days(users, login):
    client = login(users["admin"])
    assert client.post("/admin/core/calendaryear/add/", _year_2027_form()).status_code == 302
    year = CalendarYear.objects.get(year=2027)
    days = {d.date.isoformat(): d for d in year.days.all()}
    form = {
        "note": "corrected",
        "days-TOTAL_FORMS": "3", "days-INITIAL_FORMS": "3", "days-MIN_NUM_FORMS": "0", "days-MAX_NUM_FORMS": "1000",
    }
    for i, key in enumerate(sorted(days)):  # 09-26, 10-01, 10-04
        d = days[key]
        form |= {f"days-{i}-id": str(d.pk), f"days-{i}-year": "2027", f"days-{i}-date": key,
                 f"days-{i}-kind": d.kind, f"days-{i}-name": d.name}
    form["days-1-name"] = "国庆节"
    form["days-2-DELETE"] = "on"

    response = client.post(f"/admin/core/calendaryear/{year.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert calendar.holiday_name(date(2027, 10, 1)) == "国庆节"
    assert is_working_day(date(2027, 10, 4))  # its holiday row is gone: an ordinary Monday
    change = AuditEvent.objects.get(action="admin.calendarday.change")
    assert (change.before["name"], change.after["name"]) == ("National Day", "国庆节")
    deleted = AuditEvent.objects.get(action="admin.calendarday.delete")
    assert deleted.object_id == str(days["2027-10-04"].pk)
    assert deleted.before["date"] == "2027-10-04"

    assert client.post(f"/admin/core/calendaryear/{year.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not calendar.is_covered(2027)
    gone = AuditEvent.objects.get(action="admin.calendaryear.delete")
    assert [d["date"] for d in gone.before["days"]] == ["2027-09-26", "2027-10-01"]


def test_it_refuses_a_make_up_working_day_on_a_weekday_in_the_admin(users, login):
    form = _year_2027_form(**{"days-2-date": "2027-09-27"})  # a Monday
    response = login(users["admin"]).post("/admin/core/calendaryear/add/", form)
    assert response.status_code == 200  # the form again, with the error
    assert "调休上班日应为周六或周日" in response.content.decode()  # the admin speaks the product language
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_it_keeps_the_calendar_to_administrators(users, login):
    models = ("calendaryear", "calendarday")
    for role, user in users.items():
        allowed = role == "admin"
        for model in models:
            for verb in ("view", "add", "change", "delete"):
                assert user.has_perm(f"core.{verb}_{model}") is allowed, (role, verb, model)
    response = login(users["reviewer"]).get("/admin/core/calendaryear/")
    assert response.status_code in (302, 403)
    admin = login(users["admin"])
    year_2026 = CalendarYear.objects.get(year=2026)
    for url in ("/admin/core/calendaryear/", "/admin/core/calendaryear/add/",
                f"/admin/core/calendaryear/{year_2026.pk}/change/", "/admin/core/calendarday/",
                "/admin/core/calendarday/add/"):
        assert admin.get(url).status_code == 200, url


def test_it_keeps_a_day_in_its_own_year():
    from django.core.exceptions import ValidationError

    CalendarYear.objects.create(year=2027)
    with translation.override("en"), pytest.raises(ValidationError, match="not in 2027"):
        CalendarDay(date=date(2028, 1, 3), kind=CalendarDayKind.HOLIDAY, year_id=2027).full_clean()
    CalendarDay(date=date(2027, 1, 1), kind=CalendarDayKind.HOLIDAY, year_id=2027).full_clean()


def test_it_picks_up_changes_from_other_processes_after_the_snapshot_expires(monkeypatch):
    assert is_working_day(date(2026, 2, 24))
    # Another process's change: this process hears no signal (a queryset update sends none).
    now = calendar._now()
    CalendarDay.objects.filter(date=date(2026, 2, 23)).update(date=date(2026, 2, 24))
    assert is_working_day(date(2026, 2, 24))  # still the snapshot
    monkeypatch.setattr(calendar, "_now", lambda: now + calendar.SNAPSHOT_TTL_SECONDS + 1)
    assert not is_working_day(date(2026, 2, 24))
    assert is_working_day(date(2026, 2, 23))


def test_it_falls_back_to_chinese_calendar_when_the_tables_cannot_be_read(monkeypatch, caplog):
    def unreadable():
        raise RuntimeError("no such table: core_calendaryear")

    monkeypatch.setattr(calendar, "_load_from_database", unreadable)
    caplog.set_level(logging.WARNING, logger="brokerdesk.core.calendar")
    assert not is_working_day(date(2025, 10, 1))
    assert is_working_day(date(2026, 2, 14))
    assert calendar.covered_years() == set(range(FIRST, LAST + 1))
    assert any(r.name == "brokerdesk.core.calendar.snapshot" for r in caplog.records)


def test_it_keeps_the_last_calendar_read_when_the_database_goes_away(monkeypatch):
    CalendarYear.objects.create(year=2027)
    CalendarDay.objects.create(date=date(2027, 10, 1), kind=CalendarDayKind.HOLIDAY, name="National Day", year_id=2027)
    assert not is_working_day(date(2027, 10, 1))

    def unreachable():
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(calendar, "_load_from_database", unreachable)
    now = calendar._now()
    monkeypatch.setattr(calendar, "_now", lambda: now + calendar.SNAPSHOT_TTL_SECONDS + 1)
    assert not is_working_day(date(2027, 10, 1))  # not chinese-calendar's data: the last rows read


def test_it_reseeds_an_emptied_calendar_after_a_flush():
    CalendarYear.objects.all().delete()
    assert not calendar.covered_years()
    calendar.seed_if_empty(using="default")
    assert calendar.covered_years() == set(range(FIRST, LAST + 1))
    assert not is_working_day(date(2025, 10, 1))
    calendar.seed_if_empty(using="default")  # a loaded calendar is left alone
    assert CalendarYear.objects.count() == LAST - FIRST + 1


# --- brokerdesk calendar ------------------------------------------------------------------------------------

CSV_2027 = """date,kind,name
2027-01-01,holiday,New Year's Day
2027-02-06,makeup_workday,Spring Festival
2027-02-08,holiday,Spring Festival
"""


def _run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


def test_it_lists_the_loaded_years():
    out = _run("list")
    assert "2026" in out and "chinese-calendar" in out
    line_2025 = next(line for line in out.splitlines() if line.startswith("2025"))
    assert line_2025.split()[1:3] == ["28", "5"]  # holidays, make-up working days


def test_it_imports_a_year_from_csv_and_audits_it(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="brokerdesk.core.calendar")
    assert is_working_day(date(2027, 2, 8))  # a Monday, before the import
    path = tmp_path / "2027.csv"
    path.write_text("\ufeff" + CSV_2027, encoding="utf-8")  # as Excel saves it

    out = _run("import", str(path), "--note", "国办发明电〔2026〕X号")

    assert "2027: loaded 2 holiday(s) and 1 make-up working day(s)" in out
    assert calendar.is_covered(2027)
    assert not is_working_day(date(2027, 1, 1))
    assert is_working_day(date(2027, 2, 6))  # a Saturday
    assert not is_working_day(date(2027, 2, 8))
    event = AuditEvent.objects.get(action="calendar.import")
    assert event.object_id == "2027"
    assert event.after["days"][0] == ["2027-01-01", "holiday", "New Year's Day"]
    assert CalendarYear.objects.get(year=2027).note == "国办发明电〔2026〕X号"
    assert "2027" in _run("list")


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ("2027-02-30,holiday,X", "line 3, date: '2027-02-30' is not a date (YYYY-MM-DD)"),
        ("2027-03-01,vacation,X", "line 3, kind: 'vacation' is not one of holiday, makeup_workday"),
        ("2027-03-01,makeup_workday,X", "line 3, kind: 2027-03-01 is a Monday: a make-up working day falls on a "
                                        "Saturday or Sunday"),
        ("2028-01-03,holiday,X", "line 3, date: 2028-01-03 is not in 2027 (one file holds one year)"),
        ("2027-01-01,holiday,again", "line 3, date: 2027-01-01 is already on line 2"),
        ("2027-03-01,holiday", "line 3: expected 3 fields (date,kind,name), found 2"),
        ("2027-03-01,holiday," + "x" * 65, "line 3, name: longer than 64 characters"),
    ],
)
def test_it_imports_nothing_when_a_row_is_wrong(tmp_path, rows, expected):
    path = tmp_path / "2027.csv"
    path.write_text(f"date,kind,name\n2027-01-01,holiday,New Year's Day\n{rows}\n2027-10-01,holiday,National Day\n")
    days_before, events_before = CalendarDay.objects.count(), AuditEvent.objects.count()

    with pytest.raises(CommandError) as error:
        _run("import", str(path))

    assert "nothing imported" in str(error.value)
    assert expected in str(error.value)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert CalendarDay.objects.count() == days_before
    assert AuditEvent.objects.count() == events_before
    assert not calendar.is_covered(2027)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("day,kind,name\n2027-01-01,holiday,X\n", "line 1 (header): expected the columns date,kind,name"),
        ("date,kind,name\n", "no days"),
    ],
)
def test_it_reports_a_file_it_cannot_use(tmp_path, text, expected):
    path = tmp_path / "2027.csv"
    path.write_text(text)
    with pytest.raises(CommandError, match="nothing imported") as error:
        _run("import", str(path))
    assert expected in str(error.value)


def test_it_replaces_a_loaded_year_only_when_asked(tmp_path):
    path = tmp_path / "2026.csv"
    path.write_text("date,kind,name\n2026-01-01,holiday,New Year's Day\n")
    days_2026 = CalendarDay.objects.filter(year=2026).count()

    with pytest.raises(CommandError, match=r"already loaded.*--replace"):
        _run("import", str(path))
    assert CalendarDay.objects.filter(year=2026).count() == days_2026
    assert not is_working_day(date(2026, 10, 1))

    _run("import", str(path), "--replace")

    assert CalendarDay.objects.filter(year=2026).count() == 1
    assert CalendarYear.objects.get(year=2026).source == CalendarSource.ADMINISTRATOR
    assert is_working_day(date(2026, 10, 1))  # the replaced schedule no longer has National Day
    event = AuditEvent.objects.get(action="calendar.import")
    assert len(event.before["days"]) == days_2026


@pytest.mark.django_db(transaction=True)
def test_it_survives_the_flush_after_a_transactional_test():
    # pytest-django flushes the database after such a test; post_migrate then puts the seed back, so the
    # tests that follow still know the holidays.
    call_command("flush", interactive=False, verbosity=0)
    assert calendar.covered_years() == set(range(FIRST, LAST + 1))
    assert not is_working_day(date(2025, 10, 1))

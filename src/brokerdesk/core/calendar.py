"""Working and trading days (DOMAIN.md "Business calendar").

The State Council's holiday schedule is data in the operational database: CalendarYear (a year whose schedule
is loaded) and CalendarDay (its exceptions to the Monday-Friday rule: holidays, and make-up working days on
weekends). Migration core 0004 seeds every year chinese-calendar covers (up to 2026); administrators add each
new year in the admin or with `brokerdesk calendar import`. For a year that is not loaded we fall back to
Monday-Friday and warn once per year and process, never crash.

Intake, synth and segmentation ask about millions of days in loops, so the answers come from an in-process
snapshot (frozen sets and a dict), never from a query per call:
- In this process a save or delete of a CalendarYear/CalendarDay drops the snapshot (signals wired in
  CoreConfig.ready), at once and again when the transaction commits; bulk writes call invalidate().
- Other processes (web/API workers, Huey workers, on other machines too) cannot hear those signals and there
  is no cross-process bus in embedded mode, so every snapshot also expires after SNAPSHOT_TTL_SECONDS and is
  read again. A schedule changes about once a year and concerns days weeks or months ahead, so a minute of
  staleness is harmless, while the reload costs two small queries a minute.
A transaction that changes the calendar and then rolls back leaves this process's snapshot showing its rows
until the next expiry (there is no rollback hook); tests call invalidate() around such changes.
"""

import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType

import chinese_calendar

log = logging.getLogger(__name__)
# Snapshot trouble is reported on a child logger: the parent's records are the per-year fallback warnings.
snapshot_log = logging.getLogger(f"{__name__}.snapshot")

SNAPSHOT_TTL_SECONDS = 60.0
# = core.choices.CalendarDayKind; this module imports no Django at load (bench and tools use it without settings)
HOLIDAY, MAKEUP_WORKDAY = "holiday", "makeup_workday"

_warned_years: set[int] = set()


@dataclass(frozen=True)
class _Calendar:
    years: frozenset[int]  # years whose schedule is loaded
    holidays: frozenset[date]
    makeup_workdays: frozenset[date]
    names: Mapping[date, str]  # holiday name of a holiday or make-up working day ("" left out)
    origin: str  # "database" or "chinese-calendar" (the tables could not be read)
    expires_at: float  # _now()


_snapshot: _Calendar | None = None
_now = time.monotonic  # the snapshot's clock (tests move it)
_generation = 0  # bumped by invalidate(): a load that started before it is not kept
_lock = threading.Lock()


def _build(years: Iterable[int], days: Iterable[tuple[date, str, str]], origin: str) -> _Calendar:
    days = list(days)
    return _Calendar(
        years=frozenset(years),
        holidays=frozenset(d for d, kind, _ in days if kind == HOLIDAY),
        makeup_workdays=frozenset(d for d, kind, _ in days if kind == MAKEUP_WORKDAY),
        names=MappingProxyType({d: name for d, _, name in days if name}),
        origin=origin,
        expires_at=_now() + SNAPSHOT_TTL_SECONDS,
    )


def chinese_calendar_schedule() -> tuple[range, list[tuple[date, str, str]]]:
    """The schedule chinese-calendar knows: (its years, [(date, kind, holiday name)]) in date order."""
    days = {**chinese_calendar.holidays, **chinese_calendar.workdays}  # as get_holiday_detail: workdays win
    rows = [
        (day, MAKEUP_WORKDAY if day in chinese_calendar.workdays else HOLIDAY, days[day] or "")
        for day in sorted(days)
    ]
    return range(min(days).year, max(days).year + 1), rows


def _load_from_database() -> _Calendar:
    from django.db import transaction

    from brokerdesk.core.models import CalendarDay, CalendarYear

    # A savepoint when the caller is inside a transaction: on PostgreSQL a failed query (a table that does
    # not exist yet) would otherwise abort the caller's whole transaction.
    with transaction.atomic():
        years = list(CalendarYear.objects.values_list("year", flat=True))
        days = list(CalendarDay.objects.values_list("date", "kind", "name"))
    return _build(years, days, "database")


def _fallback(previous: _Calendar | None, error: Exception) -> _Calendar:
    """The calendar when the tables cannot be read: before `migrate` created them, with the database
    unreachable, in a process without Django settings (bench, tools), or from async code. The last snapshot
    read from the database if there is one, else chinese-calendar's own data, so that nothing crashes."""
    if previous is not None and previous.origin == "database":
        snapshot_log.warning("cannot re-read the holiday calendar (%s): keeping the last one read", error)
        return replace(previous, expires_at=_now() + SNAPSHOT_TTL_SECONDS)
    snapshot_log.warning("cannot read the holiday calendar from the database (%s): using chinese-calendar's "
                         "built-in schedule until it can", error)
    years, days = chinese_calendar_schedule()
    return _build(years, days, "chinese-calendar")


def _reload() -> _Calendar:
    global _snapshot
    with _lock:
        current = _snapshot
        if current is not None and current.expires_at > _now():
            return current  # another thread has just reloaded it
        generation = _generation
        try:
            fresh = _load_from_database()
        except Exception as exc:  # the calendar must answer whatever the database does
            fresh = _fallback(current, exc)
        if generation == _generation:
            _snapshot = fresh
        return fresh


def _current() -> _Calendar:
    snapshot = _snapshot
    if snapshot is None or snapshot.expires_at <= _now():
        snapshot = _reload()
    return snapshot


def invalidate() -> None:
    """Drop this process's snapshot: the next question reads the tables again."""
    global _snapshot, _generation
    _generation += 1
    _snapshot = None


def on_calendar_changed(sender, using=None, **kwargs) -> None:
    """post_save/post_delete of CalendarYear and CalendarDay (connected in CoreConfig.ready).

    Now, so this thread sees its own change; and on commit, in case another thread re-read the old rows
    while the transaction was open."""
    from django.db import DEFAULT_DB_ALIAS, transaction

    invalidate()
    transaction.on_commit(invalidate, using=using or DEFAULT_DB_ALIAS)


def seed_if_empty(sender=None, using=None, apps=None, **kwargs) -> None:
    """post_migrate: an empty calendar (after `flush`, which test isolation also uses) gets the chinese-calendar
    seed back, as migration core 0004 gave it. A loaded year is never touched."""
    from django.apps import apps as global_apps
    from django.db import DEFAULT_DB_ALIAS, connections

    using = using or DEFAULT_DB_ALIAS
    try:  # the models as migrated (migrate passes its state; flush does not)
        year_model = (apps or global_apps).get_model("core", "CalendarYear")
        day_model = (apps or global_apps).get_model("core", "CalendarDay")
    except LookupError:
        return  # migrated to before core 0004
    tables = set(connections[using].introspection.table_names())
    if not {year_model._meta.db_table, day_model._meta.db_table} <= tables:
        return
    if year_model.objects.using(using).exists():
        return
    years, days = chinese_calendar_schedule()
    version = getattr(chinese_calendar, "__version__", "")
    year_model.objects.using(using).bulk_create(
        year_model(year=year, source="chinese-calendar", note=f"seeded from chinese-calendar {version}".strip())
        for year in years
    )
    day_model.objects.using(using).bulk_create(
        (day_model(date=day, kind=kind, name=name, year_id=day.year) for day, kind, name in days), batch_size=500
    )
    invalidate()


# --- Questions --------------------------------------------------------------------------------------------


def _warn_uncovered(year: int) -> None:
    if year not in _warned_years:
        _warned_years.add(year)
        log.warning("holiday schedule for %s is not loaded: treating Monday-Friday as working days", year)


def is_working_day(day: date) -> bool:
    """A working day: Monday-Friday except holidays, plus make-up working weekend days (调休上班).
    For a year whose schedule is not loaded: Monday-Friday, with one warning per year."""
    if isinstance(day, datetime):
        day = day.date()
    calendar = _current()
    if day.year in calendar.years:
        if day.weekday() < 5:
            return day not in calendar.holidays
        return day in calendar.makeup_workdays
    _warn_uncovered(day.year)
    return day.weekday() < 5


def holiday_name(day: date) -> str | None:
    """The holiday a day belongs to ("National Day", also for its make-up working days), or None: an
    ordinary day, or a year whose holiday schedule is not loaded."""
    if isinstance(day, datetime):
        day = day.date()
    calendar = _current()
    if day.year not in calendar.years:
        return None
    return calendar.names.get(day)


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


def covered_years() -> set[int]:
    """The years whose State Council schedule is loaded."""
    return set(_current().years)


def is_covered(year: int) -> bool:
    return year in _current().years


# --- Adding a year ----------------------------------------------------------------------------------------


def calendar_day_problem(year: int, day: date, kind: str) -> str | None:
    """Why (day, kind) cannot be part of year's schedule, or None."""
    if day.year != year:
        return f"{day.isoformat()} is not in {year}"
    if kind not in (HOLIDAY, MAKEUP_WORKDAY):
        return f"kind {kind!r} is not one of {HOLIDAY}, {MAKEUP_WORKDAY}"
    if kind == MAKEUP_WORKDAY and day.weekday() < 5:
        return f"{day.isoformat()} is a {day.strftime('%A')}: a make-up working day falls on a Saturday or Sunday"
    return None


def calendar_year_import(*, actor, year: int, days: list[tuple[date, str, str]], note: str = "",
                         replace_existing: bool = False):
    """Load one year's schedule (all or nothing, audited): [(date, kind, holiday name)], the exceptions to
    the Monday-Friday rule. A loaded year is refused unless replace_existing, which swaps its days."""
    from django.db import transaction

    from brokerdesk.core.audit import audit_record
    from brokerdesk.core.choices import CalendarSource
    from brokerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
    from brokerdesk.core.models import CalendarDay, CalendarYear

    if actor is not None and not actor.has_perms(["core.add_calendaryear", "core.add_calendarday"]
                                                 + (["core.change_calendaryear", "core.delete_calendarday"]
                                                    if replace_existing else [])):
        raise PermissionDenied()
    problems = [problem for day, kind, _ in days if (problem := calendar_day_problem(year, day, kind))]
    seen: set[date] = set()
    for day, _, _ in days:
        if day in seen:
            problems.append(f"{day.isoformat()} is listed twice")
        seen.add(day)
    if not days:
        problems.append(f"no days for {year}: a year's schedule lists its holidays")
    if problems:
        raise ValidationFailed(details={"days": problems})

    with transaction.atomic():
        existing = CalendarYear.objects.select_for_update().filter(year=year).first()
        before = None
        if existing is not None:
            if not replace_existing:
                raise Conflict(f"The holiday schedule for {year} is already loaded.")
            before = {"source": existing.source, "note": existing.note,
                      "days": [[d.isoformat(), k, n] for d, k, n in existing.days.values_list("date", "kind", "name")]}
            existing.days.all().delete()
            existing.source, existing.note = CalendarSource.ADMINISTRATOR, note
            existing.save(update_fields=["source", "note", "updated_at"])
            calendar_year = existing
        else:
            calendar_year = CalendarYear.objects.create(year=year, source=CalendarSource.ADMINISTRATOR, note=note)
        CalendarDay.objects.bulk_create(
            CalendarDay(date=day, kind=kind, name=name, year=calendar_year) for day, kind, name in sorted(days)
        )
        audit_record(
            actor=actor, action="calendar.import", object_type="calendaryear", object_id=year, before=before,
            after={"source": calendar_year.source, "note": note,
                   "days": [[d.isoformat(), k, n] for d, k, n in sorted(days)]},
        )
        transaction.on_commit(invalidate)
    invalidate()
    return calendar_year

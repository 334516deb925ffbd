"""`brokerdesk calendar`: the business calendar's loaded years, and adding a year from a CSV file.

    brokerdesk calendar list
    brokerdesk calendar import 2027.csv [--note "国办发明电〔2026〕X号"] [--replace]

The CSV (UTF-8, a BOM from Excel is fine) lists one year's exceptions to the Monday-Friday rule:

    date,kind,name
    2027-01-01,holiday,New Year's Day
    2027-02-06,makeup_workday,Spring Festival

kind is `holiday` (also for the weekend days of a holiday) or `makeup_workday` (调休上班, a Saturday or Sunday).
The import is all or nothing: any error is reported with its line and field, and nothing is written.
"""

import csv
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Q
from django.utils import timezone

from brokerdesk.core.calendar import HOLIDAY, MAKEUP_WORKDAY, calendar_day_problem, calendar_year_import
from brokerdesk.core.errors import ApplicationError
from brokerdesk.core.models import CalendarYear

COLUMNS = ("date", "kind", "name")
NAME_MAX = 64


def read_calendar_csv(path: Path) -> tuple[int | None, list[tuple[date, str, str]], list[str]]:
    """(year, days, errors). The year is the first valid date's; every error names its line and field."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [], [f"{path}: cannot read it as UTF-8 text ({exc})"]
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return None, [], ["the file is empty: expected a header line date,kind,name"]
    header = [cell.strip().lower() for cell in rows[0]]
    if tuple(header) != COLUMNS:
        return None, [], [f"line 1 (header): expected the columns {','.join(COLUMNS)}, found {','.join(rows[0])}"]

    errors: list[str] = []
    days: list[tuple[date, str, str]] = []
    first_line: dict[date, int] = {}
    year: int | None = None
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(COLUMNS):
            errors.append(f"line {line}: expected {len(COLUMNS)} fields (date,kind,name), found {len(row)}")
            continue
        raw_date, kind, name = (cell.strip() for cell in row)
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors.append(f"line {line}, date: {raw_date!r} is not a date (YYYY-MM-DD)")
            continue
        if kind not in (HOLIDAY, MAKEUP_WORKDAY):
            errors.append(f"line {line}, kind: {kind!r} is not one of {HOLIDAY}, {MAKEUP_WORKDAY}")
            continue
        if len(name) > NAME_MAX:
            errors.append(f"line {line}, name: longer than {NAME_MAX} characters")
            continue
        year = day.year if year is None else year
        if day.year != year:
            errors.append(f"line {line}, date: {day.isoformat()} is not in {year} (one file holds one year)")
            continue
        if problem := calendar_day_problem(year, day, kind):
            errors.append(f"line {line}, kind: {problem}")
            continue
        if day in first_line:
            errors.append(f"line {line}, date: {day.isoformat()} is already on line {first_line[day]}")
            continue
        first_line[day] = line
        days.append((day, kind, name))
    if not days and not errors:
        errors.append("no days: the file has a header but no rows")
    return year, days, errors


class Command(BaseCommand):
    help = "Business calendar: list the years whose holiday schedule is loaded; import a year from a CSV file."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="years covered, their holidays and make-up working days, and source")
        load = sub.add_parser("import", help="add a year from a CSV file date,kind,name (all or nothing)")
        load.add_argument("file", type=Path)
        load.add_argument("--note", default="", help="e.g. the State Council notice the schedule comes from")
        load.add_argument("--replace", action="store_true", help="replace the days of a year already loaded")

    def handle(self, *args, action, **options):
        if action == "list":
            self._list()
        else:
            self._import(options["file"], options["note"], options["replace"])

    def _list(self) -> None:
        years = CalendarYear.objects.order_by("year").annotate(
            holidays=Count("days", filter=Q(days__kind=HOLIDAY)),
            makeup=Count("days", filter=Q(days__kind=MAKEUP_WORKDAY)),
        )
        self.stdout.write(f"{'year':<6}{'holidays':>9}{'make-up days':>14}  {'source':<18}{'updated':<18}note")
        for y in years:
            updated = timezone.localtime(y.updated_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{y.year:<6}{y.holidays:>9}{y.makeup:>14}  {y.source:<18}{updated:<18}{y.note}")
        if not years:
            self.stdout.write("no years loaded: every day falls back to Monday-Friday")
        else:
            self.stdout.write("years not listed fall back to Monday-Friday (with a warning)")

    def _import(self, path: Path, note: str, replace: bool) -> None:
        year, days, errors = read_calendar_csv(path)
        if errors:
            raise CommandError(f"{path}: nothing imported, {len(errors)} error(s):\n" + "\n".join(errors))
        try:
            calendar_year_import(actor=None, year=year, days=days, note=note, replace_existing=replace)
        except ApplicationError as exc:
            hint = " (use --replace to replace its days)" if exc.code == "conflict" else ""
            raise CommandError(f"{path}: nothing imported: {exc.message}{hint} {exc.details or ''}".rstrip()) from exc
        holidays = sum(kind == HOLIDAY for _, kind, _ in days)
        self.stdout.write(self.style.SUCCESS(
            f"{year}: loaded {holidays} holiday(s) and {len(days) - holidays} make-up working day(s) from {path}"
        ))

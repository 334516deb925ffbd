"""The figures' period: a calendar month (?month=YYYY-MM) or year (?year=YYYY) in Shanghai time, half-open
[start, end); by default the current year to date. Parsing (and its messages) is the complaint reports'."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from brokerdesk.tickets.reports.periods import SHANGHAI, parse_month, parse_year, year_period


@dataclass(frozen=True)
class VisitPeriod:
    year: int
    month: int | None  # None: the whole year
    start: datetime  # Shanghai midnight
    end: datetime  # exclusive
    as_of: datetime  # the end, or now while the period is still running

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)

    @property
    def query(self) -> str:
        """The page's query string for this period (the export link, the chart)."""
        return f"month={self.label}" if self.month else f"year={self.year}"

    @property
    def start_date(self) -> date:
        return self.start.date()

    @property
    def end_date(self) -> date:
        return self.end.date()

    @property
    def running(self) -> bool:
        return self.as_of < self.end

    @property
    def elapsed_months(self) -> int:
        """Whole months of the period's year gone by at as_of (0-12): what the yearly sample should have covered."""
        local = timezone.localtime(self.as_of, SHANGHAI)
        if local.year > self.year:
            return 12
        if local.year < self.year:
            return 0
        return local.month - 1


def parse_period(month: str | None = None, year: str | None = None, *, now: datetime | None = None) -> VisitPeriod:
    """?month=2026-03 → March 2026; ?year=2025 → 2025; neither → the current year to date. A value that is not a
    month or a year is ValidationFailed with a message for the page."""
    now = now or timezone.now()
    if (month or "").strip():
        period = parse_month(month, now=now)
    elif (year or "").strip():
        period = parse_year(year, now=now)
    else:
        period = year_period(timezone.localtime(now, SHANGHAI).year)
    return VisitPeriod(year=period.year, month=period.month, start=period.start, end=period.end,
                       as_of=min(period.end, now))

"""Report periods: Asia/Shanghai calendar months and years, half-open [start, end), parsed from the page's
?month=YYYY-MM and ?year=YYYY with a message for anything else."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.errors import ValidationFailed

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    """A calendar month (month set) or year (month None) in Shanghai time: [start, end)."""

    year: int
    month: int | None
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(_("Choose a year between %(first)d and %(last)d.")
                               % {"first": FIRST_YEAR, "last": LAST_YEAR}, details={"period": ["year"]})


def month_period(year: int, month: int) -> Period:
    _check_year(year)
    if not 1 <= month <= 12:
        raise ValidationFailed(_("A month is 1 to 12."), details={"period": ["month"]})
    start = datetime(year, month, 1, tzinfo=SHANGHAI)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=SHANGHAI)
    return Period(year=year, month=month, start=start, end=end)


def year_period(year: int) -> Period:
    _check_year(year)
    return Period(year=year, month=None, start=datetime(year, 1, 1, tzinfo=SHANGHAI),
                  end=datetime(year + 1, 1, 1, tzinfo=SHANGHAI))


def parse_month(text: str | None, *, now: datetime | None = None) -> Period:
    """'2026-11' → that month; empty → the current month. Anything else is ValidationFailed with a message
    the page shows."""
    text = (text or "").strip()
    if not text:
        local = timezone.localtime(now or timezone.now(), SHANGHAI)
        return month_period(local.year, local.month)
    year, sep, month = text.partition("-")
    if not (sep and text.isascii() and len(year) == 4 and year.isdigit() and 1 <= len(month) <= 2
            and month.isdigit()):
        raise ValidationFailed(_("“%(value)s” is not a month: write it as YYYY-MM, e.g. 2026-11.")
                               % {"value": text[:20]}, details={"month": [text[:20]]})
    return month_period(int(year), int(month))


def parse_year(text: str | None, *, now: datetime | None = None) -> Period:
    """'2026' → that year; empty → last year (the annual summary is due by 30 April of the next year)."""
    text = (text or "").strip()
    if not text:
        return year_period(timezone.localtime(now or timezone.now(), SHANGHAI).year - 1)
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise ValidationFailed(_("“%(value)s” is not a year: write it as YYYY, e.g. 2026.") % {"value": text[:20]},
                               details={"year": [text[:20]]})
    return year_period(int(text))

"""NPS analytics: NPS with its confidence interval by branch, segment, theme, channel and period; trends; response
rates; verbatims grouped by jieba keyword themes. Reads only (no audit here; the Excel export audits itself).

How it is computed
- Every figure is one grouped SQL aggregate over the Response table's denormalised columns (branch, theme,
  channel, submitted_at, nps_score): `COUNT(CASE WHEN score >= 9 ...)` per group, no join for branch, theme,
  channel and period, and nothing loops over responses in Python (bench/nps: branch x month over 1M responses).
  The Python loops go over the few groups the database returns, to attach labels and the interval (surveys.nps).
- Periods are calendar days, ISO weeks (from Monday) or months in Shanghai time; the bucket is computed by the
  database (SQLite `date(...)` modifiers, PostgreSQL `date_trunc` at time zone Asia/Shanghai), so the same
  query runs on both.
- Segments are the clients' *current* segment memberships (valid_to IS NULL), not those at the time of the
  answer: "how do today's VIP clients rate us". A client in several segments counts in each.
- Experience officers' responses (mystery clients) are never part of the client figures: every client query
  filters is_experience_officer = false, and their figures are computed apart (officers=True).

Scoping: surveys.view_nps is required (PermissionDenied otherwise); branch staff see their branch's responses
and invitations only (core.scoping.visible_to over Response.branch / Invitation.branch); asking for another
branch (or a segment or theme that does not exist) is NotFound, like a missing one.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DateField, F, Func, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.masking import mask_id_number, mask_name, mask_phone
from brokerdesk.core.scoping import database_id, visible_branch, visible_to
from brokerdesk.knowledge.text import terms
from brokerdesk.org.models import Branch
from brokerdesk.segmentation.models import Segment, SegmentMembership
from brokerdesk.surveys import nps as npsmath
from brokerdesk.surveys.choices import InvitationStatus, SurveyChannel
from brokerdesk.surveys.models import Campaign, Invitation, NpsDaily, NpsMonthly, Response, Theme
from brokerdesk.tickets.reports.periods import SHANGHAI

VIEW_PERMISSION = "surveys.view_nps"
UNITS = ("month", "week", "day")
MAX_BUCKETS = {"month": 120, "week": 260, "day": 400}
DIMENSIONS = ("branch", "segment", "theme", "channel", "period")
PROMOTER_Q = Q(nps_score__gte=9)
PASSIVE_Q = Q(nps_score__gte=7, nps_score__lte=8)
DETRACTOR_Q = Q(nps_score__lte=6)
# Verbatims: the newest comments read for keyword themes, keywords per group, example comments per keyword.
VERBATIM_COMMENTS = 5000
VERBATIM_KEYWORDS = 12
VERBATIM_EXAMPLES = 3
# Feedback words that say nothing about what the client means (on top of the search stop words).
_FEEDBACK_STOP_WORDS_TEXT = """
觉得 感觉 比较 还是 希望 真的 有点 一直 总是 每次 因为 所以 但是 就是 不是 没有 客户 我们 时间 东西 事情
还有 其实 目前 以及 可能 而且 不过 这次 上次 不错 满意 一般 以后 之前 感谢 建议 意见 评价 服务 没什么
"""
FEEDBACK_STOP_WORDS = frozenset(_FEEDBACK_STOP_WORDS_TEXT.split())
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![\dXx])\d{17}[\dXx](?![\dXx])")


# --- Filters ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the figures cover: submitted in [start, end) (Shanghai midnights), bucketed by unit, optionally one
    branch, theme, channel or segment."""

    start: datetime
    end: datetime
    unit: str = "month"
    branch_id: int | None = None
    theme_id: int | None = None
    channel: str = ""
    segment_id: int | None = None

    @property
    def first_day(self) -> date:
        return timezone.localtime(self.start, SHANGHAI).date()

    @property
    def last_day(self) -> date:
        return timezone.localtime(self.end, SHANGHAI).date() - timedelta(days=1)

    def query(self, **changes) -> dict:
        """The filters as query parameters (for links: export, drill-downs)."""
        params = {"from": self.first_day.isoformat(), "to": self.last_day.isoformat(), "unit": self.unit,
                  "branch": self.branch_id or "", "theme": self.theme_id or "", "channel": self.channel,
                  "segment": self.segment_id or ""}
        params.update(changes)
        return {k: v for k, v in params.items() if v not in ("", None)}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def _parse_date(value: str, name: str, errors: dict) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        errors.setdefault(name, []).append(_("Enter a date as YYYY-MM-DD."))
        return None


def _optional_id(value, name: str, errors: dict) -> int | None:
    value = str(value or "").strip()
    if not value:
        return None
    try:
        return database_id(value)
    except NotFound:
        errors.setdefault(name, []).append(_("Not a valid id."))
        return None


def default_period(now: datetime | None = None) -> tuple[date, date]:
    """The last twelve months, this month included (Shanghai time): first and last day."""
    today = timezone.localtime(now or timezone.now(), SHANGHAI).date()
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1), today


def parse_filters(actor, params: Mapping, *, now: datetime | None = None) -> Filters:
    """Filters from query parameters (from, to as YYYY-MM-DD, inclusive; unit month|week|day; branch, theme and
    segment ids; channel). Malformed values are ValidationFailed (every field at once); a branch the actor may not
    see, or a theme or segment that does not exist, is NotFound."""
    errors: dict[str, list[str]] = {}
    default_first, default_last = default_period(now)
    first = _parse_date(params.get("from", ""), "from", errors) or default_first
    last = _parse_date(params.get("to", ""), "to", errors) or default_last
    unit = (params.get("unit") or "month").strip()
    if unit not in UNITS:
        errors.setdefault("unit", []).append(_("One of: month, week, day."))
    if last < first:
        errors.setdefault("to", []).append(_("The end date is before the start date."))
    elif unit in UNITS and len(buckets(first, last, unit)) > MAX_BUCKETS[unit]:
        errors.setdefault("unit", []).append(
            _("Too many periods: at most %(n)d per chart; choose a longer unit or a shorter range.")
            % {"n": MAX_BUCKETS[unit]})
    channel = (params.get("channel") or "").strip()
    if channel and channel not in SurveyChannel.values:
        errors.setdefault("channel", []).append(_("One of: %(values)s.") % {"values": ", ".join(SurveyChannel.values)})
    branch_id = _optional_id(params.get("branch"), "branch", errors)
    theme_id = _optional_id(params.get("theme"), "theme", errors)
    segment_id = _optional_id(params.get("segment"), "segment", errors)
    if errors:
        raise ValidationFailed(details=errors)
    if branch_id is not None:
        visible = visible_branch(actor)
        if (visible != "all" and visible != branch_id) or not Branch.objects.filter(pk=branch_id).exists():
            raise NotFound()
    if theme_id is not None and not Theme.objects.filter(pk=theme_id).exists():
        raise NotFound()
    if segment_id is not None and not Segment.objects.filter(pk=segment_id).exists():
        raise NotFound()
    return Filters(start=_midnight(first), end=_midnight(last + timedelta(days=1)), unit=unit, branch_id=branch_id,
                   theme_id=theme_id, channel=channel, segment_id=segment_id)


def filters_for(start: date, end_inclusive: date, unit: str = "month", **kwargs) -> Filters:
    """Filters from Python (the benchmark, the tests), unchecked."""
    return Filters(start=_midnight(start), end=_midnight(end_inclusive + timedelta(days=1)), unit=unit, **kwargs)


# --- Periods ----------------------------------------------------------------------------------------------


def bucket_start(day: date, unit: str) -> date:
    if unit == "month":
        return day.replace(day=1)
    if unit == "week":
        return day - timedelta(days=day.weekday())
    return day


def buckets(first: date, last: date, unit: str) -> list[date]:
    """Every bucket's first day from first to last (inclusive), in order: the chart's x axis, gaps included."""
    out, current = [], bucket_start(first, unit)
    while current <= last:
        out.append(current)
        if unit == "month":
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        else:
            current += timedelta(days=7 if unit == "week" else 1)
        if len(out) > MAX_BUCKETS[unit] + 1:
            break
    return out


def bucket_label(day: date, unit: str) -> str:
    if unit == "month":
        return day.strftime("%Y-%m")
    if unit == "week":
        iso = day.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return day.isoformat()


class PeriodStart(Func):
    """The first day (a date, Shanghai time) of the day, ISO week or month a timestamp falls in, computed by the
    database with its own date functions (no per-row Python function on SQLite)."""

    output_field = DateField()

    def __init__(self, expression, unit: str):
        if unit not in UNITS:
            raise ValueError(unit)
        self.unit = unit
        super().__init__(expression)

    def as_sqlite(self, compiler, connection, **extra):
        # Django stores UTC text; Shanghai has no daylight saving time, so +8 hours is its local time.
        modifiers = {"month": ", '+8 hours', 'start of month'", "week": ", '+8 hours', 'weekday 0', '-6 days'",
                     "day": ", '+8 hours'"}[self.unit]
        return self.as_sql(compiler, connection, template=f"date(%(expressions)s{modifiers})", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        local = "(%(expressions)s AT TIME ZONE 'Asia/Shanghai')"
        template = f"CAST({local} AS date)" if self.unit == "day" else \
            f"CAST(date_trunc('{self.unit}', {local}) AS date)"
        return self.as_sql(compiler, connection, template=template, **extra)


class DayPeriodStart(PeriodStart):
    """PeriodStart for a column that already holds the Shanghai day (NpsDaily.day)."""

    def as_sqlite(self, compiler, connection, **extra):
        modifiers = {"month": ", 'start of month'", "week": ", 'weekday 0', '-6 days'", "day": ""}[self.unit]
        return self.as_sql(compiler, connection, template=f"date(%(expressions)s{modifiers})", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        template = "%(expressions)s" if self.unit == "day" else \
            f"CAST(date_trunc('{self.unit}', %(expressions)s) AS date)"
        return self.as_sql(compiler, connection, template=template, **extra)


# --- The responses an actor may see -----------------------------------------------------------------------


def require_view_nps(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_perm(VIEW_PERMISSION):
        raise PermissionDenied()


def responses_visible_to(actor) -> QuerySet[Response]:
    """Every response the actor may analyse (clients' and officers'), after the permission check."""
    require_view_nps(actor)
    return visible_to(actor, Response.objects.all(), branch_field="branch_id")


def _members_of(segment_id: int):
    return SegmentMembership.objects.filter(segment_id=segment_id, valid_to__isnull=True).values("customer_id")


def scored_responses(actor, filters: Filters, *, officers: bool = False) -> QuerySet[Response]:
    """The scored responses in the filters: clients' (officers=False) or experience officers' (True), never both."""
    qs = responses_visible_to(actor).filter(submitted_at__gte=filters.start, submitted_at__lt=filters.end,
                                            nps_score__isnull=False, is_experience_officer=officers)
    return _apply(qs, filters)


def _apply(qs: QuerySet, filters: Filters, *, theme_field: str = "theme_id") -> QuerySet:
    if filters.branch_id is not None:
        qs = qs.filter(branch_id=filters.branch_id)
    if filters.theme_id is not None:
        qs = qs.filter(**{theme_field: filters.theme_id})
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.segment_id is not None:
        qs = qs.filter(customer_id__in=_members_of(filters.segment_id))
    return qs


def _counted(qs: QuerySet) -> QuerySet:
    return qs.annotate(promoters=Count("pk", filter=PROMOTER_Q), passives=Count("pk", filter=PASSIVE_Q),
                       detractors=Count("pk", filter=DETRACTOR_Q))


# --- NPS by dimension -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NpsRow:
    key: object  # a branch/theme/segment id, a channel code, a period's first day; a tuple for several dimensions
    label: str
    figure: npsmath.NpsFigure

    def as_dict(self) -> dict:
        key = self.key.isoformat() if isinstance(self.key, date) else self.key
        return {"key": key, "label": self.label, **self.figure.as_dict()}


def _group_expression(dimension: str, filters: Filters):
    if dimension == "branch":
        return F("branch_id")
    if dimension == "theme":
        return F("theme_id")
    if dimension == "channel":
        return F("channel")
    if dimension == "segment":
        return F("customer__segment_memberships__segment_id")
    if dimension == "period":
        return PeriodStart("submitted_at", filters.unit)
    raise ValidationFailed(details={"by": [_("One of: %(values)s.") % {"values": ", ".join(DIMENSIONS)}]})


def nps_grouped(actor, filters: Filters, dimensions: tuple[str, ...], *,
                officers: bool = False) -> list[tuple[tuple, npsmath.NpsFigure]]:
    """(keys, figure) for each group of the dimensions (e.g. ("branch", "period") = branch x month): one SQL
    aggregate; unordered."""
    if "segment" not in dimensions and filters.segment_id is None:
        return _daily_grouped(actor, filters, dimensions, officers=officers)
    qs = scored_responses(actor, filters, officers=officers)
    if "segment" in dimensions:
        # One join for the filter and the group: current memberships only (not the clients without any).
        qs = qs.filter(customer__segment_memberships__valid_to__isnull=True,
                       customer__segment_memberships__segment_id__isnull=False)
    names = [f"g_{d}" for d in dimensions]
    qs = qs.order_by().annotate(**{n: _group_expression(d, filters) for n, d in zip(names, dimensions, strict=True)})
    rows = _counted(qs.values(*names))
    return [(tuple(r[n] for n in names), npsmath.figure(r["promoters"], r["passives"], r["detractors"]))
            for r in rows]


_DAILY_GROUP = {"branch": "branch_key", "theme": "theme_id", "channel": "channel"}


def daily_grouped_rows(actor, filters: Filters, dimensions: tuple[str, ...], *, officers: bool = False):
    """The aggregate over the kept counts for the dimensions: a values() queryset with the keys g_<d> and the
    sums p, s, d. Whole months by month (or without a period) read the monthly counts, anything else the daily
    ones; filters cover whole Shanghai days, which is what the rows count."""
    require_view_nps(actor)
    first, last = filters.first_day, filters.last_day
    whole_months = first.day == 1 and (last + timedelta(days=1)).day == 1
    monthly = whole_months and (filters.unit == "month" or "period" not in dimensions)
    model = NpsMonthly if monthly else NpsDaily
    qs = visible_to(actor, model.objects.all(), branch_field="branch_key").filter(
        day__gte=first.replace(day=1) if monthly else first, day__lte=last, is_experience_officer=officers)
    if filters.branch_id is not None:
        qs = qs.filter(branch_key=filters.branch_id)
    if filters.theme_id is not None:
        qs = qs.filter(theme_id=filters.theme_id)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    names = [f"g_{d}" for d in dimensions]
    period = F("day") if monthly else DayPeriodStart("day", filters.unit)
    expressions = {n: (period if d == "period" else F(_DAILY_GROUP[d]))
                   for n, d in zip(names, dimensions, strict=True)}
    return (qs.order_by().annotate(**expressions).values(*names)
            .annotate(p=Sum("promoters"), s=Sum("passives"), d=Sum("detractors")))


def _daily_grouped(actor, filters: Filters, dimensions: tuple[str, ...], *,
                   officers: bool) -> list[tuple[tuple, npsmath.NpsFigure]]:
    """nps_grouped over the daily counts: the same figures, from a few rows per day instead of every response."""
    grouped = []
    for r in daily_grouped_rows(actor, filters, dimensions, officers=officers):
        keys = tuple((r[f"g_{d}"] or None) if d == "branch" else r[f"g_{d}"] for d in dimensions)
        grouped.append((keys, npsmath.figure(r["p"] or 0, r["s"] or 0, r["d"] or 0)))
    return grouped


def nps_total(actor, filters: Filters, *, officers: bool = False) -> npsmath.NpsFigure:
    r = scored_responses(actor, filters, officers=officers).order_by().aggregate(
        promoters=Count("pk", filter=PROMOTER_Q), passives=Count("pk", filter=PASSIVE_Q),
        detractors=Count("pk", filter=DETRACTOR_Q))
    return npsmath.figure(r["promoters"] or 0, r["passives"] or 0, r["detractors"] or 0)


def labels(dimension: str, keys, unit: str = "month") -> dict:
    keys = [k for k in keys if k is not None]
    if dimension == "branch":
        return {b.pk: f"{b.name} ({b.code})" for b in Branch.objects.filter(pk__in=keys)}
    if dimension == "theme":
        return {t.pk: t.name for t in Theme.objects.filter(pk__in=keys)}
    if dimension == "segment":
        return {s.pk: f"{s.get_dimension_display()}: {s.label}" for s in Segment.objects.filter(pk__in=keys)}
    if dimension == "channel":
        return {k: str(SurveyChannel(k).label) if k in SurveyChannel.values else k for k in keys}
    if dimension == "period":
        return {k: bucket_label(k, unit) for k in keys}
    return {}


def nps_by(actor, filters: Filters, dimension: str, *, officers: bool = False) -> list[NpsRow]:
    """NPS per branch / segment / theme / channel (most responses first) or per period (in time order, every
    bucket of the range, empty ones with no NPS)."""
    if dimension not in DIMENSIONS:
        _group_expression(dimension, filters)  # raises the validation error
    grouped = {keys[0]: fig for keys, fig in nps_grouped(actor, filters, (dimension,), officers=officers)}
    if dimension == "period":
        empty = npsmath.figure(0, 0, 0)
        days = buckets(filters.first_day, filters.last_day, filters.unit)
        return [NpsRow(d, bucket_label(d, filters.unit), grouped.get(d, empty)) for d in days]
    names = labels(dimension, grouped)
    rows = [NpsRow(k, names.get(k, _("(none)") if k is None else str(k)), fig) for k, fig in grouped.items()
            if k is not None or dimension != "segment"]
    return sorted(rows, key=lambda r: (-r.figure.responses, r.label))


def branch_month_table(actor, filters: Filters) -> list[dict]:
    """NPS by branch x period: the benchmark's query (bench/nps) and the Excel export's cross table."""
    grouped = nps_grouped(actor, filters, ("branch", "period"))
    names = labels("branch", {k[0] for k, _f in grouped})
    rows = [{"branch_id": b, "branch": names.get(b, _("(none)")), "period": bucket_label(p, filters.unit),
             "period_start": p, **fig.as_dict()} for (b, p), fig in grouped]
    return sorted(rows, key=lambda r: (r["branch"], r["period_start"]))


# --- Response rates ---------------------------------------------------------------------------------------


INVITED_STATUSES = (InvitationStatus.SENT, InvitationStatus.OPENED, InvitationStatus.RESPONDED,
                    InvitationStatus.EXPIRED)


@dataclass(frozen=True)
class RateRow:
    key: object
    label: str
    invited: int  # reached the recipient: sent, opened, responded or expired (not pending, not suppressed)
    responded: int
    suppressed: int  # not sent: opt-out, frequency cap, no address

    @property
    def rate(self) -> float | None:
        return None if not self.invited else 100.0 * self.responded / self.invited

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "invited": self.invited, "responded": self.responded,
                "suppressed": self.suppressed, "rate": None if self.rate is None else round(self.rate, 2)}


def invitations_visible_to(actor) -> QuerySet[Invitation]:
    require_view_nps(actor)
    return visible_to(actor, Invitation.objects.all(), branch_field="branch_id")


def response_rates(actor, filters: Filters, by: str = "campaign") -> list[RateRow]:
    """Invited vs responded among clients' invitations created in the period (a cohort: an invitation of the
    period's last days may still be answered), by campaign or by branch. Officers' invitations are left out."""
    qs = invitations_visible_to(actor).filter(created_at__gte=filters.start, created_at__lt=filters.end,
                                              officer__isnull=True)
    qs = _apply(qs, filters, theme_field="campaign__survey__theme_id")
    field_name = {"campaign": "campaign_id", "branch": "branch_id"}.get(by)
    if field_name is None:
        raise ValidationFailed(details={"by": [_("One of: campaign, branch.")]})
    rows = qs.order_by().values(field_name).annotate(
        invited=Count("pk", filter=Q(status__in=INVITED_STATUSES)),
        responded=Count("pk", filter=Q(status=InvitationStatus.RESPONDED)),
        suppressed=Count("pk", filter=Q(status=InvitationStatus.SUPPRESSED)))
    rows = list(rows)
    keys = [r[field_name] for r in rows]
    if by == "campaign":
        names = {c.pk: f"{c.name} ({c.code})" for c in Campaign.objects.filter(pk__in=keys)}
    else:
        names = labels("branch", keys)
    out = [RateRow(r[field_name], names.get(r[field_name], _("(none)")), r["invited"], r["responded"],
                   r["suppressed"]) for r in rows]
    return sorted(out, key=lambda r: (-r.invited, r.label))


def response_rate_total(rows: list[RateRow]) -> RateRow:
    return RateRow("", _("All"), sum(r.invited for r in rows), sum(r.responded for r in rows),
                   sum(r.suppressed for r in rows))


# --- Verbatims --------------------------------------------------------------------------------------------


def mask_comment(text: str) -> str:
    """A comment as staff lists show it: mobile numbers and ID numbers clients typed in are masked."""
    text = _PHONE.sub(lambda m: mask_phone(m.group(0)), text or "")
    return _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)


def comment_keywords(text: str) -> set[str]:
    """The keywords of a comment: the knowledge base's jieba terms (brokerage words kept whole, stop words and
    punctuation dropped), minus feedback filler words, each once, and without the parts jieba's search mode adds
    of a longer word that is also there ("融资融券" drops "融资" and "融券")."""
    found = {t for t in terms(text) if t not in FEEDBACK_STOP_WORDS}
    return {t for t in found if not any(t != other and t in other for other in found)}


@dataclass
class Example:
    client: str  # masked
    branch: str
    score: int
    submitted_at: datetime
    comment: str  # masked


@dataclass
class Keyword:
    term: str
    count: int  # comments of the group that contain it
    share: float  # of the group's comments read, %
    examples: list[Example] = field(default_factory=list)


@dataclass
class VerbatimGroup:
    group: str
    label: str
    comments: int
    keywords: list[Keyword]


def verbatims(actor, filters: Filters, *, officers: bool = False, limit: int = VERBATIM_COMMENTS,
              top: int = VERBATIM_KEYWORDS, examples: int = VERBATIM_EXAMPLES) -> list[VerbatimGroup]:
    """Keyword themes of the comments, for detractors, passives and promoters: the most frequent keywords (by
    the number of comments containing them) over the newest `limit` comments, each with its newest examples.
    Client names are masked, and so are phone and ID numbers inside the comments."""
    rows = (scored_responses(actor, filters, officers=officers).exclude(comment="")
            .order_by("-submitted_at", "-pk")
            .values("comment", "nps_score", "submitted_at", "branch__name", "customer__name", "customer__kind")
            [:limit])
    by_group: dict[str, list[tuple[dict, set[str]]]] = defaultdict(list)
    for row in rows:
        by_group[npsmath.group(row["nps_score"])].append((row, comment_keywords(row["comment"])))
    names = {npsmath.DETRACTOR: _("Detractors (0-6)"), npsmath.PASSIVE: _("Passives (7-8)"),
             npsmath.PROMOTER: _("Promoters (9-10)")}
    out = []
    for group in (npsmath.DETRACTOR, npsmath.PASSIVE, npsmath.PROMOTER):
        items = by_group.get(group, [])
        tally = Counter(term for _row, keywords in items for term in keywords)
        keywords = []
        for term, count in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))[:top]:
            shown = [Example(client=mask_name(row["customer__name"] or "", row["customer__kind"] or "person"),
                             branch=row["branch__name"] or "", score=row["nps_score"],
                             submitted_at=row["submitted_at"], comment=mask_comment(row["comment"]))
                     for row, kws in items if term in kws][:examples]
            keywords.append(Keyword(term, count, round(100.0 * count / len(items), 1), shown))
        out.append(VerbatimGroup(group, names[group], len(items), keywords))
    return out


# --- The dashboard ----------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    filters: Filters
    total: npsmath.NpsFigure
    rate: RateRow
    trend: list[NpsRow]
    by_branch: list[NpsRow]
    by_theme: list[NpsRow]
    by_channel: list[NpsRow]
    by_segment: list[NpsRow]
    rates_by_campaign: list[RateRow]
    rates_by_branch: list[RateRow]
    officers_total: npsmath.NpsFigure
    officers_by_theme: list[NpsRow]

    def chart(self) -> dict:
        """The trend chart's data (json_script): labels, NPS and the interval per bucket, responses."""
        return {"labels": [r.label for r in self.trend],
                "nps": [_r(r.figure.nps) for r in self.trend],
                "low": [_r(r.figure.low) for r in self.trend],
                "high": [_r(r.figure.high) for r in self.trend],
                "responses": [r.figure.responses for r in self.trend],
                "names": {"nps": "NPS", "interval": _("95 percent interval"), "responses": _("Responses")}}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def dashboard(actor, filters: Filters) -> Dashboard:
    rates_by_campaign = response_rates(actor, filters, "campaign")
    return Dashboard(
        filters=filters,
        total=nps_total(actor, filters),
        rate=response_rate_total(rates_by_campaign),
        trend=nps_by(actor, filters, "period"),
        by_branch=nps_by(actor, filters, "branch"),
        by_theme=nps_by(actor, filters, "theme"),
        by_channel=nps_by(actor, filters, "channel"),
        by_segment=nps_by(actor, filters, "segment"),
        rates_by_campaign=rates_by_campaign,
        rates_by_branch=response_rates(actor, filters, "branch"),
        officers_total=nps_total(actor, filters, officers=True),
        officers_by_theme=nps_by(actor, filters, "theme", officers=True),
    )


def filter_choices(actor) -> dict:
    """What the dashboard's filter menus offer: the branches the actor may see, themes, channels, segments."""
    require_view_nps(actor)
    return {
        "branches": list(visible_to(actor, Branch.objects.order_by("code"), branch_field="pk")),
        "themes": list(Theme.objects.order_by("code")),
        "channels": SurveyChannel.choices,
        "segments": list(Segment.objects.filter(active=True)),
    }


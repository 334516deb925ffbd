"""The complaint report's figures, computed by the database.

Every figure is a grouped count (`values(...).annotate(Count(...))`, conditional `Count(filter=Q(...))`) over
tickets_visible_to(actor): a branch's staff get their branch's report, HQ and center staff the company's. No
figure loops over tickets in Python; the only Python loops go over the few groups the database returns (kinds,
categories, channels, branches, months) to put them in a fixed order with their labels.

Periods are Asia/Shanghai calendar months and years, half-open [start, end). Which tickets each section covers:
- totals, categories, branches, channels, SLA clocks and satisfaction: tickets created in the period;
- escalations: escalation records made in the period (of any visible ticket), and major tickets created in it;
- open items (monthly report): tickets created before the period's end and neither resolved nor closed then.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from brokerdesk.tickets.choices import (
    RegulatorSource,
    Satisfaction,
    TicketChannel,
    TicketKind,
    TicketStatus,
    TimerKind,
    TimerState,
)
from brokerdesk.tickets.models import Escalation, SlaTimer, Ticket, TicketCategory
from brokerdesk.tickets.reports.periods import SHANGHAI, Period, month_period, year_period
from brokerdesk.tickets.selectors import tickets_visible_to
from brokerdesk.tickets.workflow import CALLBACK_KINDS

# What the report calls a complaint: complaints and regulator referrals (DOMAIN.md "Complaints").
COMPLAINT_KINDS = (TicketKind.COMPLAINT, TicketKind.REGULATOR_REFERRAL)
# The clocks whose compliance is reported; the regulator's deadline is shown beside them.
REPORTED_CLOCKS = (TimerKind.FIRST_RESPONSE, TimerKind.RESOLUTION, TimerKind.REGULATOR)
SATISFIED_SCORES = (Satisfaction.SATISFIED, Satisfaction.VERY_SATISFIED)
OPEN_ITEMS_ON_PAGE = 200
ESCALATIONS_LISTED = 500
RATE_PLACES = Decimal("0.0001")
# A clock met on time; a clock breached, or stopped after its due time before the sweep marked it breached.
MET_ON_TIME = Q(state=TimerState.MET) & (Q(stopped_at__isnull=True) | Q(stopped_at__lte=F("due_at")))
BREACHED = Q(state=TimerState.BREACHED) | Q(state=TimerState.MET, stopped_at__gt=F("due_at"))
STILL_RUNNING = Q(state__in=[TimerState.RUNNING, TimerState.PAUSED])


def percent(value: Decimal | None) -> str:
    """0.8333 → "83.3%"; None → "—"."""
    return "—" if value is None else f"{value * 100:.1f}%"


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole as a fraction with four places (0.8333), or None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


# --- The figures -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class BreakdownRow:
    """Complaints (complaints and regulator referrals) in one category, branch, channel or regulator source."""

    key: str
    label: str
    total: int
    complaints: int
    referrals: int
    major: int
    resolved: int  # resolved or closed by now


@dataclass(frozen=True)
class SlaRow:
    """One kind of clock: met on time, breached (late), still running (or paused), and met / (met + breached)."""

    kind: str
    label: str
    met: int
    breached: int
    running: int
    rate: Decimal | None

    @property
    def rate_percent(self) -> str:
        return percent(self.rate)


@dataclass(frozen=True)
class EscalationItem:
    ticket_id: int
    number: str
    subject: str
    branch: str
    at: datetime
    reasons: str  # "name: detail; …"


@dataclass(frozen=True)
class EscalationFigures:
    escalations: int  # escalation records made in the period
    tickets_escalated: int  # distinct tickets among them
    major_tickets: int  # major tickets created in the period
    items: list[EscalationItem] = field(default_factory=list)  # the records, newest first (at most 500)


@dataclass(frozen=True)
class ScoreCount:
    score: int
    label: str
    count: int


@dataclass(frozen=True)
class SatisfactionFigures:
    """Satisfaction callbacks of the complaints (callback kinds) created in the period."""

    scores: list[ScoreCount]  # 1..5
    reached: int  # clients who gave a score
    satisfied: int  # scores 4 and 5
    satisfied_rate: Decimal | None  # satisfied / reached
    unreachable: int  # closed complaints without a score: the client could not be reached
    awaiting: int  # complaints whose callback is under way

    @property
    def satisfied_percent(self) -> str:
        return percent(self.satisfied_rate)


@dataclass(frozen=True)
class OpenItem:
    ticket_id: int
    number: str
    subject: str
    kind_label: str
    branch: str
    owner: str
    created_at: datetime
    age_days: int  # whole days from creation to the period's end (or now, in the current month)
    resolution_due: datetime | None
    overdue: bool


@dataclass(frozen=True)
class MonthRow:
    """One month of the annual summary."""

    month: int
    tickets: int
    complaints: int
    referrals: int
    major: int
    resolved: int
    escalations: int
    sla_met: int  # resolution clocks
    sla_breached: int
    sla_rate: Decimal | None
    reached: int
    satisfied: int
    satisfied_rate: Decimal | None

    @property
    def sla_percent(self) -> str:
        return percent(self.sla_rate)

    @property
    def satisfied_percent(self) -> str:
        return percent(self.satisfied_rate)


@dataclass(frozen=True)
class PeriodFigures:
    """What the monthly report and the annual summary have in common."""

    period: Period
    scope: str  # "all branches", or the branch the actor sees
    generated_at: datetime
    by_kind: list[KindCount]
    tickets_total: int
    complaints_total: int
    by_category: list[BreakdownRow]
    by_branch: list[BreakdownRow]
    by_channel: list[BreakdownRow]
    sla: list[SlaRow]
    escalations: EscalationFigures
    satisfaction: SatisfactionFigures

    @property
    def category_chart(self) -> dict:
        """The bar chart's data (json_script on the page)."""
        rows = [row for row in self.by_category if row.total]
        return {"labels": [row.label for row in rows], "complaints": [row.complaints for row in rows],
                "referrals": [row.referrals for row in rows],
                "names": {"complaints": str(TicketKind.COMPLAINT.label),
                          "referrals": str(TicketKind.REGULATOR_REFERRAL.label)}}

    @property
    def resolution_sla(self) -> SlaRow | None:
        return next((row for row in self.sla if row.kind == TimerKind.RESOLUTION), None)


@dataclass(frozen=True)
class MonthlyReport(PeriodFigures):
    open_count: int = 0  # open at the month's end
    open_items: list[OpenItem] = field(default_factory=list)  # the oldest first, at most OPEN_ITEMS_ON_PAGE

    @property
    def open_items_truncated(self) -> bool:
        return self.open_count > len(self.open_items)


@dataclass(frozen=True)
class AnnualReport(PeriodFigures):
    by_month: list[MonthRow] = field(default_factory=list)  # 12 rows
    by_regulator_source: list[BreakdownRow] = field(default_factory=list)


# --- Queries ---------------------------------------------------------------------------------------------


def _created_in(actor, period: Period) -> QuerySet[Ticket]:
    return tickets_visible_to(actor).filter(created_at__gte=period.start, created_at__lt=period.end)


def _scope_label(actor) -> str:
    if actor is not None and not actor.sees_all_branches and actor.branch_id:
        return str(actor.branch)
    return _("All branches")


def _complaint_counts() -> dict:
    done = Q(status__in=[TicketStatus.RESOLVED, TicketStatus.SATISFACTION_CALLBACK, TicketStatus.CLOSED])
    return {"total": Count("id"), "complaints": Count("id", filter=Q(kind=TicketKind.COMPLAINT)),
            "referrals": Count("id", filter=Q(kind=TicketKind.REGULATOR_REFERRAL)),
            "major": Count("id", filter=Q(is_major=True)), "resolved": Count("id", filter=done)}


def _row(key, label, counts: dict | None) -> BreakdownRow:
    counts = counts or {}
    return BreakdownRow(key=str(key), label=str(label), **{name: counts.get(name, 0) for name in
                                                         ("total", "complaints", "referrals", "major", "resolved")})


def _by_kind(tickets: QuerySet[Ticket]) -> list[KindCount]:
    counts = dict(tickets.order_by().values_list("kind").annotate(n=Count("id")))
    return [KindCount(kind=value, label=str(label), count=counts.get(value, 0)) for value, label in
            TicketKind.choices]


def _category_label(name_zh: str, name_en: str) -> str:
    return name_en if (get_language() or "").startswith("en") and name_en else name_zh


def _by_category(complaints: QuerySet[Ticket]) -> list[BreakdownRow]:
    """Every active category (zeros included, the regulator's form lists them all), inactive ones that still
    have complaints, and complaints recorded without one."""
    groups = {row.pop("category_id"): row for row in complaints.order_by().values("category_id")
              .annotate(**_complaint_counts())}
    rows = [_row(category.code, _category_label(category.name_zh, category.name_en), groups.get(category.pk))
            for category in TicketCategory.objects.filter(Q(is_active=True) | Q(pk__in=[k for k in groups if k]))
            .order_by("position", "code")]
    if None in groups:
        rows.append(_row("", _("No category"), groups[None]))
    return rows


def _by_branch(complaints: QuerySet[Ticket]) -> list[BreakdownRow]:
    rows = []
    for group in (complaints.order_by().values("branch_id", "branch__code", "branch__name")
                  .annotate(**_complaint_counts()).order_by("branch__code")):
        key = group.pop("branch__code") or ""
        name = group.pop("branch__name")
        group.pop("branch_id")
        rows.append(_row(key, name or _("No branch (HQ)"), group))
    return rows


def _by_choice(complaints: QuerySet[Ticket], field_name: str, choices, extra=()) -> list[BreakdownRow]:
    """One row per choice (zeros included), then the `extra` (value, label) pairs that have complaints."""
    groups = {row.pop(field_name): row for row in complaints.order_by().values(field_name)
              .annotate(**_complaint_counts())}
    return ([_row(value, label, groups.get(value)) for value, label in choices]
            + [_row(value, label, groups[value]) for value, label in extra if value in groups])


def _sla(tickets: QuerySet[Ticket]) -> list[SlaRow]:
    """The tickets' own clocks (not supervision replies). A clock stopped after its due time without the sweep
    having marked it breached still counts as breached."""
    groups = {row.pop("kind"): row for row in SlaTimer.objects.filter(
        ticket__in=tickets.values("pk"), supervision__isnull=True, kind__in=REPORTED_CLOCKS)
        .order_by().values("kind").annotate(met=Count("id", filter=MET_ON_TIME),
                                            breached=Count("id", filter=BREACHED),
                                            running=Count("id", filter=STILL_RUNNING))}
    rows = []
    for kind in REPORTED_CLOCKS:
        counts = groups.get(kind, {"met": 0, "breached": 0, "running": 0})
        if kind == TimerKind.REGULATOR and not any(counts.values()):
            continue
        rows.append(SlaRow(kind=kind, label=str(kind.label), rate=rate(counts["met"],
                                                                       counts["met"] + counts["breached"]),
                           **counts))
    return rows


def escalations_in(actor, period: Period) -> QuerySet[Escalation]:
    """The escalation records made in the period, of the tickets the actor sees, newest first."""
    return (Escalation.objects.filter(ticket__in=tickets_visible_to(actor).values("pk"), at__gte=period.start,
                                      at__lt=period.end)
            .select_related("ticket", "ticket__branch").order_by("-at", "-id"))


def _reasons_text(reasons) -> str:
    return "; ".join(f"{r.get('name', '')}: {r.get('detail', '')}" if isinstance(r, dict) else str(r)
                     for r in reasons or [])


def escalation_item(escalation: Escalation) -> EscalationItem:
    ticket = escalation.ticket
    return EscalationItem(ticket_id=ticket.pk, number=ticket.number or f"#{ticket.pk}", subject=ticket.subject,
                          branch=str(ticket.branch or ""), at=escalation.at,
                          reasons=_reasons_text(escalation.reasons))


def _escalations(actor, period: Period, tickets: QuerySet[Ticket]) -> EscalationFigures:
    records = escalations_in(actor, period)
    counts = records.order_by().aggregate(escalations=Count("id"),
                                          tickets_escalated=Count("ticket_id", distinct=True))
    return EscalationFigures(major_tickets=tickets.filter(is_major=True).count(),
                             items=[escalation_item(e) for e in records[:ESCALATIONS_LISTED]], **counts)


def _satisfaction(tickets: QuerySet[Ticket]) -> SatisfactionFigures:
    callbacks = tickets.filter(kind__in=CALLBACK_KINDS)
    per_score = dict(callbacks.filter(satisfaction__isnull=False).order_by().values_list("satisfaction")
                     .annotate(n=Count("id")))
    counts = callbacks.aggregate(
        unreachable=Count("id", filter=Q(status=TicketStatus.CLOSED, satisfaction__isnull=True)),
        awaiting=Count("id", filter=Q(status=TicketStatus.SATISFACTION_CALLBACK)))
    reached = sum(per_score.values())
    satisfied = sum(per_score.get(score, 0) for score in SATISFIED_SCORES)
    return SatisfactionFigures(
        scores=[ScoreCount(score=value, label=str(label), count=per_score.get(value, 0))
                for value, label in Satisfaction.choices],
        reached=reached, satisfied=satisfied, satisfied_rate=rate(satisfied, reached), **counts)


def open_items_at(actor, period: Period) -> QuerySet[Ticket]:
    """Tickets created before the period's end and neither resolved nor closed then, the oldest first.

    "Then" is read from resolved_at / closed_at; a reopen clears both, so a ticket resolved in the month and
    reopened later counts as open at the month's end."""
    return (tickets_visible_to(actor).filter(created_at__lt=period.end)
            .filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=period.end))
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=period.end))
            .select_related("branch", "owner").order_by("created_at", "id"))


def open_item(ticket: Ticket, *, as_of: datetime) -> OpenItem:
    return OpenItem(ticket_id=ticket.pk, number=ticket.number or f"#{ticket.pk}", subject=ticket.subject,
                    kind_label=ticket.get_kind_display(), branch=str(ticket.branch or ""),
                    owner=str(ticket.owner or ""), created_at=ticket.created_at,
                    age_days=max(0, (as_of - ticket.created_at).days), resolution_due=ticket.resolution_due,
                    overdue=bool(ticket.resolution_due and ticket.resolution_due < as_of))


def open_items_as_of(period: Period, now: datetime | None = None) -> datetime:
    """Ages are counted to the period's end, or to now while the period is still running."""
    return min(period.end, now or timezone.now())


def _period_figures(actor, period: Period, now: datetime) -> dict:
    tickets = _created_in(actor, period)
    complaints = tickets.filter(kind__in=COMPLAINT_KINDS)
    by_kind = _by_kind(tickets)
    return {
        "period": period, "scope": _scope_label(actor), "generated_at": now, "by_kind": by_kind,
        "tickets_total": sum(row.count for row in by_kind),
        "complaints_total": sum(row.count for row in by_kind if row.kind in COMPLAINT_KINDS),
        "by_category": _by_category(complaints), "by_branch": _by_branch(complaints),
        "by_channel": _by_choice(complaints, "channel", TicketChannel.choices),
        "sla": _sla(tickets), "escalations": _escalations(actor, period, tickets),
        "satisfaction": _satisfaction(tickets),
    }


def monthly_report_figures(actor, year: int, month: int, *, now: datetime | None = None) -> MonthlyReport:
    """The monthly complaint report (to head office) for the month (Shanghai time), as the actor may see it."""
    now = now or timezone.now()
    period = month_period(year, month)
    open_items = open_items_at(actor, period)
    as_of = open_items_as_of(period, now)
    return MonthlyReport(**_period_figures(actor, period, now), open_count=open_items.count(),
                         open_items=[open_item(t, as_of=as_of) for t in open_items[:OPEN_ITEMS_ON_PAGE]])


def _by_month(actor, period: Period, tickets: QuerySet[Ticket]) -> list[MonthRow]:
    month = ExtractMonth("created_at", tzinfo=SHANGHAI)
    complaints = tickets.filter(kind__in=COMPLAINT_KINDS)
    counts = {row.pop("m"): row for row in complaints.order_by().annotate(m=month).values("m").annotate(
        **_complaint_counts(), reached=Count("id", filter=Q(satisfaction__isnull=False, kind__in=CALLBACK_KINDS)),
        satisfied=Count("id", filter=Q(satisfaction__in=SATISFIED_SCORES, kind__in=CALLBACK_KINDS)))}
    all_tickets = dict(tickets.order_by().annotate(m=month).values_list("m").annotate(n=Count("id")))
    clocks = {row.pop("m"): row for row in SlaTimer.objects.filter(
        ticket__in=tickets.values("pk"), supervision__isnull=True, kind=TimerKind.RESOLUTION)
        .order_by().annotate(m=ExtractMonth("ticket__created_at", tzinfo=SHANGHAI)).values("m").annotate(
            met=Count("id", filter=MET_ON_TIME), breached=Count("id", filter=BREACHED))}
    escalations = dict(escalations_in(actor, period).order_by().annotate(m=ExtractMonth("at", tzinfo=SHANGHAI))
                       .values_list("m").annotate(n=Count("id")))
    rows = []
    for m in range(1, 13):
        c = counts.get(m, {})
        met, breached = clocks.get(m, {}).get("met", 0), clocks.get(m, {}).get("breached", 0)
        reached, satisfied = c.get("reached", 0), c.get("satisfied", 0)
        rows.append(MonthRow(month=m, tickets=all_tickets.get(m, 0), complaints=c.get("total", 0),
                             referrals=c.get("referrals", 0), major=c.get("major", 0), resolved=c.get("resolved", 0),
                             escalations=escalations.get(m, 0), sla_met=met, sla_breached=breached,
                             sla_rate=rate(met, met + breached), reached=reached, satisfied=satisfied,
                             satisfied_rate=rate(satisfied, reached)))
    return rows


def annual_report_figures(actor, year: int, *, now: datetime | None = None) -> AnnualReport:
    """The annual summary for the local CSRC office (due by 30 April): the year's figures, month by month, by
    category and by referring regulator."""
    now = now or timezone.now()
    period = year_period(year)
    tickets = _created_in(actor, period)
    referrals = tickets.filter(kind=TicketKind.REGULATOR_REFERRAL)
    return AnnualReport(**_period_figures(actor, period, now), by_month=_by_month(actor, period, tickets),
                        by_regulator_source=_by_choice(referrals, "regulator_source", RegulatorSource.choices,
                                                       extra=[("", _("Not recorded"))]))

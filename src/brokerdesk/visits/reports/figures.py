"""The return-visit figures, computed by the database.

Every figure is a grouped count or sum (`values(...).annotate(...)` with conditional `Count(filter=Q(...))`) over
the tasks the actor may see: branch staff their branch's, HQ and center staff the company's. Nothing loops over
tasks, calls or findings in Python; the Python loops go over the few groups the database returns (programmes,
branches, agents, finding kinds, weeks or months) to put them in order with their labels.

What each section covers, for a period [start, end) in Shanghai time:
- coverage (per programme, per branch, in total): the tasks generated in the period (business_date), as they
  stand now. Required: those not cancelled; done: completed; open and overdue (open past their due date) today.
- the yearly sample: each branch's stratum of the period's year (eligible clients at the last year-end, visits
  required) against the completed tasks of the sample programme for that year (cycle = the year), completed
  before the period's end (or now). A branch is behind when it has completed less than its required visits ×
  the year's whole months elapsed / 12.
- agents: the calls (attempt rows) started in the period: tasks handled, completed, completion rate (completed /
  tasks handled), average attempts of the tasks the agent finished (the final call was theirs), average call
  length, and the findings their calls turned up (found in the period).
- findings: found in the period, by kind and branch; the list (with the compliance ticket) only for those who
  may view findings (visits.view_visitfinding), client names masked.
- the chart: completions per week (a month's figures) or per month (a year's) by programme, by finishing time.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.masking import mask_name
from brokerdesk.core.scoping import visible_to
from brokerdesk.tickets.reports.figures import percent, rate
from brokerdesk.tickets.reports.periods import SHANGHAI
from brokerdesk.visits.choices import OPEN_STATUSES, FindingKind, Outcome, QuestionKind, TaskStatus
from brokerdesk.visits.models import AnnualSampleStratum, Programme, VisitAttempt, VisitFinding, VisitTask
from brokerdesk.visits.reports.periods import VisitPeriod

REPORT_PERMISSION = "visits.view_visit_reports"
FINDINGS_PERMISSION = "visits.view_visitfinding"
FINDINGS_ON_PAGE = 200
AVERAGE_PLACES = Decimal("0.01")
# A task that ended with a call's outcome (cancelled ones ended without one).
FINISHED_STATUSES = (TaskStatus.COMPLETED, TaskStatus.UNREACHABLE, TaskStatus.REFUSED, TaskStatus.WRONG_NUMBER)
# The call that finished its task: the task's last attempt, with an outcome, on a finished task.
FINISHING_CALL = Q(number=F("task__attempts"), task__status__in=FINISHED_STATUSES) & ~Q(outcome="")
CALL_LENGTH = ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())


def average(total: int | None, count: int) -> Decimal | None:
    if not count or total is None:
        return None
    return (Decimal(total) / Decimal(count)).quantize(AVERAGE_PLACES, rounding=ROUND_HALF_UP)


# --- The figures -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    """Tasks generated in the period for one programme or branch (or all), as they stand now."""

    key: str
    label: str
    required: int = 0  # not cancelled
    done: int = 0  # completed
    unreachable: int = 0
    refused: int = 0
    wrong_number: int = 0
    open: int = 0
    overdue: int = 0  # open past the due date
    cancelled: int = 0

    @property
    def rate(self) -> Decimal | None:
        return rate(self.done, self.required)

    @property
    def rate_percent(self) -> str:
        return percent(self.rate)


@dataclass(frozen=True)
class SampleRow:
    """One branch's share of the yearly sample (or the total): required visits against completed ones."""

    programme: str
    branch_code: str
    branch: str
    eligible: int  # clients at the last year-end, not dormant or suspended
    required: int  # eligible × ratio, rounded up
    released: int  # tasks of the sample generated so far (not cancelled)
    completed: int
    target_ratio: Decimal | None  # the programme's ratio, e.g. 0.100
    expected: int  # required × elapsed months / 12, rounded up: where the branch should be by now
    behind: bool

    @property
    def progress(self) -> Decimal | None:
        """Completed / required."""
        return rate(self.completed, self.required)

    @property
    def progress_percent(self) -> str:
        return percent(self.progress)

    @property
    def reached_ratio(self) -> Decimal | None:
        """Completed / eligible, to compare with the target ratio."""
        return rate(self.completed, self.eligible)

    @property
    def reached_percent(self) -> str:
        return percent(self.reached_ratio)

    @property
    def target_percent(self) -> str:
        return percent(self.target_ratio)


@dataclass(frozen=True)
class AgentRow:
    agent_id: int
    name: str
    calls: int = 0  # attempts started in the period
    tasks: int = 0  # distinct tasks those calls were for
    completed: int = 0  # calls that completed their visit
    finished: int = 0  # tasks the agent's call finished
    avg_attempts: Decimal | None = None  # attempts of those tasks, on average
    avg_call_seconds: int | None = None  # of the calls that ended
    findings: int = 0

    @property
    def rate(self) -> Decimal | None:
        return rate(self.completed, self.tasks)

    @property
    def rate_percent(self) -> str:
        return percent(self.rate)

    @property
    def avg_call(self) -> str:
        """"m:ss"."""
        if self.avg_call_seconds is None:
            return "—"
        minutes, seconds = divmod(self.avg_call_seconds, 60)
        return f"{minutes}:{seconds:02d}"


@dataclass(frozen=True)
class FindingBranchRow:
    branch_code: str
    branch: str
    counts: list[int]  # in the order of VisitFigures.finding_kinds
    total: int


@dataclass(frozen=True)
class FindingItem:
    finding_id: int
    at: datetime
    kind: str
    kind_label: str
    branch: str
    programme: str
    client: str  # masked
    agent: str
    question: str
    answer: str
    ticket_id: int | None
    ticket_number: str


@dataclass(frozen=True)
class VisitFigures:
    period: VisitPeriod
    scope: str  # "All branches", or the branch the actor sees
    generated_at: datetime
    today: date
    total: CoverageRow
    by_programme: list[CoverageRow]
    by_branch: list[CoverageRow]
    sample: list[SampleRow]
    sample_total: SampleRow | None
    agents: list[AgentRow]
    finding_kinds: list[tuple[str, str]]  # (value, label)
    findings_by_branch: list[FindingBranchRow]
    findings_by_kind: list[int]  # totals in the order of finding_kinds
    findings_total: int
    finding_items: list[FindingItem] | None  # None: the actor may not view findings
    chart: dict = field(default_factory=dict)

    @property
    def finding_items_truncated(self) -> bool:
        return self.finding_items is not None and self.findings_total > len(self.finding_items)

    @property
    def findings_kind_totals(self) -> list[tuple[str, int]]:
        return [(label, n) for (_value, label), n in zip(self.finding_kinds, self.findings_by_kind, strict=True)]


# --- Queries ---------------------------------------------------------------------------------------------


def _in_scope(actor, queryset: QuerySet, branch_field: str) -> QuerySet:
    """What the figures count: the rows the actor's scope covers, for holders of the report permission."""
    if actor is None or not actor.has_perm(REPORT_PERMISSION):
        return queryset.none()
    return visible_to(actor, queryset, branch_field=branch_field)


def report_tasks(actor) -> QuerySet[VisitTask]:
    return _in_scope(actor, VisitTask.objects.all(), "branch_id")


def may_view_findings(actor) -> bool:
    return actor is not None and actor.has_perm(FINDINGS_PERMISSION)


def scope_label(actor) -> str:
    if actor is not None and not actor.sees_all_branches and actor.branch_id:
        return str(actor.branch)
    return _("All branches")


def _coverage_counts(today: date) -> dict:
    return {
        "required": Count("id", filter=~Q(status=TaskStatus.CANCELLED)),
        "done": Count("id", filter=Q(status=TaskStatus.COMPLETED)),
        "unreachable": Count("id", filter=Q(status=TaskStatus.UNREACHABLE)),
        "refused": Count("id", filter=Q(status=TaskStatus.REFUSED)),
        "wrong_number": Count("id", filter=Q(status=TaskStatus.WRONG_NUMBER)),
        "open": Count("id", filter=Q(status__in=OPEN_STATUSES)),
        "overdue": Count("id", filter=Q(status__in=OPEN_STATUSES, due_on__lt=today)),
        "cancelled": Count("id", filter=Q(status=TaskStatus.CANCELLED)),
    }


def generated_in(actor, period: VisitPeriod) -> QuerySet[VisitTask]:
    return report_tasks(actor).filter(business_date__gte=period.start_date, business_date__lt=period.end_date)


def _coverage_total(tasks: QuerySet[VisitTask], today: date) -> CoverageRow:
    counts = tasks.order_by().aggregate(**_coverage_counts(today))
    return CoverageRow(key="", label=_("All programmes"), **counts)


def _coverage_by_programme(tasks: QuerySet[VisitTask], today: date) -> list[CoverageRow]:
    """Every active programme (zeros included) and inactive ones that still have tasks in the period."""
    groups = {row.pop("programme_id"): row for row in tasks.order_by().values("programme_id")
              .annotate(**_coverage_counts(today))}
    programmes = Programme.objects.filter(Q(is_active=True) | Q(pk__in=list(groups))).order_by("priority", "code")
    return [CoverageRow(key=p.code, label=p.name, **groups.get(p.pk, {})) for p in programmes]


def _coverage_by_branch(tasks: QuerySet[VisitTask], today: date) -> list[CoverageRow]:
    rows = []
    for group in (tasks.order_by().values("branch_id", "branch__code", "branch__name")
                  .annotate(**_coverage_counts(today)).order_by("branch__code")):
        group.pop("branch_id")
        rows.append(CoverageRow(key=group.pop("branch__code"), label=group.pop("branch__name"), **group))
    return rows


def _expected(required: int, elapsed_months: int) -> int:
    return math.ceil(required * elapsed_months / 12)


def _sample(actor, period: VisitPeriod) -> tuple[list[SampleRow], SampleRow | None]:
    """Each visible branch's stratum of the period's year against the completed tasks of its programme's cycle."""
    strata = (_in_scope(actor, AnnualSampleStratum.objects.filter(year=period.year), "branch_id")
              .select_related("programme", "branch").order_by("programme__priority", "programme__code",
                                                                "branch__code"))
    strata = list(strata)
    if not strata:
        return [], None
    tasks = report_tasks(actor).filter(programme_id__in={s.programme_id for s in strata}, cycle=str(period.year))
    counts = {(p, b): (released, completed) for p, b, released, completed in tasks.order_by()
              .values_list("programme_id", "branch_id")
              .annotate(released=Count("id", filter=~Q(status=TaskStatus.CANCELLED)),
                        completed=Count("id", filter=Q(status=TaskStatus.COMPLETED, finished_at__lt=period.as_of)))}
    elapsed = period.elapsed_months
    rows = []
    for stratum in strata:
        released, completed = counts.get((stratum.programme_id, stratum.branch_id), (0, 0))
        expected = _expected(stratum.required, elapsed)
        rows.append(SampleRow(programme=stratum.programme.name, branch_code=stratum.branch.code,
                              branch=stratum.branch.name, eligible=stratum.eligible, required=stratum.required,
                              released=released, completed=completed, target_ratio=stratum.programme.sample_ratio,
                              expected=expected, behind=completed < expected))
    required = sum(r.required for r in rows)
    completed = sum(r.completed for r in rows)
    ratios = {r.target_ratio for r in rows}
    expected = _expected(required, elapsed)
    total = SampleRow(programme="", branch_code="", branch=_("Total"), eligible=sum(r.eligible for r in rows),
                      required=required, released=sum(r.released for r in rows), completed=completed,
                      target_ratio=ratios.pop() if len(ratios) == 1 else None, expected=expected,
                      behind=completed < expected)
    return rows, total


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else round(value.total_seconds())


def _agents(actor, period: VisitPeriod, findings: QuerySet[VisitFinding]) -> list[AgentRow]:
    calls = _in_scope(actor, VisitAttempt.objects.filter(started_at__gte=period.start, started_at__lt=period.end),
                      "task__branch_id")
    groups = {row["agent_id"]: row for row in calls.order_by().values("agent_id", "agent__display_name",
                                                                      "agent__username").annotate(
        calls=Count("id"), tasks=Count("task_id", distinct=True),
        completed=Count("id", filter=Q(outcome=Outcome.COMPLETED)),
        finished=Count("id", filter=FINISHING_CALL), finished_attempts=Sum("task__attempts", filter=FINISHING_CALL),
        avg_call=Avg(CALL_LENGTH, filter=Q(ended_at__isnull=False)))}
    found = {row["attempt__agent_id"]: row for row in findings.order_by().values(
        "attempt__agent_id", "attempt__agent__display_name", "attempt__agent__username").annotate(n=Count("id"))}
    rows = []
    for agent_id, g in groups.items():
        rows.append(AgentRow(agent_id=agent_id, name=g["agent__display_name"] or g["agent__username"],
                             calls=g["calls"], tasks=g["tasks"], completed=g["completed"], finished=g["finished"],
                             avg_attempts=average(g["finished_attempts"], g["finished"]),
                             avg_call_seconds=_seconds(g["avg_call"]),
                             findings=found.get(agent_id, {}).get("n", 0)))
    for agent_id, f in found.items():  # findings of calls started before the period
        if agent_id not in groups:
            rows.append(AgentRow(agent_id=agent_id, findings=f["n"],
                                 name=f["attempt__agent__display_name"] or f["attempt__agent__username"]))
    return sorted(rows, key=lambda r: (-r.calls, -r.findings, r.name))


def found_in(actor, period: VisitPeriod) -> QuerySet[VisitFinding]:
    return _in_scope(actor, VisitFinding.objects.filter(created_at__gte=period.start, created_at__lt=period.end),
                     "task__branch_id")


def _findings_by_branch(findings: QuerySet[VisitFinding]) -> tuple[list[FindingBranchRow], list[int]]:
    kinds = FindingKind.values
    cells: dict[tuple, dict[str, int]] = {}
    for code, name, kind, n in (findings.order_by().values_list("task__branch__code", "task__branch__name", "kind")
                                .annotate(n=Count("id"))):
        cells.setdefault((code, name), {})[kind] = n
    rows = [FindingBranchRow(branch_code=code, branch=name, counts=[c.get(k, 0) for k in kinds],
                             total=sum(c.values())) for (code, name), c in sorted(cells.items())]
    totals = [sum(row.counts[i] for row in rows) for i in range(len(kinds))]
    return rows, totals


def finding_list(findings: QuerySet[VisitFinding]) -> QuerySet[VisitFinding]:
    """The findings newest first, with what the list shows."""
    return (findings.select_related("task__customer", "task__programme", "task__branch", "attempt__agent",
                                    "question", "ticket")
            .order_by("-created_at", "-id"))


def _answer(finding: VisitFinding) -> str:
    if finding.question and finding.question.kind == QuestionKind.YES_NO and finding.answer in ("yes", "no"):
        return _("yes") if finding.answer == "yes" else _("no")
    return finding.answer


def finding_item(finding: VisitFinding) -> FindingItem:
    task, ticket = finding.task, finding.ticket
    return FindingItem(finding_id=finding.pk, at=finding.created_at, kind=finding.kind,
                       kind_label=finding.get_kind_display(), branch=str(task.branch), programme=task.programme.name,
                       client=mask_name(task.customer.name, task.customer.kind), agent=str(finding.attempt.agent),
                       question=finding.question.text if finding.question else "", answer=_answer(finding),
                       ticket_id=ticket.pk if ticket else None,
                       ticket_number=(ticket.number or f"#{ticket.pk}") if ticket else "")


def _buckets(period: VisitPeriod) -> tuple[list[date], str]:
    """The chart's x axis: the weeks (their Mondays) of a month, or the months of a year (up to now while the
    year runs)."""
    if period.month:
        first = period.start_date - timedelta(days=period.start_date.weekday())
        last = period.end_date - timedelta(days=1)
        return [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)], "week"
    last_month = 12 if not period.running else max(1, timezone.localtime(period.as_of, SHANGHAI).month)
    return [date(period.year, m, 1) for m in range(1, last_month + 1)], "month"


def _chart(actor, period: VisitPeriod) -> dict:
    buckets, unit = _buckets(period)
    trunc = (TruncWeek if unit == "week" else TruncMonth)("finished_at", tzinfo=SHANGHAI)
    completed = report_tasks(actor).filter(status=TaskStatus.COMPLETED, finished_at__gte=period.start,
                                           finished_at__lt=period.end)
    counts: dict[int, dict[date, int]] = {}
    for bucket, programme_id, n in (completed.order_by().annotate(bucket=trunc).values_list("bucket", "programme_id")
                                    .annotate(n=Count("id"))):
        day = timezone.localtime(bucket, SHANGHAI).date() if isinstance(bucket, datetime) else bucket
        counts.setdefault(programme_id, {})[day] = n
    programmes = Programme.objects.filter(pk__in=list(counts)).order_by("priority", "code")
    return {"unit": unit,
            "labels": [b.isoformat() if unit == "week" else b.strftime("%Y-%m") for b in buckets],
            "series": [{"name": p.name, "data": [counts[p.pk].get(b, 0) for b in buckets]} for p in programmes]}


def visit_figures(actor, period: VisitPeriod, *, now: datetime | None = None) -> VisitFigures:
    """All the figures for the period as the actor may see them (the newest FINDINGS_ON_PAGE findings listed; the
    workbook lists them all)."""
    now = now or timezone.now()
    today = timezone.localtime(now, SHANGHAI).date()
    tasks = generated_in(actor, period)
    findings = found_in(actor, period)
    by_branch, by_kind = _findings_by_branch(findings)
    findings_total = sum(by_kind)
    items = None
    if may_view_findings(actor):
        items = [finding_item(f) for f in finding_list(findings)[:FINDINGS_ON_PAGE]]
    sample, sample_total = _sample(actor, period)
    return VisitFigures(
        period=period, scope=scope_label(actor), generated_at=now, today=today,
        total=_coverage_total(tasks, today), by_programme=_coverage_by_programme(tasks, today),
        by_branch=_coverage_by_branch(tasks, today), sample=sample, sample_total=sample_total,
        agents=_agents(actor, period, findings), finding_kinds=[(v, str(label)) for v, label in FindingKind.choices],
        findings_by_branch=by_branch, findings_by_kind=by_kind, findings_total=findings_total, finding_items=items,
        chart=_chart(actor, period))

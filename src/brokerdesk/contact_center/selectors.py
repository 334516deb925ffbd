"""Reads of the contact center: interactions (scoped like the clients they belong to), the agent's desk, the calls an
agent may act on, the wallboard's live figures and the hourly/daily report figures (SQL aggregates over legs).

Definitions used by the wallboard and the reports (they are printed on the pages too):
- offered: call legs that entered the center's queue (a call that overflows or is transferred counts once at each
  center it queued at);
- settled: offered legs that were answered or left the queue (abandoned, overflowed, callback, …); legs still
  waiting are not settled yet;
- short abandon: a caller who hung up within SHORT_ABANDON_SECONDS of queueing (misdials): left out of both the
  service level and the abandonment rate;
- service level: legs answered within SERVICE_LEVEL_SECONDS ÷ (settled legs − short abandons);
- abandonment rate: abandoned legs that waited at least SHORT_ABANDON_SECONDS ÷ (settled legs − short abandons);
- ASA: the average time from queueing to answer of the answered legs;
- AHT: (talk time of the answered legs that ended + wrap-up time of the center's agents) ÷ answered legs that
  ended.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from brokerdesk.contact_center.choices import AgentState, CallStatus
from brokerdesk.contact_center.models import (
    AgentProfile,
    AgentSkill,
    AgentStateChange,
    Call,
    CallbackRequest,
    CallLeg,
    Interaction,
)
from brokerdesk.core.errors import NotFound
from brokerdesk.core.scoping import database_id, visible_to
from brokerdesk.org.choices import Scope
from brokerdesk.org.models import ContactCenter

SERVICE_LEVEL_SECONDS = 20
SHORT_ABANDON_SECONDS = 5
ABANDONED = "abandoned"

# --- interactions ------------------------------------------------------------------------------------------


def interactions_visible_to(actor) -> QuerySet[Interaction]:
    """Contacts the actor may see: none without view_interaction; branch staff see their branch's clients'."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_perm(
            "contact_center.view_interaction"):
        return Interaction.objects.none()
    return visible_to(actor, Interaction.objects.all(), branch_field="customer__home_branch_id")


def interaction_get_for_actor(actor, interaction_id) -> Interaction:
    pk = database_id(interaction_id)
    interaction = (interactions_visible_to(actor).filter(pk=pk)
                   .select_related("customer", "customer__home_branch", "agent", "center", "branch", "call",
                                   "call__skill", "call__wrap_up_code").first())
    if interaction is None:
        raise NotFound()
    return interaction


def customer_interactions(customer_id: int, *, limit: int = 10, exclude_call_id: int | None = None) -> list:
    """A client's latest contacts at every center and on every channel (for a client the caller already scoped)."""
    rows = Interaction.objects.filter(customer_id=customer_id).select_related("agent", "center", "branch")
    if exclude_call_id is not None:
        rows = rows.exclude(call_id=exclude_call_id)
    return list(rows.order_by("-started_at", "-pk")[:limit])


# --- the agent's desk -----------------------------------------------------------------------------------------


def agent_profile_of(user) -> AgentProfile | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (AgentProfile.objects.filter(staff_id=user.pk)
            .select_related("center", "current_call", "current_call__customer", "current_call__skill").first())


def desk_call_for_agent(actor, call_id) -> Call:
    """A call the agent took part in (a leg was theirs): what they may wrap up, transfer or note. NotFound else."""
    pk = database_id(call_id)
    call = (Call.objects.filter(pk=pk, legs__agent_id=getattr(actor, "pk", None))
            .select_related("customer", "skill", "center").distinct().first())
    if call is None:
        raise NotFound()
    return call


def call_legs(call: Call) -> list[CallLeg]:
    return list(call.legs.select_related("center", "agent", "skill", "transferred_by").order_by("sequence"))


def transfer_targets(agent: AgentProfile) -> dict:
    """Where the agent may transfer: the other centers in service, the available agents elsewhere."""
    centers = list(ContactCenter.objects.filter(settings__is_active=True).order_by("kind", "code"))
    agents = list(AgentProfile.objects.filter(state=AgentState.AVAILABLE).exclude(pk=agent.pk)
                  .select_related("staff", "center").order_by("center__code", "extension")[:50])
    return {"centers": centers, "agents": agents}


# --- wallboard ------------------------------------------------------------------------------------------------


def wallboard_centers(actor) -> QuerySet[ContactCenter]:
    """Centers whose wallboard the actor may watch: company scope all, center scope their own, else none."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_perm(
            "contact_center.view_wallboard"):
        return ContactCenter.objects.none()
    centers = ContactCenter.objects.order_by("kind", "code")
    if actor.scope == Scope.COMPANY:
        return centers
    if actor.scope == Scope.CENTER and actor.center_id:
        return centers.filter(pk=actor.center_id)
    return centers.none()


def wallboard_center_get_for_actor(actor, center_id) -> ContactCenter:
    center = wallboard_centers(actor).filter(pk=database_id(center_id)).first()
    if center is None:
        raise NotFound()
    return center


@dataclass
class Figures:
    """Service figures of one group of legs (a center, a skill queue, an hour or a day)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_in_sl: int = 0
    settled: int = 0
    short_abandoned: int = 0
    wait_total: timedelta | None = None  # summed answer delay of the answered legs
    talk_total: timedelta | None = None
    talked: int = 0  # answered legs that ended (their talk time is known)
    wrap_total: timedelta | None = None

    @property
    def base(self) -> int:
        return self.settled - self.short_abandoned

    @property
    def service_level(self) -> float | None:
        return self.answered_in_sl / self.base if self.base > 0 else None

    @property
    def abandonment_rate(self) -> float | None:
        return (self.abandoned - self.short_abandoned) / self.base if self.base > 0 else None

    @property
    def asa_seconds(self) -> float | None:
        if not self.answered or self.wait_total is None:
            return None
        return self.wait_total.total_seconds() / self.answered

    @property
    def aht_seconds(self) -> float | None:
        if not self.talked:
            return None
        talk = self.talk_total.total_seconds() if self.talk_total else 0.0
        wrap = self.wrap_total.total_seconds() if self.wrap_total else 0.0
        return (talk + wrap) / self.talked


def _duration(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=DurationField())


LEG_AGGREGATES = {
    "offered": Count("pk"),
    "answered": Count("pk", filter=Q(answered_at__isnull=False)),
    "abandoned": Count("pk", filter=Q(outcome=ABANDONED)),
    "short_abandoned": Count("pk", filter=Q(
        outcome=ABANDONED, ended_at__lt=F("queued_at") + timedelta(seconds=SHORT_ABANDON_SECONDS))),
    "answered_in_sl": Count("pk", filter=Q(
        answered_at__isnull=False, answered_at__lte=F("queued_at") + timedelta(seconds=SERVICE_LEVEL_SECONDS))),
    "settled": Count("pk", filter=Q(answered_at__isnull=False) | Q(ended_at__isnull=False)),
    "wait_total": Sum(_duration(F("answered_at") - F("queued_at")), filter=Q(answered_at__isnull=False)),
    "talk_total": Sum(_duration(F("ended_at") - F("answered_at")),
                      filter=Q(answered_at__isnull=False, ended_at__isnull=False)),
    "talked": Count("pk", filter=Q(answered_at__isnull=False, ended_at__isnull=False)),
}


def _figures(row: dict) -> Figures:
    return Figures(**{name: row.get(name) or (None if name.endswith("_total") else 0) for name in
                      (*LEG_AGGREGATES, "wrap_total")})


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def _wrap_up_totals(center_ids, since: datetime, until: datetime, *, group=None) -> dict:
    """Wrap-up time of each center's agents (spans that ended), summed in SQL; keyed (center_id[, group])."""
    spans = AgentStateChange.objects.filter(state=AgentState.WRAP_UP, started_at__gte=since, started_at__lt=until,
                                            ended_at__isnull=False, agent__center_id__in=center_ids)
    keys = ["agent__center_id"] + ([group] if group else [])
    if group:
        spans = spans.annotate(**{group: _TRUNC[group]("started_at", tzinfo=timezone.get_current_timezone())})
    rows = spans.values(*keys).annotate(total=Sum(_duration(F("ended_at") - F("started_at")))).order_by()
    return {tuple(row[k] for k in keys): row["total"] for row in rows}


@dataclass
class QueueBoard:
    skill: str
    waiting: int = 0
    longest_wait_seconds: int | None = None
    agents: dict = field(default_factory=dict)  # state -> count (agents with the skill)
    figures: Figures = field(default_factory=Figures)


@dataclass
class CenterBoard:
    center: ContactCenter
    waiting: int = 0
    longest_wait_seconds: int | None = None
    agents: dict = field(default_factory=dict)  # state -> count
    figures: Figures = field(default_factory=Figures)
    queues: list[QueueBoard] = field(default_factory=list)


def wallboard(centers, *, now: datetime | None = None) -> list[CenterBoard]:
    """Live figures of each center and each of its skill queues; today's figures since local midnight.

    A handful of grouped queries whatever the traffic: waiting calls, agents by state, today's legs."""
    now = now or timezone.now()
    centers = list(centers)
    ids = [c.pk for c in centers]
    since, until = day_bounds(timezone.localtime(now).date())
    boards = {c.pk: CenterBoard(center=c) for c in centers}
    queues: dict[tuple, QueueBoard] = {}

    def queue(center_id, skill) -> QueueBoard:
        key = (center_id, skill or "")
        if key not in queues:
            queues[key] = QueueBoard(skill=skill or "")
        return queues[key]

    waiting = (Call.objects.filter(status=CallStatus.QUEUED, center_id__in=ids)
               .values("center_id", "skill__name").annotate(n=Count("pk"), oldest=Min("queued_at")).order_by())
    for row in waiting:
        longest = max(0, round((now - row["oldest"]).total_seconds())) if row["oldest"] else None
        board = boards[row["center_id"]]
        board.waiting += row["n"]
        if longest is not None:
            board.longest_wait_seconds = max(board.longest_wait_seconds or 0, longest)
        q = queue(row["center_id"], row["skill__name"])
        q.waiting, q.longest_wait_seconds = row["n"], longest
    for row in (AgentProfile.objects.filter(center_id__in=ids).values("center_id", "state")
                .annotate(n=Count("pk")).order_by()):
        boards[row["center_id"]].agents[row["state"]] = row["n"]
    for row in (AgentSkill.objects.filter(agent__center_id__in=ids).values("agent__center_id", "skill__name",
                                                                          "agent__state")
                .annotate(n=Count("pk")).order_by()):
        queue(row["agent__center_id"], row["skill__name"]).agents[row["agent__state"]] = row["n"]
    legs = CallLeg.objects.filter(center_id__in=ids, queued_at__gte=since, queued_at__lt=until)
    for row in legs.values("center_id").annotate(**LEG_AGGREGATES).order_by():
        boards[row["center_id"]].figures = _figures(row)
    for (center_id,), total in _wrap_up_totals(ids, since, until).items():
        boards[center_id].figures.wrap_total = total
    for row in legs.values("center_id", "skill__name").annotate(**LEG_AGGREGATES).order_by():
        queue(row["center_id"], row["skill__name"]).figures = _figures(row)
    for (center_id, _skill), board in sorted(queues.items(), key=lambda item: item[0][1]):
        boards[center_id].queues.append(board)
    return [boards[c.pk] for c in centers]


def agents_board(center: ContactCenter) -> list[AgentProfile]:
    return list(AgentProfile.objects.filter(center=center).select_related("staff", "current_call")
                .order_by("state", "extension"))


# --- reports --------------------------------------------------------------------------------------------------

_TRUNC = {"hour": TruncHour, "day": TruncDate}


@dataclass
class ReportRow:
    center: ContactCenter
    period: datetime | date
    figures: Figures


def contact_report(centers, start: date, end: date, *, by: str = "day") -> list[ReportRow]:
    """Per center and per hour (by="hour") or day (by="day") from start to end inclusive: grouped in SQL."""
    if by not in _TRUNC:
        raise ValueError(by)
    centers = {c.pk: c for c in centers}
    since, _ = day_bounds(start)
    _, until = day_bounds(end)
    tz = timezone.get_current_timezone()
    rows = (CallLeg.objects.filter(center_id__in=list(centers), queued_at__gte=since, queued_at__lt=until)
            .annotate(period=_TRUNC[by]("queued_at", tzinfo=tz))
            .values("center_id", "period").annotate(**LEG_AGGREGATES).order_by("center_id", "period"))
    wraps = _wrap_up_totals(list(centers), since, until, group=by)
    report = []
    for row in rows:
        figures = _figures(row)
        period = row["period"]
        wrap_key = (row["center_id"], period)
        figures.wrap_total = wraps.get(wrap_key)
        report.append(ReportRow(centers[row["center_id"]], period, figures))
    report.sort(key=lambda r: (r.center.kind, r.center.code, r.period))
    return report


def report_totals(rows: list[ReportRow]) -> dict[int, Figures]:
    """Sum of the rows per center (the figures are sums, so the ratios are recomputed from them)."""
    totals: dict[int, Figures] = {}
    for row in rows:
        total = totals.setdefault(row.center.pk, Figures())
        for name in ("offered", "answered", "abandoned", "answered_in_sl", "settled", "short_abandoned", "talked"):
            setattr(total, name, getattr(total, name) + getattr(row.figures, name))
        for name in ("wait_total", "talk_total", "wrap_total"):
            value = getattr(row.figures, name)
            if value is not None:
                setattr(total, name, (getattr(total, name) or timedelta()) + value)
    return totals


# --- callbacks and voicemails -----------------------------------------------------------------------------------


def callbacks_visible_to(actor) -> QuerySet[CallbackRequest]:
    """The callback requests of the actor's center (company scope: every center), for those at the desktop."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_perm(
            "contact_center.use_agent_desktop"):
        return CallbackRequest.objects.none()
    requests = CallbackRequest.objects.select_related("center", "customer", "handled_by", "call")
    if actor.scope == Scope.COMPANY:
        return requests
    if actor.scope == Scope.CENTER and actor.center_id:
        return requests.filter(center_id=actor.center_id)
    return requests.none()


def callback_get_for_actor(actor, callback_id) -> CallbackRequest:
    request = callbacks_visible_to(actor).filter(pk=database_id(callback_id)).first()
    if request is None:
        raise NotFound()
    return request

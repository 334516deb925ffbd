"""SLA clocks of tickets on the business calendar: start, stop, pause, resume, and the sweep that fires
warnings and breaches exactly once.

Deadlines are computed once, when a clock starts or resumes, and stored (indexed by next_fire_at), so the sweep
reads only what is due. Business time runs on working days (the calendar table) within the policy's service
hours; waiting on the client pauses every clock except the regulator's, which the regulator does not stop.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import AuditEntry, audit_record_many
from brokerdesk.core.business_time import BusinessClock, ServiceHours
from brokerdesk.core.calendar import is_covered, is_working_day
from brokerdesk.tickets.choices import ResolutionMode, TimerFiring, TimerKind, TimerState
from brokerdesk.tickets.models import SlaFiring, SlaPolicy, SlaTimer, Ticket, TicketEvent

log = logging.getLogger(__name__)
SWEEP_BATCH = 500


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The first active policy matching the ticket's kind, regulator source and major flag (blank matches all)."""
    for policy in SlaPolicy.objects.filter(is_active=True).order_by("position", "id"):
        if policy.kind and policy.kind != ticket.kind:
            continue
        if policy.regulator_source and policy.regulator_source != ticket.regulator_source:
            continue
        if policy.major_only and not ticket.is_major:
            continue
        return policy
    return None


def clock_for(policy: SlaPolicy) -> BusinessClock:
    return BusinessClock(is_working_day, ServiceHours(policy.opens, policy.closes))


@dataclass(frozen=True)
class Deadline:
    kind: str
    due_at: datetime
    warn_at: datetime | None


def _with_warning(clock: BusinessClock, policy: SlaPolicy, kind: str, start: datetime, due: datetime) -> Deadline:
    total = clock.seconds_between(start, due)
    lead = policy.warn_before_minutes * 60
    warn = clock.add(start, total - lead) if lead and total > lead else None
    return Deadline(kind, due, warn)


def deadlines_for(ticket: Ticket, policy: SlaPolicy, start: datetime, *, reopened: bool = False) -> list[Deadline]:
    """The clocks a new ticket starts with. A resolution time promised to the client (when the same-day limit
    cannot be kept) replaces the policy's; a regulator's deadline is kept as given. A reopened ticket gets a
    fresh resolution clock under the policy (the old promise was for the old resolution)."""
    clock = clock_for(policy)
    deadlines = []
    if ticket.first_responded_at is None and not reopened:
        due = clock.add(start, policy.first_response_minutes * 60)
        deadlines.append(_with_warning(clock, policy, TimerKind.FIRST_RESPONSE, start, due))
    if ticket.committed_resolution_at and not reopened:
        due = ticket.committed_resolution_at
    elif policy.resolution_mode == ResolutionMode.SAME_DAY:
        due = clock.end_of_day(start)
    elif policy.resolution_mode == ResolutionMode.BUSINESS_HOURS:
        due = clock.add(start, policy.resolution_amount * 3600)
    else:
        due = clock.add_working_days(start, policy.resolution_amount)
    deadlines.append(_with_warning(clock, policy, TimerKind.RESOLUTION, start, due))
    if ticket.regulator_deadline and ticket.regulator_deadline > start:
        deadlines.append(_with_warning(clock, policy, TimerKind.REGULATOR, start, ticket.regulator_deadline))
    for deadline in deadlines:
        if not is_covered(timezone.localtime(deadline.due_at).year):
            log.warning("ticket %s: %s deadline falls in %s, a year the holiday calendar does not cover; "
                        "counted Monday-Friday", ticket.pk, deadline.kind, deadline.due_at.year)
    return deadlines


def _next_fire(warn_at: datetime | None, due_at: datetime) -> datetime:
    return warn_at if warn_at is not None and warn_at < due_at else due_at


def timers_start(ticket: Ticket, *, now: datetime, reopened: bool = False) -> Ticket:
    """Start the ticket's clocks under its policy; store the due times on the ticket for the queue's order."""
    policy = policy_for(ticket)
    if policy is None:
        log.warning("no SLA policy matches ticket %s (%s); it runs without clocks", ticket.pk, ticket.kind)
        return ticket
    deadlines = deadlines_for(ticket, policy, now, reopened=reopened)
    SlaTimer.objects.bulk_create(
        SlaTimer(ticket=ticket, kind=d.kind, policy=policy, started_at=now, due_at=d.due_at, warn_at=d.warn_at,
                 next_fire_at=_next_fire(d.warn_at, d.due_at)) for d in deadlines
    )
    _refresh_ticket_dues(ticket)
    return ticket


def supervision_timer_start(order, *, now: datetime) -> None:
    """The branch's reply-by time is a clock of its own, warned and breached like the others."""
    SlaTimer.objects.create(ticket=order.ticket, supervision=order, kind=TimerKind.SUPERVISION_REPLY,
                            started_at=now, due_at=order.reply_by, next_fire_at=order.reply_by)


def timers_stop(ticket: Ticket, kinds: list[str], *, now: datetime, supervision=None) -> None:
    """The clocks of `kinds` are met (or stay breached): they fire no more."""
    live = SlaTimer.objects.filter(ticket=ticket, kind__in=kinds, stopped_at__isnull=True)
    if supervision is not None:
        live = live.filter(supervision=supervision)
    live.filter(state__in=[TimerState.RUNNING, TimerState.PAUSED]).update(
        state=TimerState.MET, next_fire_at=None, stopped_at=now)
    live.update(next_fire_at=None, stopped_at=now)


def timers_pause(ticket: Ticket, *, now: datetime) -> int:
    """Waiting on the client: keep each clock's remaining business time. The regulator's clock keeps running."""
    paused = 0
    for timer in SlaTimer.objects.filter(ticket=ticket, state=TimerState.RUNNING).exclude(
            kind=TimerKind.REGULATOR).select_related("policy"):
        if timer.policy is None:
            continue
        remaining = clock_for(timer.policy).seconds_between(now, timer.due_at) if timer.due_at > now else 0.0
        paused += SlaTimer.objects.filter(pk=timer.pk, state=TimerState.RUNNING).update(
            state=TimerState.PAUSED, remaining_seconds=remaining, next_fire_at=None)
    return paused


def timers_resume(ticket: Ticket, *, now: datetime) -> None:
    """The client answered: each paused clock runs on from now with the business time it had left."""
    for timer in SlaTimer.objects.filter(ticket=ticket, state=TimerState.PAUSED).select_related("policy"):
        clock = clock_for(timer.policy)
        due = clock.add(now, timer.remaining_seconds or 0.0)
        lead = timer.policy.warn_before_minutes * 60
        warn = None
        if timer.warned_at is None and lead and (timer.remaining_seconds or 0) > lead:
            warn = clock.add(now, timer.remaining_seconds - lead)
        SlaTimer.objects.filter(pk=timer.pk, state=TimerState.PAUSED).update(
            state=TimerState.RUNNING, due_at=due, warn_at=warn, next_fire_at=_next_fire(warn, due),
            remaining_seconds=None)
    _refresh_ticket_dues(ticket)


def _refresh_ticket_dues(ticket: Ticket) -> None:
    dues = dict(SlaTimer.objects.filter(ticket=ticket, supervision__isnull=True, stopped_at__isnull=True)
                .values_list("kind", "due_at"))
    ticket.first_response_due = dues.get(TimerKind.FIRST_RESPONSE, ticket.first_response_due)
    resolution = [d for k, d in dues.items() if k in (TimerKind.RESOLUTION, TimerKind.REGULATOR)]
    if resolution:
        ticket.resolution_due = min(resolution)
    Ticket.objects.filter(pk=ticket.pk).update(first_response_due=ticket.first_response_due,
                                               resolution_due=ticket.resolution_due)


@dataclass(frozen=True)
class Fired:
    timer_id: int
    ticket_id: int
    kind: str
    firing: str


def sla_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> list[Fired]:
    """Fire every warning and breach that is due, each exactly once, however many sweepers run.

    Each batch is claimed in one transaction: the due rows are locked (SKIP LOCKED on PostgreSQL, so a second
    sweeper takes other rows instead of waiting), moved on compare-and-set, and their firings inserted under a
    unique constraint — a firing that somehow happened twice rolls its batch back instead of notifying twice.
    """
    now = now or timezone.now()
    fired: list[Fired] = []
    while True:
        claimed = _sweep_batch(now, batch)
        fired.extend(claimed)
        if len(claimed) < batch:
            return fired


def _sweep_batch(now: datetime, batch: int) -> list[Fired]:
    with transaction.atomic():
        due = list(SlaTimer.objects.select_for_update(skip_locked=True)
                   .filter(next_fire_at__lte=now, state=TimerState.RUNNING)
                   .order_by("next_fire_at").values("id", "ticket_id", "kind", "next_fire_at", "due_at")[:batch])
        if not due:
            return []
        breaches = [row["id"] for row in due if row["due_at"] <= now]
        warnings = [row["id"] for row in due if row["due_at"] > now]
        # The rows are locked for this transaction; the state and next_fire_at conditions still make each
        # update a compare-and-set, for a database that ignores the lock (SQLite serialises writers instead).
        claimed = set()
        for ids, changes in ((breaches, {"state": TimerState.BREACHED, "breached_at": now, "next_fire_at": None}),
                             (warnings, {"warned_at": now, "next_fire_at": F("due_at")})):
            if ids:
                live = SlaTimer.objects.filter(pk__in=ids, state=TimerState.RUNNING, next_fire_at__lte=now)
                claimed.update(live.values_list("pk", flat=True))
                live.update(**changes)
        fired = [Fired(row["id"], row["ticket_id"], row["kind"],
                       TimerFiring.BREACH if row["due_at"] <= now else TimerFiring.WARNING)
                 for row in due if row["id"] in claimed]
        SlaFiring.objects.bulk_create(SlaFiring(timer_id=f.timer_id, firing=f.firing, fired_at=now) for f in fired)
        TicketEvent.objects.bulk_create(
            TicketEvent(ticket_id=f.ticket_id, at=now, action=f"sla_{f.firing}", details={"clock": f.kind})
            for f in fired)
        audit_record_many([AuditEntry(actor=None, action=f"tickets.sla_{f.firing}", object_type="ticket",
                                      object_id=f.ticket_id, details={"clock": f.kind, "timer": f.timer_id})
                           for f in fired])
        _announce(fired)
    return fired


def _announce(fired: list[Fired]) -> None:
    """Tell each ticket's owner (and for breaches the supervisors of the owner's center), in one insert."""
    from brokerdesk.org.notifications import Message, notify_many
    from brokerdesk.tickets.selectors import supervisors_for

    tickets = Ticket.objects.select_related("owner").in_bulk({f.ticket_id for f in fired})
    supervisors: dict[int | None, list] = {}
    messages = []
    for f in fired:
        ticket = tickets[f.ticket_id]
        label = TimerKind(f.kind).label
        if f.firing == TimerFiring.BREACH:
            title = _("SLA breached: %(clock)s of %(ticket)s") % {"clock": label, "ticket": ticket}
            center = ticket.owner.center_id if ticket.owner else None
            if center not in supervisors:
                supervisors[center] = supervisors_for(ticket)
            recipients = [ticket.owner, *supervisors[center]]
        else:
            title = _("SLA warning: %(clock)s of %(ticket)s is due soon") % {"clock": label, "ticket": ticket}
            recipients = [ticket.owner]
        messages.append(Message(recipients=[r for r in recipients if r is not None], kind=f"sla_{f.firing}",
                                title=title, body=ticket.subject, url=f"/tickets/{ticket.pk}/"))
    notify_many(messages)


def add_business_days(start: datetime, days: int, policy: SlaPolicy | None = None) -> datetime:
    """A reply-by time `days` working days from start (the supervision ticket's default)."""
    if policy is None:
        policy = SlaPolicy.objects.filter(is_active=True).order_by("position").first()
    if policy is None:
        return start + timedelta(days=days)
    return clock_for(policy).add_working_days(start, days)

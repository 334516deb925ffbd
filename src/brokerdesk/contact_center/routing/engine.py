"""The routing engine: where one call goes, decided from the caller, the IVR keys, the clock and the live view.

Pure code (no Django, no database): everything it needs is in a RouterConfig built once from the configuration
(routing/config.py) and a LiveView the caller supplies (the database in production, the simulator's own state
in simulate.py). It runs on every offered call and again on every overflow check, so a decision is a few
dictionary lookups and one pass over the centers.

    first routing:   IVR key -> skill, priority (VIP by tier or package, complaint key)
                     outside every center's hours            -> self-service menu (balances, orders, callback,
                                                                voicemail) - reason out_of_hours
                     the client's serving sub-center open and staffed for the skill
                                                             -> queue there (local), recheck after its
                                                                overflow wait
                     otherwise                               -> the best other open, staffed center (HQ first)
    recheck (the call has waited `waited` seconds at center_id):
                     an agent is free here, or not waited long enough -> stay
                     another open center has a free agent   -> move there (overflow), HQ first, then rank
                     waited past max_wait                   -> offer a callback
                     otherwise                              -> stay, recheck later
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class DayKind(enum.Enum):
    WORKING = "working"  # Monday-Friday, and the make-up Saturdays/Sundays (调休) that are working days
    SATURDAY = "saturday"
    SUNDAY = "sunday"
    HOLIDAY = "holiday"  # a public holiday (法定节假日)


class Action(enum.Enum):
    QUEUE = "queue"  # wait for an agent at center_id with skill
    SELF_SERVICE = "self_service"  # the self-service menu (balances and orders from the latest snapshot)
    CALLBACK = "callback"  # take a callback request
    VOICEMAIL = "voicemail"  # record a voicemail


# Reasons, as contact_center.choices.RouteReason values (kept as strings: this module imports no Django).
LOCAL, HQ, OVERFLOW, NO_AGENTS, OUT_OF_HOURS, SELF_SERVICE, TRANSFER = (
    "local", "hq", "overflow", "no_agents", "out_of_hours", "self_service", "transfer")

Span = tuple[time, time] | None


@dataclass(frozen=True, slots=True)
class Hours:
    """Human service hours (local wall-clock), per kind of day; None is closed that day."""

    working: Span = (time(9), time(21))
    saturday: Span = (time(9), time(18))
    sunday: Span = None
    holidays: bool = False  # open on public holidays with the working-day hours

    def span(self, kind: DayKind) -> Span:
        if kind is DayKind.WORKING:
            return self.working
        if kind is DayKind.SATURDAY:
            return self.saturday
        if kind is DayKind.SUNDAY:
            return self.sunday
        return self.working if self.holidays else None

    def is_open(self, kind: DayKind, clock: time) -> bool:
        span = self.span(kind)
        return span is not None and span[0] <= clock < span[1]


@dataclass(frozen=True, slots=True)
class CenterRule:
    id: int
    code: str
    is_hq: bool
    hours: Hours = field(default_factory=Hours)
    overflow_after: float = 30.0  # seconds a call waits here before other centers are asked
    accepts_overflow: bool = True
    overflow_rank: int = 100
    active: bool = True


@dataclass(frozen=True, slots=True)
class IvrRule:
    digit: str
    action: Action
    skill: str | None = None
    is_complaint: bool = False


@dataclass(frozen=True, slots=True)
class Caller:
    customer_id: int | None = None
    serving_center_id: int | None = None  # the sub-center serving the client's home branch
    is_vip: bool = False


@dataclass(frozen=True, slots=True)
class CallRequest:
    caller: Caller
    at: datetime  # timezone-aware
    ivr: tuple[str, ...] = ()
    waited: float = 0.0  # seconds already waited in the current queue
    center_id: int | None = None  # where the call waits now (None: not routed yet)
    skill: str | None = None  # on a recheck: the skill chosen at first routing


class LiveView(Protocol):
    """What the engine asks about the floor right now."""

    def staffed(self, center_id: int, skill: str) -> int:
        """Agents logged in (not offline, not on break) at the center who have the skill."""

    def idle(self, center_id: int, skill: str) -> int:
        """Of those, the ones available for a call this moment."""


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reason: str
    center_id: int | None = None
    skill: str | None = None
    priority: int = 0
    is_vip: bool = False
    is_complaint: bool = False
    recheck_after: float | None = None  # ask again once the call has waited this many more seconds
    # priority, is_vip and is_complaint are decided at first routing; a recheck's decision leaves them 0/False
    # and the call keeps its own.

    @property
    def moved(self) -> bool:
        return self.reason in (OVERFLOW, NO_AGENTS, HQ)


@dataclass(frozen=True)
class RouterConfig:
    centers: tuple[CenterRule, ...]
    ivr: dict[str, IvrRule]
    default_skill: str
    vip_skill: str | None = None
    complaint_skill: str | None = None
    default_priority: int = 4
    vip_priority: int = 8
    complaint_priority: int = 6
    max_wait: float = 180.0
    day_kind: Callable[[date], DayKind] = field(default=lambda day: _plain_day_kind(day))
    tz: ZoneInfo = SHANGHAI


def _plain_day_kind(day: date) -> DayKind:
    """Without a holiday calendar: weekdays work, weekends don't (tests and the simulator's default)."""
    return (DayKind.WORKING, DayKind.WORKING, DayKind.WORKING, DayKind.WORKING, DayKind.WORKING,
            DayKind.SATURDAY, DayKind.SUNDAY)[day.weekday()]


class Router:
    """Decides routes for one configuration. Build once, call route() per call (thread-safe: no mutable state)."""

    def __init__(self, config: RouterConfig):
        if not config.centers:
            raise ValueError("the routing configuration has no centers")
        self.config = config
        active = [c for c in config.centers if c.active]
        if not active:
            raise ValueError("no center is in service")
        self._by_id = {c.id: c for c in active}
        hq = [c for c in active if c.is_hq]
        self._hq = hq[0] if hq else None
        # Overflow candidates, best first: HQ, then by rank and code (stable and explainable).
        self._overflow_order = tuple(sorted(
            (c for c in active if c.accepts_overflow), key=lambda c: (not c.is_hq, c.overflow_rank, c.code)))
        self._fallback_order = tuple(sorted(active, key=lambda c: (not c.is_hq, c.overflow_rank, c.code)))
        self._day_cache: dict[date, DayKind] = {}

    # --- public ----------------------------------------------------------------------------------------------

    def route(self, request: CallRequest, live: LiveView) -> Decision:
        cfg = self.config
        local = request.at.astimezone(cfg.tz)
        kind = self._day_kind(local.date())
        clock = local.time()
        if request.center_id is not None and request.skill is not None:
            return self._recheck(request, live, kind, clock)

        option = self._ivr_choice(request.ivr)
        if option is not None and option.action is not Action.QUEUE:
            return Decision(option.action, SELF_SERVICE)
        is_complaint = bool(option and option.is_complaint)
        skill = (option.skill if option and option.skill else None) or cfg.default_skill
        is_vip = request.caller.is_vip
        if is_complaint:
            skill = cfg.complaint_skill or skill
            priority = max(cfg.complaint_priority, cfg.vip_priority if is_vip else 0)
        elif is_vip:
            if cfg.vip_skill and skill == cfg.default_skill:
                skill = cfg.vip_skill
            priority = cfg.vip_priority
        else:
            priority = cfg.default_priority

        open_centers = [c for c in self._fallback_order if c.hours.is_open(kind, clock)]
        if not open_centers:
            return Decision(Action.SELF_SERVICE, OUT_OF_HOURS, skill=skill, priority=priority,
                            is_vip=is_vip, is_complaint=is_complaint)

        home = self._by_id.get(request.caller.serving_center_id) if request.caller.serving_center_id else None
        if home is not None and home.hours.is_open(kind, clock) and live.staffed(home.id, skill) > 0:
            return self._queue(home, LOCAL, skill, priority, is_vip, is_complaint)
        # No serving sub-center (unknown caller), or it is closed or has nobody for the skill: the best open,
        # staffed center, HQ first. An unknown caller answered at HQ is "hq"; one sent on to a sub-center because
        # HQ had nobody free is "overflow"; a client moved away from their own sub-center is "no_agents".
        target = self._best_other(open_centers, live, skill, exclude=home.id if home else None)
        if target is None:
            # Nobody anywhere is logged in with the skill: queue where the caller belongs if it is open (agents
            # may log in), else the first open center; the recheck will move it when someone frees up.
            target = home if home is not None and home.hours.is_open(kind, clock) else open_centers[0]
        if target is home:
            reason = LOCAL
        elif home is not None:
            reason = NO_AGENTS
        else:
            reason = HQ if target.is_hq else OVERFLOW
        return self._queue(target, reason, skill, priority, is_vip, is_complaint)

    def transfer_to(self, *, center_id: int, skill: str | None, priority: int, at: datetime) -> Decision:
        """A transfer ("escort") to a chosen center keeps the call's skill and priority; the target must be in
        service and open now (ValueError says which it is not)."""
        center = self._by_id.get(center_id)
        if center is None:
            raise ValueError(f"center {center_id} is not in service")
        if not self.is_open(center_id, at):
            raise ValueError(f"center {center.code} is closed now")
        return Decision(Action.QUEUE, TRANSFER, center_id=center.id, skill=skill or self.config.default_skill,
                        priority=priority, recheck_after=center.overflow_after)

    def is_open(self, center_id: int, at: datetime) -> bool:
        center = self._by_id.get(center_id)
        if center is None:
            return False
        local = at.astimezone(self.config.tz)
        return center.hours.is_open(self._day_kind(local.date()), local.time())

    # --- internals -------------------------------------------------------------------------------------------

    def _recheck(self, request: CallRequest, live: LiveView, kind: DayKind, clock: time) -> Decision:
        cfg = self.config
        here = self._by_id.get(request.center_id)
        skill = request.skill
        if here is None:  # the center was taken out of service while the call waited
            first = CallRequest(request.caller, request.at, request.ivr)
            return self.route(first, live)
        # A center that closed, or whose agents with the skill all logged out, while the call waited is no place
        # to wait on: the call moves at once, to a free agent elsewhere or else to any open, staffed center.
        usable = here.hours.is_open(kind, clock) and live.staffed(here.id, skill) > 0
        if usable and (request.waited < here.overflow_after or live.idle(here.id, skill) > 0):
            return Decision(Action.QUEUE, "", center_id=here.id, skill=skill,
                            recheck_after=max(here.overflow_after - request.waited, 1.0))
        for center in self._overflow_order:
            if center.id != here.id and center.hours.is_open(kind, clock) and live.idle(center.id, skill) > 0:
                return Decision(Action.QUEUE, OVERFLOW, center_id=center.id, skill=skill,
                                recheck_after=center.overflow_after)
        if not usable:
            open_centers = [c for c in self._fallback_order if c.hours.is_open(kind, clock)]
            target = self._best_other(open_centers, live, skill, exclude=here.id)
            if target is not None:
                return Decision(Action.QUEUE, NO_AGENTS, center_id=target.id, skill=skill,
                                recheck_after=target.overflow_after)
        if request.waited >= cfg.max_wait:
            return Decision(Action.CALLBACK, OVERFLOW, center_id=here.id, skill=skill)
        return Decision(Action.QUEUE, "", center_id=here.id, skill=skill,
                        recheck_after=min(here.overflow_after, max(cfg.max_wait - request.waited, 1.0)))

    def _queue(self, center: CenterRule, reason: str, skill: str, priority: int, is_vip: bool,
               is_complaint: bool) -> Decision:
        return Decision(Action.QUEUE, reason, center_id=center.id, skill=skill, priority=priority, is_vip=is_vip,
                        is_complaint=is_complaint, recheck_after=center.overflow_after)

    def _best_other(self, open_centers: list[CenterRule], live: LiveView, skill: str,
                    exclude: int | None) -> CenterRule | None:
        """An open center with a free agent for the skill (HQ first), else one with anyone logged in for it."""
        staffed = None
        for center in open_centers:
            if center.id == exclude or not (center.accepts_overflow or center.is_hq):
                continue
            if live.idle(center.id, skill) > 0:
                return center
            if staffed is None and live.staffed(center.id, skill) > 0:
                staffed = center
        return staffed

    def _ivr_choice(self, digits: tuple[str, ...]) -> IvrRule | None:
        for digit in digits:
            option = self.config.ivr.get(digit)
            if option is not None:
                return option
        return None

    def _day_kind(self, day: date) -> DayKind:
        kind = self._day_cache.get(day)
        if kind is None:
            kind = self.config.day_kind(day)
            if len(self._day_cache) > 1000:
                self._day_cache.clear()
            self._day_cache[day] = kind
        return kind

"""A discrete-event simulation of a day of inbound calls through the real routing engine.

Supervisors use it (``brokerdesk simulate-day``) to see what an overflow threshold, a roster or a traffic profile
does to service level and abandonment per center before changing the configuration; bench/routing uses it to
measure a day of 300,000 calls across HQ + 27 sub-centers.

The core (everything but ``scenario_from_database``) imports no Django: the same code runs in tests, in the
benchmark and in the command. Every routing decision is ``engine.Router.route`` itself, asked with a LiveView
implemented by the simulator's own per-center, per-skill agent counts:

* **arrivals**: the day's profile (calls per interval) is spread uniformly at random within each interval. Each
  caller has a home serving center (the configured branches' distribution, or uniform over the sub-centers), is
  a VIP with ``vip_share``, unknown (not a client: HQ) with ``unknown_share``, and presses an IVR key drawn from
  ``ivr_mix`` (general most, then funds, margin, options, complaints, English; a few self-service, callback and
  voicemail keys that need no agent). Outside every center's hours the engine sends the call to self-service.
* **queues** per (center, skill), ordered by (-priority, first queued time): a heap each, with lazy deletion of
  calls that abandoned or moved. An agent who frees up takes the best head among its center's queues for its
  skills; a call routed to a center with an idle agent for its skill is answered at once (an idle agent implies
  an empty queue for its skills at its center, which the simulation keeps true).
* **rechecks**: a waiting call is routed again (``CallRequest`` with ``waited`` = seconds at the current center,
  ``center_id`` and ``skill``) when the engine's ``recheck_after`` says, and every ``poll_seconds`` once it has
  waited past its center's overflow wait (the PBX polls like that in production: services.calls.POLL_SECONDS).
  An overflow moves the call to the decision's center keeping its place (its first queued time); a callback
  decision (past ``max_wait``) takes it off the queue.
* **abandonment**: each caller's patience is exponential with mean ``patience``; a caller still waiting then
  hangs up (counted at the center where they waited).
* **service**: talk time is exponential (or lognormal with ``aht_cv``) with mean ``aht - wrap_up``, then a fixed
  wrap-up; the agent is busy (and not idle for the engine) for both, so one "agent free" event ends them.
* **rosters**: per center, agent groups (a skill set and a number of agents per interval). Erlang-C-sized rosters
  (``erlang_rosters``) size each group per interval for 80 % within 20 s with ``contact_center.erlang``; a
  roster change at an interval boundary logs agents in (they take queued calls at once) or out (idle ones at
  once, busy ones when they finish their call).

Measures, per center where the call ended (answered, abandoned or sent to callback there) and per center of
origin (the caller's home center; unknown callers under "unknown"):
    offered        calls that queued for an agent (answered + abandoned + callback after max_wait)
    service level  answered within ``answer_within`` seconds of the offer / offered (abandoned calls and
                   callbacks count as not answered in time, also when the caller hung up within the threshold)
    ASA            mean wait (offer to answer, across every center it waited at) of answered calls
    abandonment    abandoned / offered
    overflowed     calls that left this center for another (per center of origin: calls that were moved)
    occupancy      busy agent-seconds (talk + wrap-up of the calls answered there) / logged-in agent-seconds
"""

from __future__ import annotations

import bisect
import math
import random
import time as _time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from heapq import heappop, heappush

from brokerdesk.contact_center.erlang import agents_needed_c
from brokerdesk.contact_center.routing.engine import (
    SHANGHAI,
    Action,
    Caller,
    CallRequest,
    CenterRule,
    DayKind,
    IvrRule,
    Router,
    RouterConfig,
)

DAY_SECONDS = 86_400
ANSWER_WITHIN = 20.0

# The share of the day's calls per half hour from 00:00 (48 figures): a brokerage's day, peaking in the trading
# sessions (9:30-11:30, 13:00-15:00), with a little traffic outside human service hours (self-service).
DEFAULT_PROFILE = (
    0.10, 0.08, 0.06, 0.05, 0.05, 0.05, 0.05, 0.05, 0.06, 0.08, 0.10, 0.15, 0.25, 0.35, 0.50, 0.80,  # 00:00-07:30
    1.20, 1.80,  # 08:00-08:30
    4.0, 7.0, 7.5, 6.5, 5.5, 4.0, 3.0, 3.5, 6.0, 6.5, 6.0, 5.5,  # 09:00-14:30
    4.5, 3.5, 3.0, 2.5, 2.2, 2.0, 1.8, 1.6, 1.5, 1.3, 1.1, 0.9,  # 15:00-20:30
    0.60, 0.50, 0.40, 0.30, 0.20, 0.15,  # 21:00-23:30
)
DEFAULT_INTERVAL = 1800.0

# IVR keys of the seeded menu (contact_center.seed.IVR) and the share of callers pressing each.
SEED_IVR = {
    "1": IvrRule("1", Action.SELF_SERVICE), "2": IvrRule("2", Action.QUEUE, "general"),
    "3": IvrRule("3", Action.QUEUE, "margin"), "4": IvrRule("4", Action.QUEUE, "options"),
    "5": IvrRule("5", Action.QUEUE, "funds"), "6": IvrRule("6", Action.QUEUE, "complaints", True),
    "7": IvrRule("7", Action.CALLBACK), "8": IvrRule("8", Action.VOICEMAIL),
    "9": IvrRule("9", Action.QUEUE, "english"), "0": IvrRule("0", Action.QUEUE, "general"),
}
DEFAULT_IVR_MIX = {"2": 0.56, "0": 0.12, "5": 0.08, "3": 0.08, "4": 0.04, "6": 0.02, "9": 0.01, "1": 0.05,
                   "7": 0.02, "8": 0.02}

# Synthetic agent groups: (name, skills, skills whose calls size the group). English is answered at HQ only.
GROUPS = (
    ("general", ("general", "funds"), ("general", "funds")),
    ("specialist", ("margin", "options", "general", "funds"), ("margin", "options")),
    ("vip", ("vip", "general"), ("vip",)),
    ("complaints", ("complaints", "general"), ("complaints",)),
)
HQ_GROUPS = (*GROUPS, ("english", ("english", "general"), ("english",)))

# call states
_WAITING, _ANSWERED, _ABANDONED, _CALLBACK, _OTHER = 1, 2, 3, 4, 5
# event kinds (heap entries are (time, seq, kind, a, b); seq is unique so comparison stops there)
_FREE, _RECHECK, _ABANDON, _SHIFT = 0, 1, 2, 3


@dataclass
class AgentGroup:
    """Agents of one center with the same skills; ``roster[i]`` of them are logged in during interval i."""

    skills: tuple[str, ...]
    roster: list[int]
    name: str = ""


@dataclass
class Scenario:
    config: RouterConfig
    groups: dict[int, list[AgentGroup]]  # center id -> its agent groups
    home_weights: dict[int, float]  # center id -> share of (known) callers it serves
    profile: list[float]  # calls per interval, from 00:00
    interval_seconds: float = DEFAULT_INTERVAL
    day: date = date(2026, 11, 17)  # a Tuesday
    unknown_share: float = 0.10
    vip_share: float = 0.05
    ivr_mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_IVR_MIX))
    aht: float = 180.0  # talk + wrap-up, seconds
    wrap_up: float = 15.0
    aht_distribution: str = "exponential"  # or "lognormal"
    aht_cv: float = 1.0  # lognormal: standard deviation / mean of the talk time
    patience: float = 120.0  # mean, seconds (exponential)
    poll_seconds: float = 3.0
    answer_within: float = ANSWER_WITHIN
    seed: int = 1
    staffing: str = "fixed roster"  # how the rosters were made, for the report


# ------------------------------------------------------------------------------------------------ scenarios


def synthetic_config(sub_centers: int = 27, overflow_after: float = 30.0, max_wait: float = 180.0) -> RouterConfig:
    """HQ (id 1) and sub-centers SC-01..SC-nn (ids 2..), the seeded IVR menu and default hours."""
    centers = [CenterRule(id=1, code="HQ", is_hq=True, overflow_after=overflow_after, overflow_rank=1)]
    centers += [CenterRule(id=i + 2, code=f"SC-{i + 1:02d}", is_hq=False, overflow_after=overflow_after)
                for i in range(sub_centers)]
    return RouterConfig(centers=tuple(centers), ivr=dict(SEED_IVR), default_skill="general", vip_skill="vip",
                        complaint_skill="complaints", max_wait=max_wait)


def with_overflow_after(config: RouterConfig, seconds: float) -> RouterConfig:
    """The configuration with every center's overflow wait set to ``seconds``."""
    return replace(config, centers=tuple(replace(c, overflow_after=float(seconds)) for c in config.centers))


def scale_profile(profile: list[float] | tuple[float, ...], calls: int) -> list[int]:
    """Whole calls per interval, proportional to profile, adding up to ``calls`` (largest remainders)."""
    total = math.fsum(profile)
    if total <= 0:
        raise ValueError("the profile has no calls")
    exact = [calls * p / total for p in profile]
    counts = [math.floor(x) for x in exact]
    short = calls - sum(counts)
    for i in sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])[:short]:
        counts[i] += 1
    return counts


def _skill_shares(ivr_mix: dict[str, float], ivr: dict[str, IvrRule], vip_share: float,
                  config: RouterConfig) -> dict[str, float]:
    """The share of all calls that queue for each skill (as the engine maps keys and VIPs)."""
    total = math.fsum(ivr_mix.values())
    shares: dict[str, float] = {}
    for digit, weight in ivr_mix.items():
        rule = ivr.get(digit)
        if rule is None or rule.action is not Action.QUEUE:
            continue
        p = weight / total
        skill = rule.skill or config.default_skill
        if rule.is_complaint:
            skill = config.complaint_skill or skill
            shares[skill] = shares.get(skill, 0.0) + p
        elif skill == config.default_skill and config.vip_skill:
            shares[config.vip_skill] = shares.get(config.vip_skill, 0.0) + p * vip_share
            shares[skill] = shares.get(skill, 0.0) + p * (1 - vip_share)
        else:
            shares[skill] = shares.get(skill, 0.0) + p
    return shares


def erlang_rosters(config: RouterConfig, counts: list[int], interval_seconds: float, home_weights: dict[int, float],
                   *, unknown_share: float, vip_share: float, ivr_mix: dict[str, float], aht: float,
                   hq_reserve: float = 0.05, staff_factor: float = 1.0, service_level: float = 0.8,
                   answer_within: float = ANSWER_WITHIN) -> dict[int, list[AgentGroup]]:
    """Agent groups per center, each sized per interval by Erlang C (``agents_needed_c``) for its own calls:
    80 % answered within 20 s at the expected load of the center's callers (HQ: unknown callers, English, and
    ``hq_reserve`` of the network's calls for overflow), times ``staff_factor``. Intervals when the center is
    closed get nobody. Groups are sized separately (no credit for the specialists' general skill): a
    conservative, realistic roster."""
    shares = _skill_shares(ivr_mix, config.ivr, vip_share, config)
    router = Router(config)
    hq = next((c for c in config.centers if c.is_hq and c.active), None)
    known = 1.0 - unknown_share
    total_weight = math.fsum(home_weights.values()) or 1.0
    cache: dict[float, int] = {}

    def needed(load: float) -> int:
        load = round(load * staff_factor, 3)
        if load <= 0:
            return 0
        if load not in cache:
            cache[load] = max(1, agents_needed_c(load, aht, service_level, answer_within).agents)
        return cache[load]

    base = datetime.combine(date(2026, 11, 17), datetime.min.time(), SHANGHAI)
    rosters: dict[int, list[AgentGroup]] = {}
    for center in config.centers:
        if not center.active:
            continue
        is_hq = hq is not None and center.id == hq.id
        share = known * home_weights.get(center.id, 0.0) / total_weight
        if is_hq:
            share += unknown_share + hq_reserve
        groups = []
        for name, skills, sized_by in (HQ_GROUPS if is_hq else GROUPS):
            if name == "english" and not is_hq:
                continue
            skill_share = math.fsum(shares.get(s, 0.0) for s in sized_by)
            if is_hq and name == "english":
                skill_share_total = skill_share  # every English call comes to HQ
                center_share = 1.0
            else:
                skill_share_total, center_share = skill_share, share
            roster = []
            for i, calls in enumerate(counts):
                at = base + timedelta(seconds=i * interval_seconds + interval_seconds / 2)
                if not router.is_open(center.id, at):
                    roster.append(0)
                    continue
                load = calls * center_share * skill_share_total * aht / interval_seconds
                roster.append(needed(load))
            if any(roster):
                groups.append(AgentGroup(skills, roster, name))
        rosters[center.id] = groups
    return rosters


def split_roster(config: RouterConfig, agents_per_center: int, *, vip_share: float,
                 ivr_mix: dict[str, float], intervals: int) -> dict[int, list[AgentGroup]]:
    """A fixed roster of ``agents_per_center`` per center, split over the synthetic groups by their share of calls
    (at least one general agent; HQ also has the English group)."""
    shares = _skill_shares(ivr_mix, config.ivr, vip_share, config)
    rosters: dict[int, list[AgentGroup]] = {}
    for center in config.centers:
        if not center.active:
            continue
        groups_def = HQ_GROUPS if center.is_hq else GROUPS
        weights = [math.fsum(shares.get(s, 0.0) for s in sized_by) for _, _, sized_by in groups_def]
        total = math.fsum(weights) or 1.0
        sizes = [math.floor(agents_per_center * w / total) for w in weights]
        sizes[0] += agents_per_center - sum(sizes)
        rosters[center.id] = [AgentGroup(skills, [n] * intervals, name)
                              for (name, skills, _), n in zip(groups_def, sizes, strict=True) if n > 0]
    return rosters


def synthetic_scenario(*, calls: int = 300_000, profile: list[float] | None = None,
                       interval_seconds: float = DEFAULT_INTERVAL, sub_centers: int = 27,
                       agents_per_center: int | None = None, overflow_after: float = 30.0,
                       staff_factor: float = 1.0, **options) -> Scenario:
    """HQ + ``sub_centers``, callers uniform over the sub-centers, Erlang-C rosters per interval (or a fixed
    ``agents_per_center``)."""
    config = synthetic_config(sub_centers, overflow_after)
    counts = scale_profile(profile or DEFAULT_PROFILE, calls)
    homes = {c.id: 1.0 for c in config.centers if not c.is_hq}
    return build_scenario(config, counts, homes, interval_seconds=interval_seconds,
                          agents_per_center=agents_per_center, staff_factor=staff_factor, **options)


def build_scenario(config: RouterConfig, counts: list[int], home_weights: dict[int, float], *,
                   interval_seconds: float = DEFAULT_INTERVAL, agents_per_center: int | None = None,
                   groups: dict[int, list[AgentGroup]] | None = None, staff_factor: float = 1.0,
                   **options) -> Scenario:
    """A scenario with the given rosters (``groups``), else a fixed ``agents_per_center``, else Erlang-C rosters."""
    scenario = Scenario(config=config, groups={}, home_weights=home_weights, profile=list(counts),
                        interval_seconds=interval_seconds, **options)
    if groups is not None:
        scenario.groups = groups
    elif agents_per_center is not None:
        scenario.groups = split_roster(config, agents_per_center, vip_share=scenario.vip_share,
                                       ivr_mix=scenario.ivr_mix, intervals=len(counts))
        scenario.staffing = f"fixed roster: {agents_per_center} agents per center"
    else:
        scenario.groups = erlang_rosters(config, list(counts), interval_seconds, home_weights,
                                         unknown_share=scenario.unknown_share, vip_share=scenario.vip_share,
                                         ivr_mix=scenario.ivr_mix, aht=scenario.aht, staff_factor=staff_factor)
        scenario.staffing = ("Erlang C per interval and agent group (80% within 20 s)"
                             + (f" x {staff_factor:g}" if staff_factor != 1.0 else ""))
    return scenario


# ------------------------------------------------------------------------------------------------ simulation


class _Live:
    """The engine's LiveView over the simulator's counters, keyed (center id, skill code)."""

    __slots__ = ("idle_map", "staffed_map")

    def __init__(self):
        self.staffed_map: dict[tuple[int, str], int] = {}
        self.idle_map: dict[tuple[int, str], int] = {}

    def staffed(self, center_id: int, skill: str) -> int:
        return self.staffed_map.get((center_id, skill), 0)

    def idle(self, center_id: int, skill: str) -> int:
        return self.idle_map.get((center_id, skill), 0)


def simulate(scenario: Scenario) -> dict:
    """Run the day; returns the report (plain dict, JSON-ready)."""
    started = _time.perf_counter()
    cfg = scenario.config
    router = Router(cfg)
    rng = random.Random(scenario.seed)  # noqa: S311 - a simulation, not cryptography
    rand, expo = rng.random, rng.expovariate
    centers = [c for c in cfg.centers if c.active]
    index = {c.id: i for i, c in enumerate(centers)}
    n_centers = len(centers)
    overflow_after = {c.id: c.overflow_after for c in centers}
    interval = float(scenario.interval_seconds)
    base = datetime.combine(scenario.day, datetime.min.time(), cfg.tz)
    poll = scenario.poll_seconds
    answer_within = scenario.answer_within

    # --- agents: group records [center id, center index, keys, idle, staffed, leaving, roster]
    live = _Live()
    staffed_map, idle_map = live.staffed_map, live.idle_map
    groups_at: dict[tuple[int, str], list[list]] = {}  # (center, skill) -> groups with it, fewest skills first
    records: list[list] = []
    for center_id, groups in scenario.groups.items():
        if center_id not in index:
            continue
        for group in groups:
            keys = tuple((center_id, s) for s in group.skills)
            record = [center_id, index[center_id], keys, 0, 0, 0, group.roster]
            records.append(record)
            for key in keys:
                staffed_map.setdefault(key, 0)
                idle_map.setdefault(key, 0)
                groups_at.setdefault(key, []).append(record)
    for members in groups_at.values():
        members.sort(key=lambda r: len(r[2]))
    queues: dict[tuple[int, str], list] = {key: [] for key in groups_at}

    # --- callers
    counts = [round(c) for c in scenario.profile]
    n = sum(counts)
    arrival: list[float] = []
    for i, calls in enumerate(counts):
        start = i * interval
        arrival.extend(sorted(start + rand() * interval for _ in range(calls)))
    home_ids = [cid for cid, w in scenario.home_weights.items() if w > 0 and cid in index]
    cum_home, total_home = [], 0.0
    for cid in home_ids:
        total_home += scenario.home_weights[cid]
        cum_home.append(total_home)
    last_home = len(home_ids) - 1
    digits = list(scenario.ivr_mix)
    cum_ivr, total_ivr = [], 0.0
    for d in digits:
        total_ivr += scenario.ivr_mix[d]
        cum_ivr.append(total_ivr)
    last_digit = len(digits) - 1
    ivr_tuples = [(d,) for d in digits]
    callers: dict[tuple[int | None, bool], Caller] = {}
    unknown_share, vip_share = scenario.unknown_share, scenario.vip_share
    mean_patience = scenario.patience
    caller_of: list[Caller] = [None] * n  # type: ignore[list-item]
    origin: list[int] = [0] * n  # center index of the home center; n_centers for unknown callers
    ivr_of: list[tuple[str, ...]] = [()] * n
    for k in range(n):
        if home_ids and rand() >= unknown_share:
            home = home_ids[min(bisect.bisect_right(cum_home, rand() * total_home), last_home)]
            vip = rand() < vip_share
            customer = 1
        else:
            home, vip, customer = None, False, None
        key = (home, vip)
        caller = callers.get(key)
        if caller is None:
            caller = callers[key] = Caller(customer, home, vip)
        caller_of[k] = caller
        origin[k] = index[home] if home is not None else n_centers
        ivr_of[k] = ivr_tuples[min(bisect.bisect_right(cum_ivr, rand() * total_ivr), last_digit)]

    talk_mean = max(scenario.aht - scenario.wrap_up, 1.0)
    wrap = scenario.wrap_up
    if scenario.aht_distribution == "lognormal":
        sigma = math.sqrt(math.log(1 + scenario.aht_cv ** 2))
        mu = math.log(talk_mean) - sigma * sigma / 2
        lognorm = rng.lognormvariate

        def handle_time() -> float:
            return lognorm(mu, sigma) + wrap
    else:
        rate = 1.0 / talk_mean

        def handle_time() -> float:
            return expo(rate) + wrap

    # --- per-call state
    state = bytearray(n)
    at_center: list[int] = [0] * n
    skill_of: list[str] = [""] * n
    priority: list[int] = [0] * n
    leg_start: list[float] = [0.0] * n
    first_queued: list[float] = [0.0] * n
    version: list[int] = [0] * n

    # --- measures, per center index (n_centers: unknown origin)
    size = n_centers + 1
    h_answered, h_abandoned, h_callback, h_in_sl, h_wait = [0] * size, [0] * size, [0] * size, [0] * size, [0.0] * size
    h_over_out, h_over_in = [0] * size, [0] * size
    o_answered, o_abandoned, o_callback, o_in_sl, o_wait = [0] * size, [0] * size, [0] * size, [0] * size, [0.0] * size
    o_moved, o_local = [0] * size, [0] * size
    busy = [0.0] * size
    staffed_seconds = [0.0] * size
    logged_in = [0] * size
    last_change = [0.0] * size
    peak_agents = [0] * size
    by_priority: dict[int, list] = {}  # priority -> [answered, in SL, wait, abandoned, callback]
    non_agent: dict[str, int] = {}
    first_reasons: dict[str, int] = {}
    routes = 0

    heap: list = []
    seq = 0

    def staff_change(record: list, delta: int, t: float) -> None:
        ci = record[1]
        staffed_seconds[ci] += logged_in[ci] * (t - last_change[ci])
        last_change[ci] = t
        logged_in[ci] += delta
        if logged_in[ci] > peak_agents[ci]:
            peak_agents[ci] = logged_in[ci]
        record[4] += delta
        for key in record[2]:
            staffed_map[key] += delta

    def answer(k: int, record: list, t: float) -> None:
        nonlocal seq
        state[k] = _ANSWERED
        wait = t - arrival[k]
        ci, oi = record[1], origin[k]
        h_answered[ci] += 1
        h_wait[ci] += wait
        o_answered[oi] += 1
        o_wait[oi] += wait
        stats = by_priority[priority[k]]
        stats[0] += 1
        stats[2] += wait
        if wait <= answer_within:
            h_in_sl[ci] += 1
            o_in_sl[oi] += 1
            stats[1] += 1
        handle = handle_time()
        busy[ci] += handle
        seq += 1
        heappush(heap, (t + handle, seq, _FREE, record, k))

    def agent_free(record: list, t: float) -> None:
        """An agent of the group is free: leave if rostered off, else the best waiting call, else idle."""
        if record[5]:
            record[5] -= 1
            staff_change(record, -1, t)
            return
        best = None
        best_queue = None
        for key in record[2]:
            queue = queues[key]
            while queue:
                head = queue[0]
                k = head[2]
                if state[k] == _WAITING and version[k] == head[3]:
                    break
                heappop(queue)
            if queue and (best is None or queue[0] < best):
                best, best_queue = queue[0], queue
        if best is not None:
            heappop(best_queue)
            answer(best[2], record, t)
            return
        record[3] += 1
        for key in record[2]:
            idle_map[key] += 1

    def take_idle(key: tuple[int, str]) -> list | None:
        for record in groups_at.get(key, ()):
            if record[3] > 0:
                record[3] -= 1
                for other in record[2]:
                    idle_map[other] -= 1
                return record
        return None

    def enqueue(k: int, center_id: int, skill: str, t: float, recheck_after: float | None) -> None:
        nonlocal seq
        key = (center_id, skill)
        record = take_idle(key) if idle_map.get(key) else None
        if record is not None:
            answer(k, record, t)
            return
        state[k] = _WAITING
        at_center[k] = center_id
        skill_of[k] = skill
        leg_start[k] = t
        queue = queues.get(key)
        if queue is None:
            queue = queues[key] = []
        heappush(queue, (-priority[k], first_queued[k], k, version[k]))
        delay = recheck_after if recheck_after is not None else poll
        seq += 1
        heappush(heap, (t + delay, seq, _RECHECK, k, version[k]))

    def shift(i: int, t: float) -> None:
        for record in records:
            roster = record[6]
            target = roster[i] if i < len(roster) else 0
            current = record[4] - record[5]
            if target > current:
                add = target - current
                cancel = min(record[5], add)
                record[5] -= cancel
                add -= cancel
                for _ in range(add):
                    staff_change(record, 1, t)
                    agent_free(record, t)
            elif target < current:
                drop = current - target
                now_idle = min(record[3], drop)
                if now_idle:
                    record[3] -= now_idle
                    for key in record[2]:
                        idle_map[key] -= now_idle
                    staff_change(record, -now_idle, t)
                record[5] += drop - now_idle

    for i in range(len(counts)):
        seq += 1
        heappush(heap, (i * interval, seq, _SHIFT, i, 0))
    seq += 1
    heappush(heap, (len(counts) * interval, seq, _SHIFT, len(counts), 0))

    QUEUE, CALLBACK = Action.QUEUE, Action.CALLBACK
    route = router.route
    events = 0
    k = 0
    next_arrival = arrival[0] if n else math.inf
    while True:
        if heap and heap[0][0] <= next_arrival:
            t, _, kind, a, b = heappop(heap)
            events += 1
            if kind == _FREE:
                agent_free(a, t)
            elif kind == _RECHECK:
                c = a
                if state[c] != _WAITING or version[c] != b:
                    continue
                here = at_center[c]
                waited = t - leg_start[c]
                routes += 1
                decision = route(CallRequest(caller_of[c], base + timedelta(seconds=t), ivr_of[c], waited, here,
                                             skill_of[c]), live)
                action = decision.action
                if action is QUEUE:
                    target = decision.center_id
                    if target == here:
                        delay = decision.recheck_after or poll
                        if waited >= overflow_after[here] and delay > poll:
                            delay = poll  # past the overflow wait the PBX asks every few seconds
                        seq += 1
                        heappush(heap, (t + delay, seq, _RECHECK, c, b))
                    else:
                        version[c] += 1
                        h_over_out[index[here]] += 1
                        h_over_in[index[target]] += 1
                        o_moved[origin[c]] += 1
                        enqueue(c, target, decision.skill or skill_of[c], t, decision.recheck_after)
                else:
                    ci = index[here]
                    if action is CALLBACK:
                        state[c] = _CALLBACK
                        h_callback[ci] += 1
                        by_priority[priority[c]][4] += 1
                        o_callback[origin[c]] += 1
                    else:  # the center left service while the call waited: re-routed to a menu
                        state[c] = _OTHER
                        non_agent[decision.reason] = non_agent.get(decision.reason, 0) + 1
            elif kind == _ABANDON:
                c = a
                if state[c] == _WAITING:
                    state[c] = _ABANDONED
                    h_abandoned[index[at_center[c]]] += 1
                    by_priority[priority[c]][3] += 1
                    o_abandoned[origin[c]] += 1
            else:
                if a < len(counts):
                    shift(a, t)
                else:  # end of the day: close the staffing books
                    for ci in range(n_centers):
                        staffed_seconds[ci] += logged_in[ci] * (t - last_change[ci])
                        last_change[ci] = t
            continue
        if k >= n:
            if not heap:
                break
            next_arrival = math.inf
            continue
        # arrival of call k
        t = arrival[k]
        routes += 1
        decision = route(CallRequest(caller_of[k], base + timedelta(seconds=t), ivr_of[k]), live)
        if decision.action is QUEUE:
            reason = decision.reason
            first_reasons[reason] = first_reasons.get(reason, 0) + 1
            if reason == "local":
                o_local[origin[k]] += 1
            priority[k] = decision.priority
            if decision.priority not in by_priority:
                by_priority[decision.priority] = [0, 0, 0.0, 0, 0]
            first_queued[k] = t
            enqueue(k, decision.center_id, decision.skill, t, decision.recheck_after)
            if state[k] == _WAITING:
                seq += 1
                heappush(heap, (t + expo(1.0 / mean_patience), seq, _ABANDON, k, 0))
        else:
            state[k] = _OTHER
            label = decision.action.value if decision.reason != "out_of_hours" else "out_of_hours"
            non_agent[label] = non_agent.get(label, 0) + 1
        k += 1
        next_arrival = arrival[k] if k < n else math.inf

    # calls still waiting when nothing is left to happen (no agents anywhere): not answered
    unresolved = sum(1 for s in state if s == _WAITING)
    seconds = _time.perf_counter() - started
    return _report(scenario, centers, index, {
        "h": (h_answered, h_abandoned, h_callback, h_in_sl, h_wait, h_over_out, h_over_in),
        "o": (o_answered, o_abandoned, o_callback, o_in_sl, o_wait, o_moved, o_local),
        "busy": busy, "staffed_seconds": staffed_seconds, "peak_agents": peak_agents,
    }, non_agent, first_reasons, n, events, routes, unresolved, seconds, by_priority)


def _rates(answered: int, abandoned: int, callback: int, in_sl: int, wait: float) -> dict:
    offered = answered + abandoned + callback
    return {
        "offered": offered, "answered": answered, "abandoned": abandoned, "callback": callback,
        "service_level": round(in_sl / offered, 4) if offered else None,
        "asa_seconds": round(wait / answered, 1) if answered else None,
        "abandon_rate": round(abandoned / offered, 4) if offered else None,
    }


def _report(scenario: Scenario, centers: list[CenterRule], index: dict[int, int], m: dict, non_agent: dict,
            first_reasons: dict, calls: int, events: int, routes: int, unresolved: int, seconds: float,
            by_priority: dict) -> dict:
    h_answered, h_abandoned, h_callback, h_in_sl, h_wait, h_over_out, h_over_in = m["h"]
    o_answered, o_abandoned, o_callback, o_in_sl, o_wait, o_moved, o_local = m["o"]
    rows = []
    for center in centers:
        i = index[center.id]
        staffed = m["staffed_seconds"][i]
        rows.append({
            "code": center.code, "is_hq": center.is_hq, "overflow_after": center.overflow_after,
            **_rates(h_answered[i], h_abandoned[i], h_callback[i], h_in_sl[i], h_wait[i]),
            "overflowed_out": h_over_out[i], "overflowed_in": h_over_in[i],
            "occupancy": round(m["busy"][i] / staffed, 4) if staffed else None,
            "agent_hours": round(staffed / 3600, 1), "peak_agents": m["peak_agents"][i],
            "origin": {**_rates(o_answered[i], o_abandoned[i], o_callback[i], o_in_sl[i], o_wait[i]),
                       "moved": o_moved[i], "answered_local_first": o_local[i]},
        })
    u = len(centers)
    total_busy, total_staffed = math.fsum(m["busy"]), math.fsum(m["staffed_seconds"])
    overall = {
        **_rates(sum(h_answered), sum(h_abandoned), sum(h_callback), sum(h_in_sl), math.fsum(h_wait)),
        "overflowed": sum(h_over_out),
        "occupancy": round(total_busy / total_staffed, 4) if total_staffed else None,
        "agent_hours": round(total_staffed / 3600, 1),
        "peak_agents": sum(m["peak_agents"]),
    }
    return {
        "inputs": {
            "day": scenario.day.isoformat(), "calls": calls, "intervals": len(scenario.profile),
            "interval_seconds": scenario.interval_seconds, "centers": len(centers),
            "aht_seconds": scenario.aht, "wrap_up_seconds": scenario.wrap_up,
            "aht_distribution": scenario.aht_distribution, "patience_seconds": scenario.patience,
            "vip_share": scenario.vip_share, "unknown_share": scenario.unknown_share,
            "ivr_mix": scenario.ivr_mix, "poll_seconds": scenario.poll_seconds,
            "answer_within_seconds": scenario.answer_within, "max_wait_seconds": scenario.config.max_wait,
            "overflow_after_seconds": sorted({c.overflow_after for c in centers}), "seed": scenario.seed,
            "staffing": scenario.staffing,
        },
        "definitions": {
            "offered": "calls that queued for an agent: answered + abandoned + sent to callback after max_wait",
            "service_level": f"answered within {scenario.answer_within:g} s of the offer / offered",
            "asa_seconds": "mean wait (offer to answer, across centers) of answered calls",
            "abandon_rate": "abandoned / offered",
            "occupancy": "busy agent-seconds (talk + wrap-up) / logged-in agent-seconds",
            "per center": "where the call was answered, abandoned or sent to callback; 'origin' is by the "
                          "caller's home center",
        },
        "overall": overall,
        "centers": rows,
        "by_priority": {str(p): _rates(a, ab, cb, sl, w)
                        for p, (a, sl, w, ab, cb) in sorted(by_priority.items(), reverse=True)},
        "unknown_callers": _rates(o_answered[u], o_abandoned[u], o_callback[u], o_in_sl[u], o_wait[u]),
        "no_agent": dict(sorted(non_agent.items())),
        "first_route_reasons": dict(sorted(first_reasons.items())),
        "still_waiting_at_end": unresolved,
        "events": events,
        "route_calls": routes,
        "seconds": round(seconds, 2),
    }


# ------------------------------------------------------------------------------------------------ the database


def scenario_from_database(*, calls: int | None, profile: list[float] | None = None,
                           interval_seconds: float = DEFAULT_INTERVAL, agents_per_center: int | None = None,
                           overflow_after: float | None = None, day: date | None = None, **options) -> Scenario:
    """The configured network: centers, hours and overflow settings (routing.config.build_config), callers
    distributed like the clients over their branches' serving centers, and the AgentProfiles of each center
    with their skills as a fixed roster (all logged in while the center is open) unless ``agents_per_center``.
    Needs Django set up (the command calls it)."""
    from django.db.models import Count

    from brokerdesk.contact_center.models import AgentProfile
    from brokerdesk.contact_center.routing.config import build_config
    from brokerdesk.customers.models import Customer
    from brokerdesk.org.models import Branch

    config = build_config()
    if overflow_after is not None:
        config = with_overflow_after(config, overflow_after)
    active = {c.id for c in config.centers if c.active}
    homes: dict[int, float] = {}
    for center_id, clients in (Customer.objects.filter(home_branch__serving_center__isnull=False)
                               .values_list("home_branch__serving_center").annotate(n=Count("pk"))):
        if center_id in active:
            homes[center_id] = float(clients)
    if not homes:
        for center_id in Branch.objects.filter(serving_center__isnull=False).values_list("serving_center",
                                                                                         flat=True):
            if center_id in active:
                homes[center_id] = homes.get(center_id, 0.0) + 1.0
    if not homes:
        homes = {c.id: 1.0 for c in config.centers if c.active and not c.is_hq}
    day = day or next_working_day(config, date.today())
    groups: dict[int, list[AgentGroup]] | None = None
    prof = list(profile or DEFAULT_PROFILE)
    if agents_per_center is None:
        skills_of: dict[int, list[str]] = {}
        center_of: dict[int, int] = {}
        for agent_id, center_id, skill in AgentProfile.objects.values_list("pk", "center_id",
                                                                           "skill_levels__skill__code"):
            center_of[agent_id] = center_id
            if skill:
                skills_of.setdefault(agent_id, []).append(skill)
        sets: dict[tuple[int, tuple[str, ...]], int] = {}
        for agent_id, center_id in center_of.items():
            skills = tuple(sorted(skills_of.get(agent_id, [])))
            if skills and center_id in active:
                sets[(center_id, skills)] = sets.get((center_id, skills), 0) + 1
        groups = {}
        router = Router(config)
        base = datetime.combine(day, datetime.min.time(), config.tz)
        for (center_id, skills), count in sorted(sets.items()):
            roster = [count if router.is_open(center_id, base + timedelta(seconds=(i + 0.5) * interval_seconds))
                      else 0 for i in range(len(prof))]
            groups.setdefault(center_id, []).append(AgentGroup(skills, roster, "+".join(skills)))
        agents = sum(sets.values())
    else:
        agents = agents_per_center * len(active)
    if calls is None and profile is None:  # DOMAIN.md: about 100 calls per agent per day
        calls = max(100 * agents, 100)
    counts = scale_profile(prof, calls) if calls is not None else [round(c) for c in prof]
    scenario = build_scenario(config, counts, homes, interval_seconds=interval_seconds,
                              agents_per_center=agents_per_center, groups=groups, day=day, **options)
    if groups is not None:
        scenario.staffing = "the configured agents (AgentProfile skills), all logged in while their center is open"
    return scenario


def next_working_day(config: RouterConfig, start: date) -> date:
    day = start
    for _ in range(30):
        if config.day_kind(day) is DayKind.WORKING:
            return day
        day += timedelta(days=1)
    return start

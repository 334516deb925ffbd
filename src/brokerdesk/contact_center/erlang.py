"""Staffing maths for inbound queues: Erlang C (M/M/N) and Erlang A (M/M/N+M, callers who abandon).

Pure Python, no Django: the ``brokerdesk staffing`` command and the simulator call it, and it is unit-tested directly.
Times are in seconds throughout; the offered load is in Erlangs (calls per second x average handle time).

Erlang C
    Calls arrive as a Poisson process, handle times are exponential, nobody hangs up. P(wait) is computed from
    Erlang B with the usual recursion ``B(n) = A·B(n-1) / (n + A·B(n-1))`` and ``C = N·B / (N - A·(1 - B))``, which
    stays finite for loads in the thousands where ``A**N / N!`` would overflow. Service level and ASA are the
    textbook formulas ``SL(t) = 1 - C·exp(-(N - A)·t / AHT)`` and ``ASA = C·AHT / (N - A)``. With ``N <= A`` the
    queue is unstable: P(wait) = 1, SL = 0, ASA = infinity.

Erlang A
    As Erlang C, but each waiting caller abandons after an exponential patience with mean ``patience`` seconds
    (rate theta = 1/patience). We follow A. Mandelbaum and S. Zeltyn, "The Palm/Erlang-A Queue, with Applications
    to Call Centers" (Technion, 2005; the model of O. Garnett, A. Mandelbaum and M. Reiman, "Designing a Call
    Center with Impatient Customers", MSOM 4(3), 2002):

    * the number of calls in the system is a birth–death chain on 0, 1, 2, ... with birth rate lambda and death
      rate ``min(n, N)·mu + max(n - N, 0)·theta``. States 0..N carry the Erlang B weights, the queue states N+q
      carry ``pi(N) · prod_{j=1..q} lambda / (N·mu + j·theta)``; the chain is truncated where those weights fall
      below e**-45 of their peak (always possible: theta > 0 makes the chain stable for every N, even N < A);
    * an arriving call sees the time-stationary distribution (PASTA). If it finds q calls queued, the time until
      it would reach an agent (its *offered wait*) is the sum of q + 1 exponential phases with rates
      ``N·mu + j·theta`` (j = q, ..., 0), and its own patience competes with every phase. Writing c = N·mu/theta,
      the call is answered with probability ``c / (c + q + 1)`` and, given that it is answered, it waited the
      sum of exponentials with rates ``theta·(c + j + 1)``, j = 0..q — the (q+1)-th order statistic of c + q + 1
      exponential(theta) clocks. Hence ``P(answered within t | q) = c/(c+q+1) · (1 - F(q))`` where F is the
      negative-binomial CDF with c + 1 "successes" and success probability ``1 - exp(-theta·t)`` (evaluated term
      by term in a form that neither overflows nor underflows), and the mean wait of an answered call is
      ``sum_{j=0..q} 1 / (N·mu + (j+1)·theta)``;
    * P(abandon) = sum over q of ``pi(N+q)·(q+1)/(c+q+1)``; it equals theta·E[W] (Mandelbaum & Zeltyn §4.6),
      which the tests check.

    Definitions used for Erlang A (state them when you quote the figures):
    * **service level** = calls answered within t / all offered calls. Calls that abandon count as failures,
      also when they hang up before t (the strict definition; "answered within t / answered" would flatter a
      queue that sheds callers);
    * **ASA** = mean wait of *answered* calls (what an ACD reports); ``mean_wait`` is the mean wait of all offered
      calls including the time abandoned callers waited;
    * **occupancy** = carried load / agents = A·(1 - P(abandon)) / N.

The search for the smallest staffing (``agents_needed_c`` / ``agents_needed_a``) relies on the service level
rising and ASA / abandonment falling as agents are added, which holds for both models.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

ERLANG_C = "erlang_c"
ERLANG_A = "erlang_a"

# The queue part of the Erlang-A chain is cut where a state's weight is below e**-45 (~3e-20) of the largest one.
_TRUNCATION_LOG = 45.0
# A chain longer than this means a patience so long that the queue builds for hours: use Erlang C instead.
_MAX_QUEUE_STATES = 1_000_000
# No interval is staffed beyond this many agents (a guard against nonsense input, not a business limit).
MAX_AGENTS = 1_000_000
_EPSILON = 1e-12


class QueueTooLongError(ValueError):
    """The Erlang-A queue would hold more than a million calls: patience is far too long for so few agents."""


@dataclass(frozen=True)
class IntervalStaffing:
    """The expected performance of one interval staffed with ``agents``.

    ``asa`` and ``mean_wait`` are seconds (``math.inf`` for an unstable Erlang-C queue); ``p_abandon`` is None for
    Erlang C, which has no abandonment.
    """

    model: str
    agents: int
    load: float
    occupancy: float
    service_level: float
    asa: float
    p_wait: float
    p_abandon: float | None
    mean_wait: float

    def as_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------------------------------- validation


def _require_number(name: str, value: float, *, minimum: float = 0.0, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, not {value!r}")
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    if strict and value <= minimum:
        raise ValueError(f"{name} must be greater than {minimum:g}, not {value:g}")
    if not strict and value < minimum:
        raise ValueError(f"{name} must be at least {minimum:g}, not {value:g}")
    return value


def _require_agents(agents: int) -> int:
    if isinstance(agents, bool) or not isinstance(agents, int):
        raise ValueError(f"agents must be a whole number, not {agents!r}")
    if agents < 0:
        raise ValueError(f"agents must be at least 0, not {agents}")
    return agents


def _require_target(service_level: float) -> float:
    service_level = _require_number("service_level", service_level)
    if not 0.0 < service_level < 1.0:
        raise ValueError(f"service_level must be between 0 and 1 (exclusive), not {service_level:g}")
    return service_level


# ------------------------------------------------------------------------------------------------------ Erlang C


def offered_load(calls: float, interval_seconds: float, aht_seconds: float) -> float:
    """Offered load in Erlangs: ``calls`` arriving in ``interval_seconds``, each taking ``aht_seconds`` to handle."""
    calls = _require_number("calls", calls)
    interval_seconds = _require_number("interval_seconds", interval_seconds, strict=True)
    aht_seconds = _require_number("aht_seconds", aht_seconds, strict=True)
    return calls * aht_seconds / interval_seconds


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of an M/M/N/N loss system (Erlang B), by the stable recursion on N."""
    agents = _require_agents(agents)
    load = _require_number("load", load)
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def _erlang_c_from_b(agents: int, load: float, blocking: float) -> float:
    if load <= 0.0:
        return 0.0
    if agents <= load:
        return 1.0
    return agents * blocking / (agents - load * (1.0 - blocking))


def erlang_c(agents: int, load: float) -> float:
    """Probability that a call has to wait (Erlang C); 1.0 when ``agents <= load`` (the queue never empties)."""
    agents = _require_agents(agents)
    load = _require_number("load", load)
    return _erlang_c_from_b(agents, load, erlang_b(agents, load))


def service_level_c(agents: int, load: float, aht: float, answer_within: float) -> float:
    """Erlang-C fraction of calls answered within ``answer_within`` seconds: ``1 - C·exp(-(N-A)·t/AHT)``."""
    return _metrics_c(agents, load, aht, answer_within, None).service_level


def asa_c(agents: int, load: float, aht: float) -> float:
    """Erlang-C average speed of answer in seconds: ``C·AHT/(N-A)``; ``math.inf`` when ``agents <= load``."""
    return _metrics_c(agents, load, aht, 0.0, None).asa


def erlang_c_metrics(agents: int, load: float, aht: float, answer_within: float) -> IntervalStaffing:
    """Everything Erlang C predicts for ``agents`` agents facing ``load`` Erlangs."""
    return _metrics_c(agents, load, aht, answer_within, None)


def _metrics_c(agents: int, load: float, aht: float, answer_within: float, blocking: float | None) -> IntervalStaffing:
    agents = _require_agents(agents)
    load = _require_number("load", load)
    aht = _require_number("aht", aht, strict=True)
    answer_within = _require_number("answer_within", answer_within)
    if load == 0.0:
        return IntervalStaffing(ERLANG_C, agents, 0.0, 0.0, 1.0, 0.0, 0.0, None, 0.0)
    if agents <= load:
        return IntervalStaffing(ERLANG_C, agents, load, 1.0, 0.0, math.inf, 1.0, None, math.inf)
    if blocking is None:
        blocking = erlang_b(agents, load)
    p_wait = _erlang_c_from_b(agents, load, blocking)
    spare = agents - load
    service_level = 1.0 - p_wait * math.exp(-spare * answer_within / aht)
    asa = p_wait * aht / spare
    return IntervalStaffing(ERLANG_C, agents, load, load / agents, min(1.0, max(0.0, service_level)), asa, p_wait,
                            None, asa)


# ------------------------------------------------------------------------------------------------------ Erlang A


def erlang_a_metrics(agents: int, load: float, aht: float, answer_within: float, patience: float) -> IntervalStaffing:
    """Everything Erlang A (M/M/N+M) predicts; see the module docstring for the method and the definitions."""
    agents = _require_agents(agents)
    load = _require_number("load", load)
    aht = _require_number("aht", aht, strict=True)
    answer_within = _require_number("answer_within", answer_within)
    patience = _require_number("patience", patience, strict=True)
    if load == 0.0:
        return IntervalStaffing(ERLANG_A, agents, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    if agents == 0:
        # Nobody answers: every call waits until its patience runs out.
        return IntervalStaffing(ERLANG_A, 0, load, 0.0, 0.0, math.inf, 1.0, 1.0, patience)

    mu = 1.0 / aht
    theta = 1.0 / patience
    arrival = load * mu
    service = agents * mu  # completion rate while every agent is busy

    # Log weights of the queue states N+q relative to state N: w_q = sum_{j=1..q} log(lambda / (N·mu + j·theta)).
    weights = [0.0]
    peak = 0.0
    log_arrival = math.log(arrival)
    q = 0
    while True:
        q += 1
        w = weights[-1] + log_arrival - math.log(service + q * theta)
        weights.append(w)
        if w > peak:
            peak = w
        elif w < peak - _TRUNCATION_LOG and service + q * theta > arrival:
            break
        if q >= _MAX_QUEUE_STATES:
            raise QueueTooLongError(
                f"patience {patience:g} s is too long for Erlang A with {agents} agents and {load:g} Erlangs "
                "(the queue would hold over a million calls); leave patience out to use Erlang C")

    # P(n < N) / P(n = N) from the Erlang-B recursion: r(n) = (n / A)·(1 + r(n-1)). It may overflow to inf when
    # agents far exceed the load, which correctly gives no waiting at all.
    below = 0.0
    for n in range(1, agents + 1):
        below = n / load * (1.0 + below)
    log_queue_mass = peak + math.log(math.fsum(math.exp(w - peak) for w in weights))
    log_below = math.log(below) if below > 0.0 else -math.inf
    high, low = max(log_below, log_queue_mass), min(log_below, log_queue_mass)
    log_total = high + math.log1p(math.exp(low - high)) if low > -math.inf else high  # log(r + S), S = sum e^w

    c = service / theta
    success = -math.expm1(-theta * answer_within)  # P(one patience clock rings within t)
    counts_within = success > 0.0  # t = 0 (or so small it rounds to 0): only calls that do not wait count
    log_x = math.log(success) if counts_within else -math.inf
    log_term = -(service + theta) * answer_within  # log of the negative-binomial term for q = 0
    nb_cdf = 0.0
    harmonic = 0.0  # expected wait of an answered call that found q queued
    p_wait = p_abandon = answered_late = answered_within = wait_answered = 0.0
    for q, w in enumerate(weights):
        pi = math.exp(w - log_total) if log_total < math.inf else 0.0
        answered = c / (c + q + 1.0)
        harmonic += 1.0 / (service + (q + 1) * theta)
        if counts_within:
            if q > 0:
                log_term += log_x + math.log(q - 1 + c + 1.0) - math.log(q)
            nb_cdf = min(1.0, nb_cdf + math.exp(log_term))
            answered_within += pi * answered * (1.0 - nb_cdf)
        p_wait += pi
        p_abandon += pi * (1.0 - answered)
        answered_late += pi * answered
        wait_answered += pi * answered * harmonic

    p_wait = min(1.0, p_wait)
    p_answered = (1.0 - p_wait) + answered_late
    service_level = (1.0 - p_wait) + answered_within
    asa = wait_answered / p_answered if p_answered > 0.0 else math.inf
    mean_wait = p_abandon * patience  # P(Ab) = theta·E[W] for exponential patience
    occupancy = min(1.0, load * (1.0 - p_abandon) / agents)
    return IntervalStaffing(ERLANG_A, agents, load, occupancy, min(1.0, max(0.0, service_level)), asa, p_wait,
                            min(1.0, max(0.0, p_abandon)), mean_wait)


# ----------------------------------------------------------------------------------------------------- staffing


def _meets(result: IntervalStaffing, service_level: float, max_asa: float | None, max_abandon: float | None) -> bool:
    if result.service_level < service_level - _EPSILON:
        return False
    if max_asa is not None and result.asa > max_asa + _EPSILON:
        return False
    return max_abandon is None or (result.p_abandon or 0.0) <= max_abandon + _EPSILON


def _check_targets(aht: float, answer_within: float, service_level: float, max_asa: float | None,
                   max_abandon: float | None) -> tuple[float, float, float]:
    aht = _require_number("aht", aht, strict=True)
    answer_within = _require_number("answer_within", answer_within)
    service_level = _require_target(service_level)
    if max_asa is not None:
        _require_number("max_asa", max_asa, strict=True)
    if max_abandon is not None:
        max_abandon = _require_number("max_abandon", max_abandon)
        if not 0.0 < max_abandon < 1.0:
            raise ValueError(f"max_abandon must be between 0 and 1 (exclusive), not {max_abandon:g}")
    return aht, answer_within, service_level


def agents_needed_c(load: float, aht: float, service_level: float, answer_within: float, *,
                    max_asa: float | None = None) -> IntervalStaffing:
    """The smallest staffing that meets ``service_level`` within ``answer_within`` seconds (and ``max_asa``
    seconds of ASA if given) under Erlang C.

    Starts at the first stable staffing, floor(A) + 1, and adds one agent at a time, updating Erlang B
    incrementally, so a few thousand Erlangs take a few thousand cheap steps.
    """
    load = _require_number("load", load)
    aht, answer_within, service_level = _check_targets(aht, answer_within, service_level, max_asa, None)
    if load == 0.0:
        return _metrics_c(0, 0.0, aht, answer_within, None)
    agents = math.floor(load) + 1
    blocking = erlang_b(agents, load)
    while True:
        result = _metrics_c(agents, load, aht, answer_within, blocking)
        if _meets(result, service_level, max_asa, None):
            return result
        if agents >= MAX_AGENTS:
            raise ValueError(f"no staffing up to {MAX_AGENTS:,} agents meets the target")
        agents += 1
        blocking = load * blocking / (agents + load * blocking)


def agents_needed_a(load: float, aht: float, service_level: float, answer_within: float, patience: float, *,
                    max_asa: float | None = None, max_abandon: float | None = None) -> IntervalStaffing:
    """The smallest staffing that meets the targets under Erlang A (callers abandon after ``patience`` s on
    average).

    Agents can serve at most N/A of the calls, so the service level target needs at least ``target·A`` agents;
    the search starts there, gallops up (1, 2, 4, ... agents) until the targets are met and bisects back.
    """
    load = _require_number("load", load)
    aht, answer_within, service_level = _check_targets(aht, answer_within, service_level, max_asa, max_abandon)
    patience = _require_number("patience", patience, strict=True)
    if load == 0.0:
        return erlang_a_metrics(0, 0.0, aht, answer_within, patience)

    def evaluate(n: int) -> IntervalStaffing | None:
        try:
            return erlang_a_metrics(n, load, aht, answer_within, patience)
        except QueueTooLongError:
            return None  # a queue of a million calls meets no target: add agents

    def meets(result: IntervalStaffing | None) -> bool:
        return result is not None and _meets(result, service_level, max_asa, max_abandon)

    low = max(1, math.floor(service_level * load))  # below this the target is out of reach
    result = evaluate(low)
    if meets(result):
        return result
    step = 1
    while True:
        high = low + step
        if high > MAX_AGENTS:
            raise ValueError(f"no staffing up to {MAX_AGENTS:,} agents meets the target")
        found = evaluate(high)
        if meets(found):
            break
        low, step = high, step * 2
    # invariant: `low` misses, `high` meets
    while high - low > 1:
        middle = (low + high) // 2
        candidate = evaluate(middle)
        if meets(candidate):
            high, found = middle, candidate
        else:
            low = middle
    return found


def agents_needed(load: float, aht: float, service_level: float, answer_within: float, *,
                  patience: float | None = None, max_asa: float | None = None,
                  max_abandon: float | None = None) -> IntervalStaffing:
    """Erlang A when ``patience`` is given, Erlang C otherwise (where ``max_abandon`` makes no sense)."""
    if patience is None:
        if max_abandon is not None:
            raise ValueError("max_abandon needs patience: Erlang C has no abandonment")
        return agents_needed_c(load, aht, service_level, answer_within, max_asa=max_asa)
    return agents_needed_a(load, aht, service_level, answer_within, patience, max_asa=max_asa,
                           max_abandon=max_abandon)


def plan_interval(calls: float, interval_seconds: float, aht: float, service_level: float, answer_within: float, *,
                  patience: float | None = None, max_asa: float | None = None,
                  max_abandon: float | None = None) -> IntervalStaffing:
    """Agents needed for ``calls`` arriving in one interval of ``interval_seconds``."""
    load = offered_load(calls, interval_seconds, aht)
    return agents_needed(load, aht, service_level, answer_within, patience=patience, max_asa=max_asa,
                         max_abandon=max_abandon)

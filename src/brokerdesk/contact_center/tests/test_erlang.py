"""Erlang C and Erlang A staffing maths (contact_center.erlang): published worked examples, independent
cross-checks and properties. Plain functions, no database."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brokerdesk.contact_center.erlang import (
    ERLANG_A,
    ERLANG_C,
    agents_needed,
    agents_needed_a,
    agents_needed_c,
    asa_c,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    offered_load,
    plan_interval,
    service_level_c,
)

# --------------------------------------------------------------------------------- published Erlang C examples


def test_it_matches_the_cran_erlangc_worked_example():
    """CRAN package ErlangC 0.1.0 (Damonsoul, 2024), README, https://stat.ethz.ch/CRAN/web/packages/ErlangC/readme/
    README.html: 100 calls in 30 minutes, AHT 180 s, 20 s threshold, 14 agents -> traffic intensity 10,
    wait probability 0.1741319, service level 0.88835, ASA 7.83593701177724 s, occupancy 0.7142857; and its
    calculate_agents() table row for 11 agents: wait probability 0.6821182, service level 0.3896138.
    (pyworkforce's README publishes the same case: waiting_probability 0.1741319335950498,
    service_level 0.8883500191794669, raw_positions 14 for 80 % — https://github.com/rodrigo-arenas/pyworkforce.)"""
    load = offered_load(100, 1800, 180)
    assert load == pytest.approx(10.0)
    result = erlang_c_metrics(14, load, 180, 20)
    assert result.p_wait == pytest.approx(0.1741319, abs=5e-8)
    assert result.service_level == pytest.approx(0.88835, abs=5e-6)
    assert result.asa == pytest.approx(7.83593701177724, rel=1e-12)
    assert result.occupancy == pytest.approx(0.7142857, abs=5e-8)
    assert 1 - erlang_c(14, load) == pytest.approx(0.8258681, abs=5e-8)  # "immediate_answer_probability"

    eleven = erlang_c_metrics(11, load, 180, 20)
    assert eleven.p_wait == pytest.approx(0.6821182, abs=5e-8)
    assert eleven.service_level == pytest.approx(0.3896138, abs=5e-8)

    assert agents_needed_c(load, 180, 0.8, 20).agents == 14
    assert service_level_c(13, load, 180, 20) < 0.8


def test_it_matches_the_classic_360_calls_per_half_hour_example():
    """The step-by-step Erlang-C example quoted on many call-centre sites (mitan.co.uk "The Erlang-C formula",
    reworded by Call Centre Helper and others): 360 calls per half hour, average call duration 4 minutes,
    55 agents, 15 s target -> traffic intensity 48 Erlangs, occupancy 87.3 %, probability of waiting 23.87 %,
    ASA 8.18 s, and the service level 1 - 0.2387·e^(-(55-48)·15/240) = 84.6 %. Within 20 s it is 86.7 %,
    and for 80/20 the first staffing that works is 54 agents (81.7 %) — the same checkpoints a public
    TypeScript test suite pins for this example (P(wait) 0.23870, 86.7 % in 20 s, ASA 8.184 s, 54 agents)."""
    load = offered_load(360, 1800, 240)
    assert load == pytest.approx(48.0)
    result = erlang_c_metrics(55, load, 240, 15)
    assert result.occupancy == pytest.approx(0.873, abs=5e-4)
    assert result.p_wait == pytest.approx(0.2387, abs=5e-5)
    assert result.asa == pytest.approx(8.18, abs=5e-3)
    assert result.service_level == pytest.approx(0.846, abs=5e-4)
    assert service_level_c(55, load, 240, 20) == pytest.approx(0.867, abs=5e-4)

    needed = agents_needed_c(load, 240, 0.8, 20)
    assert needed.agents == 54
    assert needed.service_level == pytest.approx(0.817, abs=5e-4)
    assert service_level_c(53, load, 240, 20) < 0.8


def test_it_matches_the_published_average_hour_example():
    """jonesthenet.com, "Erlang uplift" (http://www.jonesthenet.com/budgeting/service-levels-erlang/erlang-uplift/):
    250 calls in an hour at AHT 330 s is 22.9 Erlangs, "Erlang ... thinks we need 28 advisors to answer 80 % of
    calls in 30 seconds"."""
    load = offered_load(250, 3600, 330)
    assert load == pytest.approx(22.9, abs=0.05)
    result = agents_needed_c(load, 330, 0.8, 30)
    assert result.agents == 28
    assert service_level_c(27, load, 330, 30) < 0.8 <= result.service_level


def test_it_confirms_the_domain_example_of_101_agents():
    """DOMAIN.md: 1,875 calls/h at 180 s = 93.75 Erlangs -> "about 101 agents for 80/20". Erlang C gives exactly
    101 (84.1 % within 20 s, ASA 8.8 s, P(wait) 35.6 %); 100 agents fall just short at 79.2 %."""
    load = offered_load(1875, 3600, 180)
    assert load == pytest.approx(93.75)
    result = agents_needed_c(load, 180, 0.8, 20)
    assert result.agents == 101
    assert result.service_level == pytest.approx(0.8409, abs=5e-4)
    assert result.asa == pytest.approx(8.84, abs=5e-3)
    assert result.p_wait == pytest.approx(0.3562, abs=5e-4)
    assert service_level_c(100, load, 180, 20) == pytest.approx(0.7918, abs=5e-4)


def test_it_matches_erlang_b_table_values():
    """Erlang B, the basis of the recursion: the standard traffic-table value B(10 trunks, 5 Erlangs) = 1.84 % and
    the one-trunk case B(1, A) = A / (1 + A)."""
    assert erlang_b(10, 5.0) == pytest.approx(0.018384, abs=5e-6)
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(1, 3.0) == pytest.approx(0.75)


# ------------------------------------------------------------------------------------ Erlang C: exact checks


def _erlang_c_exact(agents: int, load: Fraction) -> Fraction:
    """The textbook sum, in exact rational arithmetic (slow but free of rounding)."""
    terms = [load**k / math.factorial(k) for k in range(agents)]
    top = load**agents / math.factorial(agents) * agents / (agents - load)
    return top / (sum(terms) + top)


@pytest.mark.parametrize(("agents", "load"), [(2, Fraction(1)), (5, Fraction(7, 2)), (14, Fraction(10)),
                                              (55, Fraction(48)), (120, Fraction(1011, 10))])
def test_it_agrees_with_the_exact_rational_formula(agents, load):
    assert erlang_c(agents, float(load)) == pytest.approx(float(_erlang_c_exact(agents, load)), rel=1e-12)


def test_it_handles_loads_in_the_thousands_without_overflow():
    """A**N / N! overflows a float long before N = 5000; the recursion does not."""
    p_wait = erlang_c(5013, 5000.0)
    assert 0.0 < p_wait < 1.0
    result = agents_needed_c(5000.0, 180, 0.8, 20)
    assert result.agents == 5013
    assert result.service_level >= 0.8 > service_level_c(5012, 5000.0, 180, 20)
    assert 0.0 < erlang_c(20000, 19000.0) < 1e-10  # 7 standard deviations of spare capacity


def test_it_reports_an_unstable_queue_as_never_answering():
    assert erlang_c(10, 10.0) == 1.0
    assert erlang_c(9, 10.0) == 1.0
    assert service_level_c(10, 10.0, 180, 20) == 0.0
    assert asa_c(10, 10.0, 180) == math.inf
    assert asa_c(9, 10.0, 180) == math.inf


def test_it_needs_no_agent_when_no_call_is_offered():
    assert erlang_c(0, 0.0) == 0.0
    result = plan_interval(0, 1800, 180, 0.8, 20)
    assert (result.agents, result.service_level, result.asa) == (0, 1.0, 0.0)
    assert plan_interval(0, 1800, 180, 0.8, 20, patience=60).agents == 0


def test_it_uses_the_textbook_service_level_and_asa_formulas():
    n, a, aht, t = 23, 19.4, 210.0, 15.0
    c = erlang_c(n, a)
    assert service_level_c(n, a, aht, t) == pytest.approx(1 - c * math.exp(-(n - a) * t / aht), rel=1e-12)
    assert asa_c(n, a, aht) == pytest.approx(c * aht / (n - a), rel=1e-12)


def test_it_meets_a_max_asa_as_well_as_the_service_level():
    plain = agents_needed_c(48.0, 240, 0.8, 20)
    strict = agents_needed_c(48.0, 240, 0.8, 20, max_asa=5.0)
    assert strict.agents > plain.agents
    assert strict.asa <= 5.0 < asa_c(strict.agents - 1, 48.0, 240)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: offered_load(-1, 1800, 180), "calls must be at least 0"),
    (lambda: offered_load(10, 0, 180), "interval_seconds must be greater than 0"),
    (lambda: offered_load(10, 1800, 0), "aht_seconds must be greater than 0"),
    (lambda: agents_needed_c(10, 180, 1.0, 20), "service_level must be between 0 and 1"),
    (lambda: agents_needed_c(10, 180, 0.0, 20), "service_level must be between 0 and 1"),
    (lambda: agents_needed_c(10, 180, 0.8, -1), "answer_within must be at least 0"),
    (lambda: agents_needed(10, 180, 0.8, 20, max_abandon=0.05), "max_abandon needs patience"),
    (lambda: agents_needed_a(10, 180, 0.8, 20, 0), "patience must be greater than 0"),
    (lambda: erlang_c(-1, 3.0), "agents must be at least 0"),
    (lambda: erlang_c(2.5, 3.0), "agents must be a whole number"),
    (lambda: erlang_c(3, float("nan")), "load must be a finite number"),
])
def test_it_rejects_bad_input_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ------------------------------------------------------------------------------------------------- Erlang A


def test_it_matches_the_published_pyworkforce_erlang_a_example():
    """pyworkforce README / guide "Erlang A (abandonment)" (https://github.com/rodrigo-arenas/pyworkforce,
    https://pyworkforce.rodrigo-arenas.com/development/guide/erlanga): 100 transactions per 30 minutes, AHT 3 min,
    answer within 20 s, patience 5 min, target 80 %, max abandonment 5 % -> raw_positions 13, service_level
    0.858..., occupancy 0.750..., abandonment_probability 0.025..., waiting_probability 0.226...,
    average_speed_of_answer 0.125... min. pyworkforce's service level is also "answered within t / offered";
    its average_speed_of_answer is the mean wait of all offered calls (E[Q]/lambda), our ``mean_wait``; our
    ``asa`` (answered calls only) is lower, 6.9 s."""
    load = offered_load(100, 1800, 180)
    result = agents_needed_a(load, 180, 0.8, 20, 300, max_abandon=0.05)
    assert result.model == ERLANG_A
    assert result.agents == 13
    # the README prints the figures to three decimals
    assert round(result.service_level, 3) == 0.858
    assert round(result.occupancy, 3) == 0.750
    assert round(result.p_abandon, 3) == 0.025
    assert round(result.p_wait, 3) == 0.226
    assert round(result.mean_wait / 60, 3) == 0.125
    assert result.asa < result.mean_wait
    assert erlang_a_metrics(12, load, 180, 20, 300).service_level < 0.8


def _reference_erlang_a(agents: int, load: float, aht: float, answer_within: float, patience: float):
    """An independent, brute-force Erlang A: the stationary distribution summed term by term in plain floats (fine
    for small loads), and the answer-within-t probability of a tagged call computed by uniformisation of its
    queue-position chain (position j advances at N·mu + j·theta, the call abandons at theta)."""
    mu, theta = 1 / aht, 1 / patience
    lam = load * mu
    weights = [1.0]
    n = 0
    while True:
        n += 1
        weights.append(weights[-1] * lam / (min(n, agents) * mu + max(n - agents, 0) * theta))
        if n > agents and weights[-1] < 1e-18 * sum(weights):
            break
    total = sum(weights)
    pi = [w / total for w in weights]
    depth = len(pi) - agents
    p_wait = sum(pi[agents:])
    mean_queue = sum((k - agents) * pi[k] for k in range(agents, len(pi)))

    rate = agents * mu + depth * theta + theta
    steps = int(rate * answer_within + 12 * math.sqrt(rate * answer_within) + 40)
    answered_within = 0.0
    answered = 0.0
    for start in range(depth):
        weight = pi[agents + start]
        # eventually answered: survive start+1 competing phases
        answered += weight * math.prod((agents * mu + j * theta) / (agents * mu + (j + 1) * theta)
                                       for j in range(start + 1))
        dist = [0.0] * (start + 1)
        dist[start] = 1.0
        served = 0.0
        poisson = math.exp(-rate * answer_within)
        within = 0.0
        for k in range(1, steps + 1):
            new = [0.0] * (start + 1)
            for j, p in enumerate(dist):
                if p:
                    advance = agents * mu + j * theta
                    if j == 0:
                        served += p * advance / rate
                    else:
                        new[j - 1] += p * advance / rate
                    new[j] += p * (rate - advance - theta) / rate
            dist = new
            poisson *= rate * answer_within / k
            within += poisson * served
        answered_within += weight * within
    return {
        "p_wait": p_wait,
        "p_abandon": theta * mean_queue / lam,  # flow balance: abandonments per second / arrivals per second
        "service_level": (1 - p_wait) + answered_within,
        "p_answered": (1 - p_wait) + answered,
    }


@pytest.mark.parametrize(("agents", "load", "aht", "t", "patience"), [
    (5, 4.0, 120.0, 20.0, 60.0),
    (8, 9.0, 180.0, 20.0, 120.0),   # more load than agents: stable only thanks to abandonment
    (3, 1.2, 300.0, 30.0, 600.0),
    (12, 10.0, 60.0, 10.0, 30.0),
])
def test_it_agrees_with_a_brute_force_erlang_a(agents, load, aht, t, patience):
    ours = erlang_a_metrics(agents, load, aht, t, patience)
    reference = _reference_erlang_a(agents, load, aht, t, patience)
    assert ours.p_wait == pytest.approx(reference["p_wait"], abs=1e-9)
    assert ours.p_abandon == pytest.approx(reference["p_abandon"], abs=1e-9)
    assert 1 - ours.p_abandon == pytest.approx(reference["p_answered"], abs=1e-9)
    assert ours.service_level == pytest.approx(reference["service_level"], abs=1e-7)


def test_it_converges_to_erlang_c_as_patience_grows():
    c = erlang_c_metrics(14, 10.0, 180, 20)
    previous_gap = math.inf
    for patience in (1e3, 1e4, 1e5, 1e6, 1e7):
        a = erlang_a_metrics(14, 10.0, 180, 20, patience)
        gap = abs(a.service_level - c.service_level) + abs(a.p_wait - c.p_wait) + abs(a.asa - c.asa) / 180
        assert gap < previous_gap
        previous_gap = gap
    a = erlang_a_metrics(14, 10.0, 180, 20, 1e7)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-5)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.asa == pytest.approx(c.asa, rel=1e-4)
    assert a.p_abandon < 1e-6
    assert agents_needed_a(48.0, 240, 0.8, 20, 1e7).agents == agents_needed_c(48.0, 240, 0.8, 20).agents


def test_it_keeps_an_overloaded_queue_finite_with_abandonment():
    """The parameters of Mandelbaum & Zeltyn's motivating example (48 calls/min, 1 min service, 2 min patience,
    around 50 agents): Erlang A stays stable with fewer agents than Erlangs, where Erlang C never answers. The
    figures for 50 agents (3.09 % abandon, 3.71 s mean wait) are our own results, pinned as a regression and
    tied together by their relation P(Ab) = theta·E[W] (their section 4.6)."""
    over = erlang_a_metrics(45, 48.0, 60, 20, 120)
    assert 0 < over.p_abandon < 1 and math.isfinite(over.asa)
    assert erlang_c_metrics(45, 48.0, 60, 20).asa == math.inf
    fifty = erlang_a_metrics(50, 48.0, 60, 20, 120)
    assert fifty.p_abandon == pytest.approx(0.0309, abs=5e-4)
    assert fifty.mean_wait == pytest.approx(3.71, abs=5e-3)
    assert fifty.p_abandon == pytest.approx(fifty.mean_wait / 120)  # P(Ab) = theta·E[W]
    assert fifty.service_level > erlang_c_metrics(50, 48.0, 60, 20).service_level


def test_it_needs_fewer_agents_with_abandonment_than_erlang_c():
    load = offered_load(1875, 3600, 180)
    a = agents_needed_a(load, 180, 0.8, 20, 120)
    assert a.agents < 101
    assert a.service_level >= 0.8 > erlang_a_metrics(a.agents - 1, load, 180, 20, 120).service_level


def test_it_plans_large_erlang_a_loads():
    result = agents_needed_a(5000.0, 180, 0.8, 20, 120)
    assert result.service_level >= 0.8 > erlang_a_metrics(result.agents - 1, 5000.0, 180, 20, 120).service_level
    assert result.agents < 5013


def test_it_meets_the_abandonment_cap():
    loose = agents_needed_a(10.0, 180, 0.5, 20, 60)
    capped = agents_needed_a(10.0, 180, 0.5, 20, 60, max_abandon=0.01)
    assert capped.agents > loose.agents
    assert capped.p_abandon <= 0.01 < erlang_a_metrics(capped.agents - 1, 10.0, 180, 20, 60).p_abandon


def test_it_answers_within_zero_seconds_only_the_calls_that_do_not_wait():
    a = erlang_a_metrics(12, 10.0, 180, 0, 120)
    assert a.service_level == pytest.approx(1 - a.p_wait)
    c = erlang_c_metrics(12, 10.0, 180, 0)
    assert c.service_level == pytest.approx(1 - c.p_wait)


def test_it_says_nobody_is_answered_without_agents():
    result = erlang_a_metrics(0, 3.0, 180, 20, 60)
    assert (result.service_level, result.p_abandon, result.asa) == (0.0, 1.0, math.inf)


def test_it_labels_the_model():
    assert agents_needed(10, 180, 0.8, 20).model == ERLANG_C
    assert agents_needed(10, 180, 0.8, 20, patience=90).model == ERLANG_A
    assert agents_needed(10, 180, 0.8, 20).p_abandon is None


# ---------------------------------------------------------------------------------------------- properties

loads = st.floats(min_value=0.05, max_value=300.0, allow_nan=False)
ahts = st.floats(min_value=10.0, max_value=900.0, allow_nan=False)
thresholds = st.floats(min_value=0.0, max_value=120.0, allow_nan=False)
patiences = st.floats(min_value=5.0, max_value=3600.0, allow_nan=False)
extra_agents = st.integers(min_value=-20, max_value=40)


def _agents(load: float, extra: int) -> int:
    return max(1, math.floor(load) + extra)


@settings(max_examples=150, deadline=None)
@given(load=loads, aht=ahts, t=thresholds, extra=extra_agents)
def test_it_keeps_erlang_c_measures_in_range_and_monotone_in_agents(load, aht, t, extra):
    n = _agents(load, extra)
    here, more = erlang_c_metrics(n, load, aht, t), erlang_c_metrics(n + 1, load, aht, t)
    for result in (here, more):
        assert 0.0 <= result.service_level <= 1.0
        assert 0.0 <= result.p_wait <= 1.0
        assert 0.0 <= result.occupancy <= 1.0
        assert result.asa >= 0.0
    assert more.service_level >= here.service_level - 1e-12
    assert more.p_wait <= here.p_wait + 1e-12
    assert more.asa <= here.asa


@settings(max_examples=150, deadline=None)
@given(load=loads, aht=ahts, t=thresholds, patience=patiences, extra=extra_agents)
def test_it_keeps_erlang_a_measures_in_range_and_monotone_in_agents(load, aht, t, patience, extra):
    n = _agents(load, extra)
    here, more = erlang_a_metrics(n, load, aht, t, patience), erlang_a_metrics(n + 1, load, aht, t, patience)
    for result in (here, more):
        assert 0.0 <= result.service_level <= 1.0
        assert 0.0 <= result.p_wait <= 1.0
        assert 0.0 <= result.p_abandon <= result.p_wait + 1e-12  # only callers who wait can abandon
        assert 0.0 <= result.occupancy <= 1.0
        assert result.service_level <= 1.0 - result.p_abandon + 1e-9  # abandoned calls are never "answered"
        assert 0.0 <= result.asa <= result.mean_wait / max(1e-300, 1.0 - result.p_abandon) + 1e-6
    assert more.service_level >= here.service_level - 1e-9
    assert more.p_wait <= here.p_wait + 1e-9
    assert more.p_abandon <= here.p_abandon + 1e-9


@settings(max_examples=150, deadline=None)
@given(load=loads, aht=ahts, t=thresholds, patience=patiences, factor=st.floats(min_value=1.01, max_value=50.0),
       extra=extra_agents)
def test_it_never_lowers_the_chance_of_waiting_when_callers_are_more_patient(load, aht, t, patience, factor,
                                                                           extra):
    n = _agents(load, extra)
    impatient = erlang_a_metrics(n, load, aht, t, patience)
    patient = erlang_a_metrics(n, load, aht, t, patience * factor)
    assert patient.p_wait >= impatient.p_wait - 1e-9
    assert patient.p_abandon <= impatient.p_abandon + 1e-9
    if n > load:  # and Erlang C is the limit from above
        assert erlang_c(n, load) >= patient.p_wait - 1e-9


@settings(max_examples=80, deadline=None)
@given(load=loads, aht=ahts, t=thresholds, target=st.floats(min_value=0.05, max_value=0.99),
       patience=st.none() | patiences)
def test_it_finds_the_smallest_staffing_that_meets_the_target(load, aht, t, target, patience):
    result = agents_needed(load, aht, target, t, patience=patience)
    assert result.service_level >= target - 1e-12
    if result.agents > 1:
        fewer = (erlang_c_metrics(result.agents - 1, load, aht, t) if patience is None
                 else erlang_a_metrics(result.agents - 1, load, aht, t, patience))
        assert fewer.service_level < target

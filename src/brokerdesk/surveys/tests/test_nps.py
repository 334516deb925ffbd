"""surveys.nps: hand-computed examples and property tests (no database)."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brokerdesk.surveys import nps as n

Z95 = 1.959963984540054
scores = st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=300)
group_counts = st.tuples(st.integers(0, 5000), st.integers(0, 5000), st.integers(0, 5000)).filter(
    lambda c: sum(c) > 0)


def test_it_groups_scores_as_domain_md_says():
    assert [n.group(s) for s in range(11)] == ["detractor"] * 7 + ["passive"] * 2 + ["promoter"] * 2


@pytest.mark.parametrize("bad", [-1, 11, 3.5, "9", True, None])
def test_it_refuses_scores_outside_0_to_10(bad):
    with pytest.raises(ValueError):
        n.group(bad)


def test_it_computes_a_hand_made_example():
    # 10 replies: 9,10,10,9,9 (5 promoters), 7,8 (2 passives), 0,6,3 (3 detractors)
    # NPS = 5/10 - 3/10 = 0.2 -> 20
    assert n.counts([9, 10, 10, 9, 9, 7, 8, 0, 6, 3]) == (5, 2, 3)
    assert n.nps_from_scores([9, 10, 10, 9, 9, 7, 8, 0, 6, 3]) == pytest.approx(20.0)


def test_it_computes_negative_nps():
    # 1 promoter, 1 passive, 4 detractors: (1 - 4) / 6 = -0.5 -> -50
    assert n.nps(1, 1, 4) == pytest.approx(-50.0)


def test_it_reproduces_the_seed_figure_of_domain_md():
    # DOMAIN.md: NPS 59.38 from 11,891 valid replies. 0.5938 x 11,891 = 7,060.87, so promoters - detractors
    # = 7,061: e.g. 8,000 promoters, 939 detractors, 11,891 - 8,939 = 2,952 passives.
    # 7,061 / 11,891 = 0.593810... -> 59.38 (59.3810). 7,060 would give 59.372 and 7,062 59.389: 7,061 is the one.
    assert round(n.nps(8000, 2952, 939), 2) == 59.38
    assert round(n.nps(7100, 4752, 39), 2) == 59.38  # another split with the same difference
    assert round(n.nps(8000, 2953, 938), 2) != 59.38


def test_it_gives_no_nps_without_replies_and_refuses_negative_counts():
    assert n.nps(0, 0, 0) is None
    assert n.nps_interval(0, 0, 0) is None
    assert n.figure(0, 0, 0).as_dict()["nps"] is None
    with pytest.raises(ValueError):
        n.nps(-1, 3, 3)


def test_it_computes_the_interval_by_hand():
    # n = 100: 50 promoters, 30 passives, 20 detractors. p_P = .5, p_D = .2, NPS = .3
    # Var = (.5 + .2 - .3^2) / 100 = (.7 - .09) / 100 = .0061; SE = sqrt(.0061) = .0781025
    # half width = 1.959964 x .0781025 = .1530781 -> 15.30781 points: [14.69219, 45.30781]
    low, high = n.nps_interval(50, 30, 20)
    assert low == pytest.approx(30 - 15.30781, abs=1e-4)
    assert high == pytest.approx(30 + 15.30781, abs=1e-4)


def test_it_computes_the_seed_figures_interval_by_hand():
    # 8,000 / 2,952 / 939 of 11,891: p_P = .6727777, p_D = .0789673, NPS = .5938104
    # Var = (.6727777 + .0789673 - .5938104^2) / 11,891 = (.7517450 - .3526108) / 11,891 = 3.356523e-5
    # SE = .0057936; x 1.959964 = .0113553 -> 1.13553 points: [58.2455, 60.5166]
    low, high = n.nps_interval(8000, 2952, 939)
    assert low == pytest.approx(59.38104 - 1.13553, abs=1e-3)
    assert high == pytest.approx(59.38104 + 1.13553, abs=1e-3)


def test_it_widens_small_samples_with_the_adjusted_variance():
    # 3 replies, all promoters: Wald would give Var 0 ("100, CI 100..100"). Adjusted (n < 30): n' = 6,
    # p_P' = 3.75/6 = .625, p_D' = .75/6 = .125; Var = (.75 - .5^2) / 6 = .0833333; SE = .2886751
    # half width 1.959964 x .2886751 = .565793 -> 56.58 points: [43.42, 100 (clipped)]
    low, high = n.nps_interval(3, 0, 0)
    assert low == pytest.approx(100 - 56.5793, abs=1e-3)
    assert high == 100.0
    assert n.figure(3, 0, 0).small_sample
    assert not n.figure(20, 5, 5).small_sample  # 30 replies: plain Wald


def test_it_narrows_the_interval_as_replies_grow():
    widths = [(lambda lo_hi: lo_hi[1] - lo_hi[0])(n.nps_interval(5 * k, 3 * k, 2 * k)) for k in (10, 100, 1000)]
    assert widths[0] > widths[1] > widths[2]
    # and a 99 % interval is wider than a 95 % one
    assert n.nps_interval(50, 30, 20, 0.99)[0] < n.nps_interval(50, 30, 20)[0]


@given(scores)
def test_it_stays_within_minus_100_and_100(values):
    assert -100.0 <= n.nps_from_scores(values) <= 100.0


@given(scores, st.randoms())
def test_it_does_not_depend_on_the_order_of_the_scores(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert n.nps_from_scores(shuffled) == n.nps_from_scores(values)
    assert n.nps_interval(*n.counts(shuffled)) == n.nps_interval(*n.counts(values))


@given(st.integers(1, 10_000))
def test_it_gives_100_when_everyone_promotes_and_minus_100_when_everyone_detracts(k):
    assert n.nps(k, 0, 0) == 100.0
    assert n.nps(0, 0, k) == -100.0
    assert n.nps_from_scores([9, 10] * k) == 100.0


@given(group_counts, st.integers(1, 1000))
def test_it_moves_toward_zero_when_passives_are_added(c, extra):
    promoters, passives, detractors = c
    before = n.nps(promoters, passives, detractors)
    after = n.nps(promoters, passives + extra, detractors)
    assert abs(after) <= abs(before)
    assert math.copysign(1, after) == math.copysign(1, before) or after == 0 or before == 0


@given(group_counts, st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_it_puts_the_point_estimate_inside_its_interval(c, confidence):
    point = n.nps(*c)
    low, high = n.nps_interval(*c, confidence=confidence)
    assert -100.0 <= low <= point <= high <= 100.0


def test_it_matches_a_brute_force_count_on_random_answers():
    rng = random.Random(5)
    values = [rng.randrange(11) for _ in range(2000)]
    promoters = sum(v >= 9 for v in values)
    detractors = sum(v <= 6 for v in values)
    assert n.nps_from_scores(values) == pytest.approx(100 * (promoters - detractors) / 2000)


def test_it_uses_the_standard_normal_quantile():
    assert n._z(0.95) == pytest.approx(Z95)
    with pytest.raises(ValueError):
        n.nps_interval(1, 1, 1, confidence=1.0)

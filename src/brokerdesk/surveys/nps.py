"""Net Promoter Score: pure arithmetic, no Django (unit- and property-tested directly).

Scale 0-10 (DOMAIN.md): promoters 9-10, passives 7-8, detractors 0-6; NPS = % promoters - % detractors, from
-100 (everyone a detractor) to +100 (everyone a promoter).

Decisions:
- No response, no score: nps(0, 0, 0) is None (a branch or a month without answers is normal on a dashboard,
  not an error). Negative counts, and scores outside 0-10, are ValueError.
- NPS is returned unrounded (a float); pages round for display (two places, as the seed figure 59.38).
- The confidence interval treats NPS = p_P - p_D as the difference of two proportions of one multinomial sample
  of n replies, whose variance is

      Var(NPS) = (p_P + p_D - (p_P - p_D)^2) / n

  (on the -1..1 scale); with the normal approximation the interval is NPS +/- z * sqrt(Var), z = 1.95996 for
  95 %, scaled by 100 and clipped to [-100, 100]. It is always centred on the observed NPS, so it contains it.
- Small samples: the plain (Wald) variance is 0 whenever every reply falls in one group (three promoters give
  "100, CI 100..100"), and the normal approximation is poor for a few dozen replies. Below SMALL_SAMPLE replies
  the variance is the adjusted-Wald one (Rocks 2016, "Interval estimation for the net promoter score"): 3/4 of
  a pseudo-reply added to promoters and to detractors and 3 to n (so 1.5 to passives), which keeps the interval
  honest about how little a handful of replies says. Such results carry small_sample = True so pages can say so.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

PROMOTER, PASSIVE, DETRACTOR = "promoter", "passive", "detractor"
GROUPS = (PROMOTER, PASSIVE, DETRACTOR)
SMALL_SAMPLE = 30
DEFAULT_CONFIDENCE = 0.95


def group(score: int) -> str:
    """The NPS group of a 0-10 score."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise ValueError(f"an NPS score is a whole number from 0 to 10, not {score!r}")
    if not 0 <= score <= 10:
        raise ValueError(f"an NPS score is from 0 to 10, not {score}")
    if score >= 9:
        return PROMOTER
    if score >= 7:
        return PASSIVE
    return DETRACTOR


def _check(promoters: int, passives: int, detractors: int) -> int:
    for name, value in (("promoters", promoters), ("passives", passives), ("detractors", detractors)):
        if value < 0:
            raise ValueError(f"{name} cannot be negative ({value})")
    return promoters + passives + detractors


def nps(promoters: int, passives: int, detractors: int) -> float | None:
    """% promoters - % detractors (-100..100); None when there is no reply."""
    n = _check(promoters, passives, detractors)
    if n == 0:
        return None
    return max(-100.0, min(100.0, 100.0 * (promoters - detractors) / n))


def counts(scores: Iterable[int]) -> tuple[int, int, int]:
    """(promoters, passives, detractors) of 0-10 scores."""
    tally = {PROMOTER: 0, PASSIVE: 0, DETRACTOR: 0}
    for score in scores:
        tally[group(score)] += 1
    return tally[PROMOTER], tally[PASSIVE], tally[DETRACTOR]


def nps_from_scores(scores: Iterable[int]) -> float | None:
    return nps(*counts(scores))


@lru_cache(maxsize=8)
def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence is between 0 and 1, not {confidence}")
    return NormalDist().inv_cdf((1 + confidence) / 2)


def nps_variance(promoters: int, passives: int, detractors: int) -> float | None:
    """Var(NPS) on the -1..1 scale: Wald from SMALL_SAMPLE replies on, adjusted-Wald below (see the module)."""
    n = _check(promoters, passives, detractors)
    if n == 0:
        return None
    if n < SMALL_SAMPLE:
        n_adj = n + 3
        p_p, p_d = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
        return max(0.0, (p_p + p_d - (p_p - p_d) ** 2) / n_adj)
    p_p, p_d = promoters / n, detractors / n
    return max(0.0, (p_p + p_d - (p_p - p_d) ** 2) / n)


def nps_interval(promoters: int, passives: int, detractors: int,
                 confidence: float = DEFAULT_CONFIDENCE) -> tuple[float, float] | None:
    """(low, high) of NPS at the confidence level, on the -100..100 scale, clipped; None when there is no reply."""
    point = nps(promoters, passives, detractors)
    if point is None:
        return None
    half = 100.0 * _z(confidence) * math.sqrt(nps_variance(promoters, passives, detractors))
    return max(-100.0, point - half), min(100.0, point + half)


@dataclass(frozen=True)
class NpsFigure:
    """One cell of the analytics: the counts, NPS and its interval."""

    promoters: int
    passives: int
    detractors: int
    nps: float | None
    low: float | None
    high: float | None
    confidence: float = DEFAULT_CONFIDENCE

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def small_sample(self) -> bool:
        return 0 < self.responses < SMALL_SAMPLE

    def share(self, which: str) -> float | None:
        n = self.responses
        return None if not n else 100.0 * getattr(self, which + "s") / n

    def as_dict(self) -> dict:
        return {"responses": self.responses, "promoters": self.promoters, "passives": self.passives,
                "detractors": self.detractors, "nps": _round(self.nps), "ci_low": _round(self.low),
                "ci_high": _round(self.high), "small_sample": self.small_sample}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def figure(promoters: int, passives: int, detractors: int, confidence: float = DEFAULT_CONFIDENCE) -> NpsFigure:
    interval = nps_interval(promoters, passives, detractors, confidence)
    low, high = interval if interval else (None, None)
    return NpsFigure(promoters, passives, detractors, nps(promoters, passives, detractors), low, high, confidence)

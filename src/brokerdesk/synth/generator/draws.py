"""Vectorised draws for the day-by-day simulation: weighted sampling, urns, intraday times."""

import numpy as np


def unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (by sorting: NumPy's hash-based unique is slow on millions of int64)."""
    ordered = np.sort(values)
    if len(ordered) == 0:
        return ordered
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])]


def sample(rng: np.random.Generator, cumulative: np.ndarray, k: int, total: float) -> np.ndarray:
    """k draws of an index with probability proportional to its rate (cumulative = cumsum of rates).

    The draws are made in increasing order (sorted uniforms from exponential spacings), which keeps the
    binary search cache-friendly on millions of clients."""
    if k == 0 or total <= 0:
        return np.zeros(0, dtype=np.int64)
    spacing = np.cumsum(rng.exponential(1.0, k + 1))
    u = spacing[:-1] * (total / spacing[-1])
    return np.searchsorted(cumulative, u, side="right").astype(np.int64)


def session_offsets(rng: np.random.Generator, k: int) -> np.ndarray:
    """Seconds into the four hours of continuous trading (uint16), busiest after the open and before the
    close (an arcsine-shaped day)."""
    session = 4 * 3600
    offset = rng.random(k)
    offset *= np.pi
    np.cos(offset, out=offset)
    offset *= -0.5 * (session - 1)
    offset += 0.5 * (session - 1)
    return offset.astype(np.uint16)


def clock(offset: np.ndarray) -> np.ndarray:
    """Session offsets to seconds since midnight: 09:30-11:30, then 13:00-15:00."""
    offset = offset.astype(np.int32)
    return np.where(offset < 7200, 9 * 3600 + 1800 + offset, 13 * 3600 + offset - 7200)


def urn(weights: np.ndarray, size: int) -> np.ndarray:
    """`size` slots filled with indexes in proportion to weights (every positive weight gets a slot)."""
    weights = np.asarray(weights, dtype=np.float64)
    positive = weights > 0
    slots = np.where(positive, np.maximum(np.floor(weights / weights.sum() * size), 1), 0).astype(np.int64)
    # Fix the total: add or remove slots from the heaviest entries.
    heaviest = np.argsort(-weights, kind="stable")
    excess = int(slots.sum()) - size
    i = 0
    while excess != 0:
        j = heaviest[i % int(positive.sum())]
        if excess > 0 and slots[j] > 1:
            slots[j] -= 1
            excess -= 1
        elif excess < 0:
            slots[j] += 1
            excess += 1
        i += 1
    return np.repeat(np.arange(len(weights)), slots)

"""Named random streams: one PCG64 generator per part of the brokerage, all derived from the seed.

Each part (customers, prices, trades of day 17, ...) draws from its own stream, so changing how one part is
generated never shifts the numbers of another, and the same seed always gives the same brokerage.
"""

import zlib

import numpy as np


def stream(seed: int, name: str, *index: int) -> np.random.Generator:
    key = (zlib.crc32(name.encode("utf-8")), *index)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))

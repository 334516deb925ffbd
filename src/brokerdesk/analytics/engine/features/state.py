"""What one feature run leaves for the next: the per-client aggregates over the two big fact tables.

Most of a feature run is aggregating a year of trades (about 100M rows at 3M clients) and 20 days of asset
snapshots. From one business day to the next those aggregates change only by the days that enter and leave
each window, so a run given the previous run's FeatureState reads those few days (the *_delta_v1.sql files)
instead of everything. It may only do so when the files it is given for the dates up to the previous run's
date are exactly the files that run read; a corrected batch (a new file version for an old date), a removed
file or a new features version makes it compute in full, with the same result.
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from brokerdesk.analytics.engine.features.catalogue import FEATURES_VERSION
from brokerdesk.analytics.engine.features.windows import FeatureWindows

MAX_STEP_DAYS = 31  # beyond that the deltas read about as much as a full run: compute in full
STATE_FILE = "feature_state.json"


@dataclass(frozen=True)
class FeatureState:
    as_of: date
    windows: FeatureWindows
    trade_files: tuple[str, ...]
    asset_files: tuple[str, ...]
    trade_stats: pa.Table  # trade_stats_v1.sql's columns
    asset_sums: pa.Table  # customer_no, assets_sum_20d
    version: str = FEATURES_VERSION

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(self.trade_stats, folder / "trade_stats.parquet", compression="zstd")
        pq.write_table(self.asset_sums, folder / "asset_sums.parquet", compression="zstd")
        windows = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.windows.__dict__.items()}
        (folder / STATE_FILE).write_text(json.dumps({
            "version": self.version, "as_of": self.as_of.isoformat(), "windows": windows,
            "trade_files": list(self.trade_files), "asset_files": list(self.asset_files),
        }), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> "FeatureState | None":
        """The state saved in `folder`, or None when there is none (or it is incomplete)."""
        try:
            meta = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
            trade_stats = pq.read_table(folder / "trade_stats.parquet")
            asset_sums = pq.read_table(folder / "asset_sums.parquet")
        except (OSError, ValueError):
            return None
        windows = FeatureWindows(**{
            k: (date.fromisoformat(v) if isinstance(v, str) else v) for k, v in meta["windows"].items()})
        return cls(as_of=date.fromisoformat(meta["as_of"]), windows=windows,
                   trade_files=tuple(meta["trade_files"]), asset_files=tuple(meta["asset_files"]),
                   trade_stats=trade_stats, asset_sums=asset_sums, version=meta["version"])


def usable_for(previous: FeatureState | None, *, as_of: date, windows: FeatureWindows,
               trade_files: list[str], asset_files: list[str], earliest_date_of) -> bool:
    """Whether the deltas from `previous` give exactly the full result for `as_of` with these files.

    earliest_date_of(files) -> the earliest date held by those files (None for no files); only the files the
    previous run did not read are looked at, so this stays cheap.
    """
    if previous is None or previous.version != FEATURES_VERSION:
        return False
    if not previous.as_of <= as_of <= date.fromordinal(previous.as_of.toordinal() + MAX_STEP_DAYS):
        return False
    before, now = previous.windows, windows
    if before.asset_window_start is None or now.asset_window_start is None:
        return False
    if now.asset_window_start < before.asset_window_start:
        return False
    for old, new in ((previous.trade_files, trade_files), (previous.asset_files, asset_files)):
        if not set(old) <= set(new):  # a file replaced (corrected batch) or removed
            return False
        added = [f for f in new if f not in set(old)]
        earliest = earliest_date_of(added) if added else None
        if earliest is not None and earliest <= previous.as_of:  # new data for a date already counted
            return False
    return True

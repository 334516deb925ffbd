"""A run that starts from the previous run's state gives exactly the features of a run from scratch."""

import dataclasses
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brokerdesk.analytics.engine.features.compute import compute_features_with_state
from brokerdesk.analytics.engine.features.sources import FeatureSources
from brokerdesk.analytics.engine.features.state import FeatureState
from brokerdesk.analytics.engine.tests.lakekit import Dataset, customer, write_lake

DAYS = [d for d in (date(2025, 1, 1) + timedelta(days=i) for i in range(520)) if d.weekday() < 5]
CLIENTS = ["c1", "c2", "c3", "c4", "c5"]
DATED = re.compile(r"date=(\d{4}-\d{2}-\d{2})")


def _until(sources: FeatureSources, day: date) -> FeatureSources:
    """The files a run for `day` is given: those dated up to that day (as the application passes them)."""
    def keep(files):
        return [f for f in files if date.fromisoformat(DATED.search(f)[1]) <= day]

    return dataclasses.replace(sources, asset_snapshots=keep(sources.asset_snapshots),
                               positions=keep(sources.positions), trades=keep(sources.trades),
                               fund_transfers=keep(sources.fund_transfers), trading_days=DAYS)


def _rows(table) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda r: r["customer_no"])


@st.composite
def histories(draw: st.DrawFn) -> tuple[Dataset, list[date]]:
    """Random facts over a year and a half, and a few run dates a day to a few weeks apart."""
    first = draw(st.sampled_from(DAYS[300:-40]))
    steps = draw(st.lists(st.integers(1, 12), min_size=1, max_size=3))
    run_days = [first]
    for step in steps:
        run_days.append(run_days[-1] + timedelta(days=step))
    customers = [customer(no, draw(st.dates(date(2024, 1, 1), run_days[-1]))) for no in CLIENTS]
    data = Dataset(customers=customers)
    near = [d for d in DAYS if run_days[0] - timedelta(days=400) <= d <= run_days[-1]]
    days = st.sampled_from(near)
    amounts = st.sampled_from([1, 100, 250000, 1_000_000]) | st.decimals(1, 3_000_000, places=2)
    for day, no in draw(st.lists(st.tuples(days, st.sampled_from(CLIENTS)), max_size=60, unique=True)):
        data.assets(day, no, draw(amounts))
    for day, no in draw(st.lists(st.tuples(days, st.sampled_from(CLIENTS)), max_size=80)):
        data.trade(day, no, draw(amounts))
    return data, run_days


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_it_gives_the_full_result_when_it_starts_from_the_previous_run(history):
    data, run_days = history
    with tempfile.TemporaryDirectory() as folder:
        everything = write_lake(Path(folder), data)
        _, state, used = compute_features_with_state(None, sources=_until(everything, run_days[0]),
                                                     as_of=run_days[0])
        assert not used
        for day in run_days[1:]:
            sources = _until(everything, day)
            full, _, _ = compute_features_with_state(None, sources=sources, as_of=day)
            stepped, state, used = compute_features_with_state(None, sources=sources, as_of=day, previous=state)
            assert used
            assert _rows(stepped) == _rows(full)


def test_it_computes_in_full_when_an_old_day_was_corrected(tmp_path):
    data = Dataset(customers=[customer("c1", date(2024, 1, 1))])
    for day in DAYS[-60:]:
        data.assets(day, "c1", 1000).trade(day, "c1", 10)
    everything = write_lake(tmp_path, data)
    before, after = DAYS[-10], DAYS[-9]
    _, state, _ = compute_features_with_state(None, sources=_until(everything, before), as_of=before)
    # A corrected batch for an earlier day: a new file version with one more trade.
    old = next(f for f in everything.trades if f"date={DAYS[-20].isoformat()}" in f)
    corrected = old.replace("v=1", "v=2")
    Path(corrected).parent.mkdir(parents=True)
    table = pq.read_table(old)
    pq.write_table(pa.concat_tables([table, table]), corrected)
    sources = _until(dataclasses.replace(everything, trades=[corrected if f == old else f
                                                             for f in everything.trades]), after)

    stepped, _, used = compute_features_with_state(None, sources=sources, as_of=after, previous=state)
    full, _, _ = compute_features_with_state(None, sources=sources, as_of=after)

    assert not used and _rows(stepped) == _rows(full)
    assert stepped.to_pylist()[0]["trades_1m"] == full.to_pylist()[0]["trades_1m"]


def test_its_state_survives_a_save_and_a_load(tmp_path):
    data = Dataset(customers=[customer("c1", date(2024, 1, 1))])
    for day in DAYS[-40:]:
        data.assets(day, "c1", 5000).trade(day, "c1", 7)
    everything = write_lake(tmp_path / "lake", data)
    _, state, _ = compute_features_with_state(None, sources=_until(everything, DAYS[-5]), as_of=DAYS[-5])

    state.save(tmp_path / "state")
    loaded = FeatureState.load(tmp_path / "state")

    assert loaded is not None and loaded.windows == state.windows and loaded.trade_files == state.trade_files
    assert loaded.trade_stats.equals(state.trade_stats) and loaded.asset_sums.equals(state.asset_sums)
    assert FeatureState.load(tmp_path / "nowhere") is None

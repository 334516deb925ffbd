"""How fact files are cut into the lake's day partitions: day by day when the rows come in date order."""

import random
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.parquet as pq

from brokerdesk.intake.apply import _clustered_by_date

DAYS = [date(2026, 3, 2) + timedelta(days=i) for i in range(30)]


def _write(path, days: list[date]) -> None:
    pq.write_table(pa.table({"date": pa.array(days, pa.date32()), "n": list(range(len(days)))}), path,
                   row_group_size=100)


def test_it_reads_day_by_day_when_rows_come_in_date_order(tmp_path):
    _write(tmp_path / "ordered.parquet", [d for d in DAYS for _ in range(250)])
    assert _clustered_by_date(tmp_path / "ordered.parquet", DAYS)


def test_it_sorts_everything_once_when_the_days_are_mixed(tmp_path):
    rows = [d for d in DAYS for _ in range(250)]
    random.Random(4).shuffle(rows)
    _write(tmp_path / "mixed.parquet", rows)
    assert not _clustered_by_date(tmp_path / "mixed.parquet", DAYS)

"""Bulk reads and writes against the real database (COPY on PostgreSQL, executemany on SQLite)."""

from datetime import date

import pyarrow as pa
import pytest
from django.db import connection, transaction

from brokerdesk.core import bulk

pytestmark = pytest.mark.django_db

SCHEMA = pa.schema([("n", pa.int64()), ("label", pa.string()), ("day", pa.date32())])
ROWS = [
    {"n": 1, "label": "甲,带逗号", "day": date(2026, 1, 5)},
    {"n": 2, "label": "", "day": None},  # an empty string is not NULL
    {"n": 3, "label": None, "day": date(2026, 12, 31)},
    {"n": 4, "label": 'quote " inside\nand a newline', "day": date(2000, 2, 29)},
]


def _loaded() -> None:
    bulk.load_temp_table("bd_test_rows", SCHEMA, pa.Table.from_pylist(ROWS, schema=SCHEMA).to_batches())


def test_it_reads_back_what_it_wrote_with_nulls_empty_strings_and_dates():
    with transaction.atomic():
        _loaded()
        table = bulk.read_arrow("SELECT n, label, day FROM bd_test_rows ORDER BY n", SCHEMA)
    assert table.schema == SCHEMA
    assert table.to_pylist() == ROWS


def test_it_reads_an_empty_result_as_an_empty_table():
    with transaction.atomic():
        _loaded()
        table = bulk.read_arrow("SELECT n, label, day FROM bd_test_rows WHERE n > %s", SCHEMA, [99])
    assert table.num_rows == 0 and table.schema == SCHEMA


def test_it_binds_parameters_rather_than_pasting_them():
    with transaction.atomic():
        _loaded()
        table = bulk.read_arrow("SELECT n, label, day FROM bd_test_rows WHERE label = %s", SCHEMA,
                                ["x' OR '1'='1"])
    assert table.num_rows == 0
    assert connection.vendor in ("postgresql", "sqlite")

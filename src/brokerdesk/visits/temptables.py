"""Temporary tables for generation's bulk SQL (dropped at commit on PostgreSQL; generate.py drops them at the end
of a run, for SQLite's connection-long ones)."""

import pyarrow as pa
from django.db import connection

from brokerdesk.core import bulk


def create_as(name: str, select: str, params: list) -> None:
    """A temporary table of a query's rows, with statistics on PostgreSQL (the joins over it need them)."""
    suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {name}{suffix} AS {select}", params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {name}")


def create_small(name: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """A temporary table of a few integer rows (a handful of centers, not clients)."""
    bulk.create_temp_table(name, pa.schema([(c, pa.int64()) for c in columns]))
    if rows:
        marks = ", ".join("%s" for _ in columns)
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608


def drop(*names: str) -> None:
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")

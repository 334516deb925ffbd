"""Bulk loading into the operational database: Arrow record batches into a temporary table, in the
caller's transaction, with COPY on PostgreSQL and executemany on SQLite. Merging into the real tables is
then plain SQL (INSERT ... ON CONFLICT, UPDATE ... FROM), which both databases run.

Nothing here loops over rows in Python on PostgreSQL; on SQLite the driver's executemany is the bulk path.
"""

import io
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection

# Arrow type -> temporary column type (both databases accept these names).
SQL_TYPES = {
    pa.string(): "text",
    pa.large_string(): "text",
    pa.int64(): "bigint",
    pa.int32(): "bigint",
    pa.bool_(): "boolean",
    pa.date32(): "date",
    pa.time32("s"): "time",
}


def sql_type(arrow_type: pa.DataType) -> str:
    if pa.types.is_decimal(arrow_type):
        return f"numeric({arrow_type.precision},{arrow_type.scale})"
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_time(arrow_type):
        return "time"
    return SQL_TYPES[arrow_type]


def distinct(left: str, right: str) -> str:
    """NULL-safe "differs" for change detection, so re-applying the same data updates nothing."""
    op = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    return f"({left} {op} {right})"


def create_temp_table(name: str, schema: pa.Schema) -> None:
    columns = ", ".join(f'"{f.name}" {sql_type(f.type)}' for f in schema)
    suffix = " ON COMMIT DROP" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns}){suffix}")


def _csv_bytes(batch: pa.RecordBatch) -> bytes:
    # Times as HH:MM:SS text; everything else in Arrow's CSV form, which COPY reads (empty = NULL).
    columns = [
        pc.strftime(col, format="%H:%M:%S") if pa.types.is_time(col.type) else col for col in batch.columns
    ]
    table = pa.Table.from_arrays(columns, names=batch.schema.names)
    sink = io.BytesIO()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return sink.getvalue()


def load_temp_table(name: str, schema: pa.Schema, batches: Iterable[pa.RecordBatch]) -> int:
    """Create temporary table `name` shaped like schema and fill it; returns the row count."""
    create_temp_table(name, schema)
    columns = ", ".join(f'"{f.name}"' for f in schema)
    rows = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                for batch in batches:
                    copy.write(_csv_bytes(batch))
                    rows += batch.num_rows
        else:
            marks = ", ".join("?" for _ in schema)
            raw = cursor.cursor
            for batch in batches:
                values = [_sqlite_column(col) for col in batch.columns]
                raw.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", zip(*values, strict=True))
                rows += batch.num_rows
    return rows


def _sqlite_column(column: pa.Array) -> list:
    if pa.types.is_date(column.type) or pa.types.is_time(column.type):
        return [None if v is None else v.isoformat() for v in column.to_pylist()]
    if pa.types.is_decimal(column.type):
        return [None if v is None else str(v) for v in column.to_pylist()]
    return column.to_pylist()


def execute(sql: str, params: list | tuple = ()) -> int:
    """Run one merge statement; returns the number of rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)

"""Bulk loading into the operational database: Arrow record batches into a temporary table, in the
caller's transaction, with COPY on PostgreSQL and executemany on SQLite. Merging into the real tables is
then plain SQL (INSERT ... ON CONFLICT, UPDATE ... FROM), which both databases run.

Nothing here loops over rows in Python on PostgreSQL; on SQLite the driver's executemany is the bulk path.
"""

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

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
    rows = insert_batches(name, schema, batches)
    if connection.vendor == "postgresql":
        execute(f"ANALYZE {name}")  # temporary tables get no statistics otherwise, and the joins need them
    return rows


def insert_batches(table: str, schema: pa.Schema, batches: Iterable[pa.RecordBatch]) -> int:
    """Append record batches to a table whose columns are named like the schema's; returns the row count."""
    columns = ", ".join(f'"{f.name}"' for f in schema)
    rows = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)") as copy:
                for batch in batches:
                    copy.write(_csv_bytes(batch))
                    rows += batch.num_rows
        else:
            marks = ", ".join("?" for _ in schema)
            raw = cursor.cursor
            for batch in batches:
                values = [_sqlite_column(col) for col in batch.columns]
                raw.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", zip(*values, strict=True))
                rows += batch.num_rows
    return rows


def read_arrow(sql: str, schema: pa.Schema, params: list | tuple = ()) -> pa.Table:
    """A query's rows as an Arrow table typed by `schema` (its columns in the query's order).

    PostgreSQL streams the result out with COPY as CSV, which Arrow parses in parallel; SQLite hands rows over
    in large chunks that become columns. Neither builds a Python object per row on PostgreSQL.
    """
    if connection.vendor == "postgresql":
        sink = io.BytesIO()
        with connection.cursor() as cursor:
            query = cursor.cursor.mogrify(sql, params) if params else sql
            with cursor.cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
                for block in copy:
                    sink.write(block)
        if not sink.tell():
            return schema.empty_table()
        sink.seek(0)
        return pacsv.read_csv(
            sink,
            read_options=pacsv.ReadOptions(column_names=schema.names),
            # COPY writes NULL as an unquoted empty field and an empty string as "".
            convert_options=pacsv.ConvertOptions(column_types=schema, null_values=[""], strings_can_be_null=True,
                                                 quoted_strings_can_be_null=False),
        ).cast(schema)
    # Each chunk of rows becomes one struct array in Arrow's C++ (no Python list per column).
    chunks: list[pa.RecordBatch] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(500_000):
            chunks.append(_record_batch(rows, schema))
    return pa.Table.from_batches(chunks, schema=schema)


def _record_batch(rows: list[tuple], schema: pa.Schema) -> pa.RecordBatch:
    try:
        return pa.RecordBatch.from_struct_array(pa.array(rows, type=pa.struct(schema)))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    # Dates selected as text (CAST(column AS TEXT): Django's SQLite connection would otherwise build a date
    # object per value): read as text, then parsed in one vectorised cast.
    as_text = pa.schema([pa.field(f.name, pa.string()) if pa.types.is_date(f.type) else f for f in schema])
    batch = pa.RecordBatch.from_struct_array(pa.array(rows, type=pa.struct(as_text)))
    columns = [pc.cast(pc.cast(column, pa.timestamp("s")), field.type) if pa.types.is_date(field.type) else column
               for column, field in zip(batch.columns, schema, strict=True)]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


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


@dataclass
class SecondarySchema:
    """A table's secondary indexes and constraints, as statements that drop them and that put them back."""

    drop: list[str] = field(default_factory=list)
    restore: list[str] = field(default_factory=list)


@contextmanager
def deferred_indexes(tables: Iterable[str]) -> Iterator[set[str]]:
    """Load first, index afterwards, for the tables that are empty (the first load of an installation).

    Inserting millions of rows into a table keeps every index and foreign key up to date row by row: random
    index pages, a WAL record each, a foreign-key check per row at commit. Building an index once from the
    loaded rows, and checking a foreign key with one join, is many times faster. So for each listed table
    that holds no rows, its secondary indexes, unique and foreign-key constraints (the primary key stays)
    are dropped, the caller loads, and everything is re-created before the block ends, from the definitions
    the database itself reported. All inside the caller's transaction: a crash or an error leaves the schema
    and the data as they were, and rows breaking a constraint fail the re-creation and so the whole load.
    Tables that hold rows are left alone (a daily batch changes few of them).

    Yields the set of tables that were empty: their merges can be plain INSERTs (nothing to conflict with).
    """
    empty = {table for table in tables if _is_empty(table)}
    with connection.cursor() as cursor:
        secondary = (secondary_postgres(cursor, empty) if connection.vendor == "postgresql"
                     else _secondary_sqlite(cursor, empty))
        if connection.vendor == "postgresql" and empty:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # A foreign key cannot be dropped while checks deferred earlier in this transaction are pending on
            # either of its tables: run those checks now (deferred again afterwards, Django's default).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for statement in secondary.drop:
            cursor.execute(statement)
    yield empty
    with connection.cursor() as cursor:
        for statement in secondary.restore:
            cursor.execute(statement)


def _is_empty(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
        return cursor.fetchone() is None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def secondary_postgres(cursor, tables: Iterable[str]) -> SecondarySchema:
    """PostgreSQL: the secondary indexes, unique and foreign-key constraints of tables, from the database's own
    definitions; the primary keys stay. cursor: a Django cursor or a psycopg one (the benchmark loader's)."""
    result = SecondarySchema()
    tables = sorted(tables)
    if not tables:
        return result
    # Unique constraints another table's foreign key relies on stay (dropping them would fail).
    cursor.execute(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint c
           WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f')
             AND NOT (contype = 'u' AND EXISTS (SELECT 1 FROM pg_constraint r
                                                WHERE r.contype = 'f' AND r.conindid = c.conindid))
           ORDER BY contype DESC, 1, 2""",
        [tables],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
           ORDER BY 1""",
        [tables],
    )
    indexes = cursor.fetchall()
    # Foreign keys are dropped first and restored last (ORDER BY contype DESC: 'u' before 'f' on restore,
    # reversed for the drop), so their validation reads through the rebuilt unique indexes.
    for table, name, _definition, _ in reversed(constraints):
        result.drop.append(f"ALTER TABLE {table} DROP CONSTRAINT {_quote(name)}")
    for name, _ in indexes:
        result.drop.append(f"DROP INDEX {name}")
    result.restore += [definition for _, definition in indexes]
    result.restore += [f"ALTER TABLE {table} ADD CONSTRAINT {_quote(name)} {definition}"
                       for table, name, definition, _ in constraints]
    return result


def _secondary_sqlite(cursor, tables: set[str]) -> SecondarySchema:
    """SQLite: the explicitly created indexes (constraints declared in CREATE TABLE cannot be dropped)."""
    result = SecondarySchema()
    if not tables:
        return result
    marks = ", ".join("%s" for _ in tables)
    cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                   f"AND tbl_name IN ({marks}) ORDER BY name", sorted(tables))
    for name, definition in cursor.fetchall():
        result.drop.append(f"DROP INDEX {_quote(name)}")
        result.restore.append(definition)
    return result

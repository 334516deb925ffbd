"""The clients' master-data columns kept between runs in the lake, so that a run reads only what changed.

Reading three million clients row by row out of SQLite costs a nightly run about 7 seconds, half its time,
although a night's intake changes a few thousand of them. The cache holds the columns the features use
(sources.CUSTOMER_SCHEMA) with the time they were read; the next read takes from the database only the clients
updated since then (every writer of these columns sets updated_at: the intake's merge, the services' saves)
and the ones added since, and merges them in. It is checked against the database's count and read in full
when they differ, when it is missing or unreadable, or when its columns changed.

A writer stamps updated_at just before its statement, so rows can carry a stamp older than a read that did not
see them only if their transaction was still open during that read. Reads therefore shut writers out while
they run (SQLite: the IMMEDIATE transaction holds the write lock; PostgreSQL: a SHARE lock on the table), so
every writer either committed before the read or stamps its rows after the lock was taken; the next read takes
again everything stamped from REREAD_MARGIN before that moment, which covers the time between a writer's stamp
and its statement many times over.
"""

import json
import logging
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.db import connection, transaction
from django.utils import timezone

from brokerdesk.core.bulk import read_arrow
from brokerdesk.core.lake import lake_root

log = logging.getLogger(__name__)

REREAD_MARGIN = timedelta(minutes=1)
LOCK_TIMEOUT = "60s"  # PostgreSQL: how long a read waits for a writer (an intake) to commit
CACHE_DIR = "segmentation/clients"  # under the lake: clients.parquet and clients.json


def cache_dir() -> Path:
    return lake_root() / CACHE_DIR


def read_clients(select: str, schema: pa.Schema) -> pa.Table:
    """Every client's columns, with the cache when it is usable; `select` is the SELECT ... FROM list without
    a WHERE clause, its columns in `schema`'s order, the first being the database id."""
    cached = _load(schema)
    with transaction.atomic():
        started = _writers_shut_out()
        table = _read(select, schema, cached)
    _save(table, schema, started)
    return table


def _writers_shut_out():
    """Hold off the writers of the clients table until the read's transaction ends; the time they were shut out
    from."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute("LOCK TABLE customers_customer IN SHARE MODE")
    return timezone.now()


def _read(select: str, schema: pa.Schema, cached) -> pa.Table:
    table = None
    if cached is not None:
        table, watermark, max_id = cached
        since = connection.ops.adapt_datetimefield_value(watermark - REREAD_MARGIN)
        changed = read_arrow(f"{select} WHERE updated_at > %s OR id > %s", schema, [since, max_id])
        key = schema.names[0]
        if changed.num_rows:
            kept = table.filter(pc.invert(pc.is_in(table[key], value_set=changed[key])))
            table = pa.concat_tables([kept, changed])
        if table.num_rows != _client_count():
            log.info("client cache out of step with the database: reading every client")
            table = None
    if table is None:
        table = read_arrow(select, schema)
    return table


def _client_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM customers_customer")
        return cursor.fetchone()[0]


def _load(schema: pa.Schema) -> tuple[pa.Table, datetime, int] | None:
    folder = cache_dir()
    try:
        meta = json.loads((folder / "clients.json").read_text(encoding="utf-8"))
        if meta.get("database") != _database_name() or meta.get("columns") != schema.names:
            return None
        table = pq.read_table(folder / "clients.parquet", schema=schema)
        return table, datetime.fromisoformat(meta["read_at"]), int(meta["max_id"])
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return None


def _save(table: pa.Table, schema: pa.Schema, read_at: datetime) -> None:
    """Write the cache beside the old one and swap it in: a reader sees the old or the new, never half."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    max_id = pc.max(table[schema.names[0]]).as_py() if table.num_rows else 0
    meta = {"database": _database_name(), "columns": schema.names, "read_at": read_at.isoformat(),
            "max_id": max_id or 0, "clients": table.num_rows}
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".parquet", delete=False) as handle:
        data_tmp = Path(handle.name)
    pq.write_table(table, data_tmp, compression="snappy")
    with tempfile.NamedTemporaryFile("w", dir=folder, suffix=".json", delete=False, encoding="utf-8") as handle:
        json.dump(meta, handle)
        meta_tmp = Path(handle.name)
    # The data first: a crash between the two leaves new data under old metadata, which only re-reads more.
    os.replace(data_tmp, folder / "clients.parquet")
    os.replace(meta_tmp, folder / "clients.json")


def _database_name() -> str:
    """Which database the cache was read from: a lake shared by two databases (tests) must not mix them."""
    return f"{connection.vendor}:{connection.settings_dict['NAME']}"

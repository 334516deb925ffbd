"""Write back only what changed: memberships diffed in DuckDB, then two bulk statements in the database.

The memberships a run computes are compared with those the previous successful run left (its snapshot file in
the lake, keyed by database ids). Clients who entered a segment get a new open membership row (bulk insert,
COPY on PostgreSQL); clients who left get their open row closed (one UPDATE ... FROM a temporary table of the
leavers). Nothing is written for clients whose segments did not change, so a second run on the same data
writes no rows. Without a snapshot (its file lost, or the first run) the open rows are read from the database.
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
from django.db import connection

from brokerdesk.core import bulk

MEMBER_SCHEMA = pa.schema([("customer_id", pa.int64()), ("segment_id", pa.int64())])
SEGMENT_SCHEMA = pa.schema([("segment_id", pa.int64()), ("dimension", pa.string()), ("code", pa.string())])
MEMBERSHIP_TABLE = "segmentation_segmentmembership"  # SegmentMembership; a test checks the name
BATCH_ROWS = 1_000_000
KEY_FACTOR = 1 << 20  # segment ids stay below a million; client ids below 2**43


@dataclass(frozen=True)
class MembershipChanges:
    members: dict[int, int]  # segment id -> members after this run
    entered: pa.Table  # MEMBER_SCHEMA: in this run, not before
    left: pa.Table  # MEMBER_SCHEMA: before, not in this run
    had_snapshot: bool

    @staticmethod
    def counts(table: pa.Table) -> dict[int, int]:
        if table.num_rows == 0:
            return {}
        grouped = table.group_by("segment_id").aggregate([("customer_id", "count")])
        return dict(zip(grouped["segment_id"].to_pylist(), grouped["customer_id_count"].to_pylist(), strict=True))


def open_memberships() -> pa.Table:
    return bulk.read_arrow(
        "SELECT customer_id, segment_id FROM segmentation_segmentmembership WHERE valid_to IS NULL", MEMBER_SCHEMA)


def diff_memberships(
    con: duckdb.DuckDBPyConnection,
    *,
    memberships: str,
    segments: pa.Table,
    snapshot: Path | None,
) -> MembershipChanges:
    """memberships: the DuckDB table of the engine's (customer_id, segment_code, dimension) (segment_clients
    with key="customer_id"); segments: SEGMENT_SCHEMA for the rules that ran. Writes this run's
    memberships to `new_snapshot` (straight from DuckDB, in parallel) and returns the counts per segment and
    the two deltas."""
    con.table(memberships).create_view("bd_memberships")
    con.from_arrow(segments).create_view("bd_segments")
    had_snapshot = snapshot is not None and snapshot.exists()
    before = con.read_parquet(str(snapshot)) if had_snapshot else con.from_arrow(open_memberships())
    before.create_view("bd_before")
    # One full outer join on a single integer key (client id and segment id packed together) finds both who
    # entered and who left: one hash table instead of two set differences over string keys.
    con.execute("""
        CREATE OR REPLACE TABLE bd_after AS
        SELECT m.customer_id, s.segment_id
        FROM bd_memberships AS m
        JOIN bd_segments AS s ON s.dimension = m.dimension AND s.code = m.segment_code
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE bd_changes AS
        SELECT COALESCE(a.key, b.key) AS key, a.key IS NOT NULL AS now_in
        FROM (SELECT customer_id * {KEY_FACTOR} + segment_id AS key FROM bd_after) AS a
        FULL OUTER JOIN (SELECT customer_id * {KEY_FACTOR} + segment_id AS key FROM bd_before) AS b
          ON a.key = b.key
        WHERE a.key IS NULL OR b.key IS NULL
    """)  # noqa: S608 (KEY_FACTOR is our integer constant)

    def changed(now_in: bool) -> pa.Table:
        query = (f"SELECT key // {KEY_FACTOR} AS customer_id, key % {KEY_FACTOR} AS segment_id "  # noqa: S608
                 "FROM bd_changes WHERE now_in = $now_in")  # (KEY_FACTOR is our integer constant)
        return con.sql(query, params={"now_in": now_in}).to_arrow_table().cast(MEMBER_SCHEMA)

    members = dict(con.sql("SELECT segment_id, count(*) FROM bd_after GROUP BY segment_id").fetchall())
    return MembershipChanges(
        members=members,
        entered=changed(True),
        left=changed(False),
        had_snapshot=had_snapshot,
    )


def write_snapshot(cursor: duckdb.DuckDBPyConnection, path: Path) -> None:
    """This run's memberships (bd_after) to the snapshot file the next run diffs against. Takes a cursor of
    the diff's connection, so that it can run in another thread while the database takes the changes."""
    cursor.execute(f"COPY bd_after TO {_quoted(path)} (FORMAT parquet, COMPRESSION zstd)")


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def close_left(left: pa.Table, *, business_date: date, run_id: int) -> int:
    """End the open memberships of the clients who left a segment."""
    if left.num_rows == 0:
        return 0
    bulk.load_temp_table("bd_segment_left", MEMBER_SCHEMA, left.to_batches(BATCH_ROWS))
    return bulk.execute(
        "UPDATE segmentation_segmentmembership SET valid_to = %s, left_run_id = %s FROM bd_segment_left AS t"
        " WHERE segmentation_segmentmembership.customer_id = t.customer_id"
        " AND segmentation_segmentmembership.segment_id = t.segment_id"
        " AND segmentation_segmentmembership.valid_to IS NULL",
        [business_date, run_id],
    )


def open_entered(entered: pa.Table, *, business_date: date, run_id: int, rule_set_id: int) -> int:
    """Insert an open membership for each client who entered a segment (straight into the table: COPY)."""
    if entered.num_rows == 0:
        return 0
    rows = entered.num_rows
    table = entered.append_column("valid_from", pa.repeat(pa.scalar(business_date, pa.date32()), rows))
    table = table.append_column("rule_set_id", pa.repeat(pa.scalar(rule_set_id, pa.int64()), rows))
    table = table.append_column("entered_run_id", pa.repeat(pa.scalar(run_id, pa.int64()), rows))
    with bulk.deferred_indexes([MEMBERSHIP_TABLE]) as was_empty:
        rows = bulk.insert_batches(MEMBERSHIP_TABLE, table.schema, table.to_batches(BATCH_ROWS))
    if was_empty and connection.vendor == "postgresql":
        # Statistics now, not whenever autovacuum gets to it: the next run's UPDATE of the leavers must see
        # millions of rows and use the index.
        bulk.execute(f"ANALYZE {MEMBERSHIP_TABLE}")
    return rows

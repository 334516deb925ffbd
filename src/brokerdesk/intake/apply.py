"""Applying a validated batch: reference and master data merged into the operational DB in bulk, facts
written to the lake as new partition versions and published, the latest asset snapshot copied into the
clients' latest assets (customers_customerassets).

Everything here runs inside one database transaction (the caller's): the batch commits whole or not at all.
The staged files are the typed Parquet files validation produced; DuckDB shapes them into exactly the
rows each table needs, and core.bulk moves those rows in (COPY on PostgreSQL).
"""

import bisect
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection
from django.utils import timezone

from brokerdesk.analytics.engine.lake import FACT_ENTITIES, ROW_GROUP_SIZE
from brokerdesk.core.bulk import deferred_indexes, distinct, execute, load_temp_table
from brokerdesk.core.lake import lake_root, publish, version_dir
from brokerdesk.intake.contract import Manifest
from brokerdesk.org.models import Company

BATCH_ROWS = 100_000


@dataclass
class ApplyContext:
    staging_dir: Path
    manifest: Manifest
    version: str
    progress: Callable[[str], None] = lambda message: None
    changes: dict[str, int] = field(default_factory=dict)
    replaced_paths: list[str] = field(default_factory=list)
    fresh: set[str] = field(default_factory=set)  # tables that were empty: loaded in bulk mode

    @property
    def business_date(self) -> date:
        return date.fromisoformat(self.manifest.business_date)

    def staged(self, entity: str) -> Path | None:
        path = self.staging_dir / f"{entity}.parquet"
        return path if path.exists() else None


def sql_literal(value) -> str:
    """A path or text as a quoted SQL string literal (DuckDB statements that take no parameters)."""
    return "'" + str(value).replace("'", "''") + "'"


def _source(ctx: ApplyContext, entity: str) -> str | None:
    """The DuckDB source of an entity's staged file, or None when the batch has no such file."""
    path = ctx.staged(entity)
    return f"read_parquet({sql_literal(path)})" if path else None


def _changed(*columns: str, target: str) -> str:
    return " OR ".join(distinct(f"{target}.{c}", f"excluded.{c}") for c in columns)


def _stage(duck: duckdb.DuckDBPyConnection, name: str, sql: str) -> int:
    reader = duck.sql(sql).to_arrow_reader(BATCH_ROWS)
    return load_temp_table(name, reader.schema, reader)


def _merge(ctx: ApplyContext, table: str, insert: str, on_conflict: str, params: list | tuple = ()) -> int:
    """INSERT ... SELECT with its ON CONFLICT clause, or without it into a table that was empty (bulk mode:
    its unique indexes are rebuilt afterwards, and validation has already refused duplicate keys)."""
    return execute(insert if table in ctx.fresh else f"{insert} {on_conflict}", params)


# Master-data tables a first load fills with millions of rows: indexed after loading (core.bulk).
BULK_TABLES = ("customers_customer", "customers_customerphone", "customers_capitalaccount",
               "customers_shareholderaccount", "customers_tradingpermission", "customers_customerassets")


def apply_batch(ctx: ApplyContext) -> dict[str, int]:
    if connection.vendor == "postgresql":
        # Hash joins of millions of client rows: in memory, not in 4 MB batches spilled to disk.
        execute("SET LOCAL work_mem = '256MB'")
    with ThreadPoolExecutor(max_workers=1) as pool:
        facts = pool.submit(_write_facts, ctx)
        with duckdb.connect(config={"memory_limit": "2GB", "threads": 2}) as duck:
            duck.execute(f"SET temp_directory = {sql_literal(ctx.staging_dir / 'duckdb.tmp')}")
            _run(ctx, duck, (_centers, _branches, _securities))
            with deferred_indexes(BULK_TABLES) as fresh:
                ctx.fresh = fresh
                if fresh:
                    ctx.progress(f"bulk mode (indexes built after loading) for {', '.join(sorted(fresh))}")
                _run(ctx, duck, (_customers, _phones, _accounts, _risk_assessments, _permission_changes,
                                 _latest_assets))
                started = time.monotonic()
            if fresh:
                ctx.progress(f"indexes and constraints rebuilt in {time.monotonic() - started:.1f} s")
        _publish_facts(ctx, facts.result())
    return ctx.changes


def _run(ctx: ApplyContext, duck, steps) -> None:
    for step in steps:
        started = time.monotonic()
        step(ctx, duck)
        name = step.__name__.lstrip("_")
        if name in ctx.changes:
            ctx.progress(f"{name}: {ctx.changes[name]:,} changed in {time.monotonic() - started:.1f} s")


# --- reference data -------------------------------------------------------------------------------------

def _centers(ctx, duck) -> None:
    src = _source(ctx, "centers")
    if not src:
        return
    company = Company.objects.order_by("pk").first() or Company.objects.create(name=settings.COMPANY_NAME)
    _stage(duck, "t_centers", f"SELECT center_code, name, kind, province FROM {src}")
    ctx.changes["centers"] = execute(
        "INSERT INTO org_contactcenter (company_id, code, name, kind, province) "
        "SELECT %s, center_code, name, kind, province FROM t_centers WHERE true "
        "ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, province = excluded.province "
        f"WHERE {_changed('name', 'kind', 'province', target='org_contactcenter')}",
        [company.pk],
    )


def _branches(ctx, duck) -> None:
    src = _source(ctx, "branches")
    if not src:
        return
    company = Company.objects.order_by("pk").first() or Company.objects.create(name=settings.COMPANY_NAME)
    _stage(duck, "t_branches", f"SELECT * FROM {src}")
    changed = execute(
        "INSERT INTO org_branch (company_id, code, name, kind, province, city, serving_center_id, is_active) "
        "SELECT %s, b.branch_code, b.name, b.kind, b.province, b.city, c.id, b.active "
        "FROM t_branches b JOIN org_contactcenter c ON c.code = b.center_code WHERE true "
        "ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, province = excluded.province, "
        "city = excluded.city, serving_center_id = excluded.serving_center_id, is_active = excluded.is_active "
        f"WHERE {_changed('name', 'kind', 'province', 'city', 'serving_center_id', 'is_active', target='org_branch')}",
        [company.pk],
    )
    # Parents second: a branch company may arrive in the same file as its sales offices.
    changed += execute(
        "UPDATE org_branch SET parent_id = (SELECT p.id FROM t_branches b JOIN org_branch p ON p.code = b.parent_code "
        "WHERE b.branch_code = org_branch.code) "
        "WHERE code IN (SELECT branch_code FROM t_branches) AND "
        + distinct("parent_id", "(SELECT p.id FROM t_branches b JOIN org_branch p ON p.code = b.parent_code "
                   "WHERE b.branch_code = org_branch.code)")
    )
    ctx.changes["branches"] = changed


def _securities(ctx, duck) -> None:
    src = _source(ctx, "securities")
    if not src:
        return
    _stage(duck, "t_securities", f"SELECT market, security_code, name, board, risk_level FROM {src}")
    ctx.changes["securities"] = execute(
        "INSERT INTO customers_security (market, security_code, name, board, risk_level) "
        "SELECT market, security_code, name, board, risk_level FROM t_securities WHERE true "
        "ON CONFLICT (market, security_code) DO UPDATE SET name = excluded.name, board = excluded.board, "
        f"risk_level = excluded.risk_level WHERE {_changed('name', 'board', 'risk_level', target='customers_security')}"
    )


# --- master data -----------------------------------------------------------------------------------------

CUSTOMER_COLUMNS = ("kind", "client_class", "name", "id_type", "id_number", "birth_date", "gender", "email",
                    "address", "home_branch_id", "opened_on", "closed_on", "status", "investor_category")


def _customers(ctx, duck) -> None:
    src = _source(ctx, "customers")
    if not src:
        return
    # Birth date and gender come from the resident ID (GB 11643): digits 7-14 and the parity of digit 17.
    # A new client's suitability comes with its row (the UPDATE step then only changes clients loaded before,
    # and a first load writes each client once); its latest assets are _latest_assets' (their own table).
    risk = _source(ctx, "risk_assessments")
    _stage(duck, "t_customers", f"""
        WITH risk AS ({_latest_risk_sql(risk) if risk else _NO_RISK})
        SELECT c.customer_no, kind, client_class, name, id_type, id_number,
               CASE WHEN id_type = 'resident_id' THEN strptime(substr(id_number, 7, 8), '%Y%m%d')::DATE END
                   AS birth_date,
               CASE WHEN id_type = 'resident_id'
                    THEN CASE WHEN CAST(substr(id_number, 17, 1) AS INTEGER) % 2 = 1 THEN 'M' ELSE 'F' END
                    ELSE '' END AS gender,
               coalesce(email, '') AS email, coalesce(address, '') AS address, branch_code,
               opened_on, closed_on, status, investor_category,
               coalesce(r.risk_level, '') AS risk_level, r.score AS risk_score,
               coalesce(r.lowest_category, false) AS lowest_category, r.assessed_on, r.expires_on
        FROM {src} c LEFT JOIN risk r ON r.customer_no = c.customer_no""")
    now = timezone.now()
    columns = ", ".join(CUSTOMER_COLUMNS)
    ctx.changes["customers"] = _merge(
        ctx, "customers_customer",
        f"INSERT INTO customers_customer (customer_no, {columns}, risk_level, risk_score, is_lowest_category, "
        "risk_assessed_on, risk_expires_on, created_at, updated_at) "
        "SELECT t.customer_no, t.kind, t.client_class, t.name, t.id_type, t.id_number, t.birth_date, t.gender, "
        "t.email, t.address, b.id, t.opened_on, t.closed_on, t.status, t.investor_category, t.risk_level, "
        "t.risk_score, t.lowest_category, t.assessed_on, t.expires_on, %s, %s "
        "FROM t_customers t JOIN org_branch b ON b.code = t.branch_code WHERE true",
        "ON CONFLICT (customer_no) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in CUSTOMER_COLUMNS)
        + ", updated_at = excluded.updated_at WHERE "
        + _changed(*CUSTOMER_COLUMNS, target="customers_customer"),
        [now, now],
    )


def _phones(ctx, duck) -> None:
    src = _source(ctx, "customers")
    if not src:
        return
    # Normalised like customers.identity.normalize_phone: mainland numbers as national significant numbers.
    _stage(duck, "t_phones", f"""
        WITH raw AS (
            SELECT customer_no, mobile AS number, 'mobile' AS kind, true AS is_primary FROM {src}
            WHERE mobile IS NOT NULL AND mobile <> ''
            UNION ALL
            SELECT customer_no, phone, 'home', false FROM {src} WHERE phone IS NOT NULL AND phone <> ''
        ), cleaned AS (
            SELECT customer_no, kind, is_primary,
                   CASE WHEN starts_with(number, '+') AND NOT starts_with(number, '+86')
                        THEN '+' || regexp_replace(number, '[^0-9]', '', 'g')
                        ELSE regexp_replace(regexp_replace(regexp_replace(number, '[^0-9]', '', 'g'),
                                            '^(0086|86)(1[3-9][0-9]{{9}})$', '\\2'), '^0', '') END AS number
            FROM raw
        )
        SELECT customer_no, any_value(kind ORDER BY is_primary DESC) AS kind, bool_or(is_primary) AS is_primary, number
        FROM cleaned GROUP BY customer_no, number""")
    removed = 0 if "customers_customerphone" in ctx.fresh else execute(
        "DELETE FROM customers_customerphone WHERE customer_id IN "
        "(SELECT c.id FROM customers_customer c JOIN t_customers t ON t.customer_no = c.customer_no) "
        "AND NOT EXISTS (SELECT 1 FROM t_phones p JOIN customers_customer c ON c.customer_no = p.customer_no "
        "WHERE c.id = customers_customerphone.customer_id AND p.number = customers_customerphone.number)"
    )
    added = _merge(
        ctx, "customers_customerphone",
        "INSERT INTO customers_customerphone (customer_id, number, kind, is_primary) "
        "SELECT c.id, p.number, p.kind, p.is_primary FROM t_phones p "
        "JOIN customers_customer c ON c.customer_no = p.customer_no WHERE true",
        "ON CONFLICT (customer_id, number) DO UPDATE SET kind = excluded.kind, is_primary = excluded.is_primary "
        f"WHERE {_changed('kind', 'is_primary', target='customers_customerphone')}"
    )
    ctx.changes["phones"] = removed + added


def _accounts(ctx, duck) -> None:
    src = _source(ctx, "accounts")
    if not src:
        return
    _stage(duck, "t_accounts", f"""
        SELECT account_type, coalesce(market, '') AS market, account_no, customer_no, currency, opened_on, status,
               row_number() OVER (PARTITION BY customer_no, account_type ORDER BY opened_on, account_no) = 1
                   AS is_primary
        FROM {src}""")
    capital = _merge(
        ctx, "customers_capitalaccount",
        "INSERT INTO customers_capitalaccount (customer_id, account_no, currency, is_primary, opened_on, status) "
        "SELECT c.id, a.account_no, a.currency, a.is_primary, a.opened_on, a.status FROM t_accounts a "
        "JOIN customers_customer c ON c.customer_no = a.customer_no WHERE a.account_type = 'capital'",
        "ON CONFLICT (account_no) DO UPDATE SET customer_id = excluded.customer_id, currency = excluded.currency, "
        "is_primary = excluded.is_primary, opened_on = excluded.opened_on, status = excluded.status WHERE "
        + _changed("customer_id", "currency", "is_primary", "opened_on", "status", target="customers_capitalaccount")
    )
    holder = _merge(
        ctx, "customers_shareholderaccount",
        "INSERT INTO customers_shareholderaccount (customer_id, market, account_no, opened_on) "
        "SELECT c.id, a.market, a.account_no, a.opened_on FROM t_accounts a "
        "JOIN customers_customer c ON c.customer_no = a.customer_no WHERE a.account_type = 'shareholder'",
        "ON CONFLICT (market, account_no) DO UPDATE SET customer_id = excluded.customer_id, "
        "opened_on = excluded.opened_on WHERE "
        + _changed("customer_id", "opened_on", target="customers_shareholderaccount")
    )
    ctx.changes["accounts"] = capital + holder


def _risk_assessments(ctx, duck) -> None:
    src = _source(ctx, "risk_assessments")
    if not src:
        return
    if "customers_customer" in ctx.fresh:
        ctx.changes["risk_assessments"] = 0  # every client was inserted with its newest assessment
        return
    _stage(duck, "t_risk", _latest_risk_sql(src))
    match = "t_risk.customer_no = customers_customer.customer_no"
    ctx.changes["risk_assessments"] = execute(
        "UPDATE customers_customer SET risk_level = t_risk.risk_level, risk_score = t_risk.score, "
        "is_lowest_category = t_risk.lowest_category, risk_assessed_on = t_risk.assessed_on, "
        "risk_expires_on = t_risk.expires_on FROM t_risk "
        f"WHERE {match} AND (customers_customer.risk_assessed_on IS NULL "
        "OR t_risk.assessed_on >= customers_customer.risk_assessed_on) AND ("
        + " OR ".join(distinct(f"customers_customer.{a}", f"t_risk.{b}") for a, b in (
            ("risk_level", "risk_level"), ("risk_score", "score"), ("is_lowest_category", "lowest_category"),
            ("risk_assessed_on", "assessed_on")))
        + ")"
    )


def _latest_risk_sql(src: str) -> str:
    """The newest assessment per client; expiry follows the configured validity."""
    days = int(settings.RISK_ASSESSMENT_VALIDITY_DAYS)
    return f"""
        SELECT customer_no, risk_level, score, lowest_category, assessed_on,
               CAST(assessed_on + INTERVAL {days} DAY AS DATE) AS expires_on
        FROM {src}
        QUALIFY row_number() OVER (PARTITION BY customer_no ORDER BY assessed_on DESC) = 1"""


_NO_RISK = ("SELECT NULL::VARCHAR AS customer_no, NULL::VARCHAR AS risk_level, NULL::INTEGER AS score, "
            "NULL::BOOLEAN AS lowest_category, NULL::DATE AS assessed_on, NULL::DATE AS expires_on WHERE false")


def _assets_on_sql(src: str, business_date: date) -> str:
    return (f"SELECT customer_no, total_assets, cash, market_value FROM {src} "
            f"WHERE date = DATE {sql_literal(business_date.isoformat())}")


def _permission_changes(ctx, duck) -> None:
    src = _source(ctx, "permission_changes")
    if not src:
        return
    _stage(duck, "t_perms", f"""
        SELECT customer_no, permission, action, changed_on FROM {src}
        QUALIFY row_number() OVER (PARTITION BY customer_no, permission ORDER BY changed_on DESC) = 1""")
    granted = _merge(
        ctx, "customers_tradingpermission",
        "INSERT INTO customers_tradingpermission (customer_id, kind, granted_on, revoked_on) "
        "SELECT c.id, p.permission, p.changed_on, NULL FROM t_perms p "
        "JOIN customers_customer c ON c.customer_no = p.customer_no WHERE p.action = 'grant'",
        "ON CONFLICT (customer_id, kind) DO UPDATE SET granted_on = excluded.granted_on, revoked_on = NULL WHERE "
        + _changed("granted_on", target="customers_tradingpermission")
        + " OR customers_tradingpermission.revoked_on IS NOT NULL"
    )
    # A join, not a correlated subquery per permission row: on a first load the customer_no index is not
    # built yet, and SQLite would scan the clients once per row.
    revoked = execute(
        "UPDATE customers_tradingpermission SET revoked_on = r.changed_on FROM (SELECT c.id AS customer_id, "
        "p.permission, p.changed_on FROM t_perms p JOIN customers_customer c ON c.customer_no = p.customer_no "
        "WHERE p.action = 'revoke') AS r WHERE customers_tradingpermission.customer_id = r.customer_id "
        "AND customers_tradingpermission.kind = r.permission AND customers_tradingpermission.revoked_on IS NULL"
    )
    ctx.changes["permission_changes"] = granted + revoked


# --- facts -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _FactPartition:
    entity: str
    day: date
    relative_path: str
    rows: int


def _write_facts(ctx: ApplyContext) -> list[_FactPartition]:
    """Each fact file becomes one new version folder per date, sorted by client. Files only, no database:
    this runs in a thread beside the master-data merges (the database works on one core, DuckDB on the
    other), and the caller publishes the versions."""
    written = []
    with duckdb.connect(config={"memory_limit": "2GB", "threads": 2}) as duck:
        duck.execute(f"SET temp_directory = {sql_literal(ctx.staging_dir / 'duckdb-facts.tmp')}")
        for entity in FACT_ENTITIES:
            src = _source(ctx, entity)
            if not src:
                continue
            started = time.monotonic()
            incoming = lake_root() / entity / f".incoming-{ctx.version}"
            shutil.rmtree(incoming, ignore_errors=True)
            incoming.parent.mkdir(parents=True, exist_ok=True)
            counts = duck.execute(f"SELECT date, count(*) FROM {src} GROUP BY date ORDER BY date").fetchall()
            if _clustered_by_date(ctx.staged(entity), [day for day, _ in counts]):
                # Rows arrive day by day (as core systems export them): one small sort per day, each reading
                # only that day's row groups, instead of one external sort of the whole history.
                for day, rows in counts:
                    target = version_dir(entity, day, ctx.version)
                    target.mkdir(parents=True, exist_ok=True)
                    duck.execute(
                        f"COPY (SELECT * FROM {src} WHERE date = DATE {sql_literal(day.isoformat())} "
                        f"ORDER BY customer_no) TO {sql_literal(target / 'part-0.parquet')} "
                        f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_SIZE})"
                    )
                    relative = str((target / "part-*.parquet").relative_to(lake_root()))
                    written.append(_FactPartition(entity, day, relative, rows))
            else:
                written += _write_sorted_partitions(duck, ctx, entity, src, incoming, counts)
            ctx.progress(f"{entity}: {sum(rows for _, rows in counts):,} rows written in {len(counts)} partitions "
                         f"in {time.monotonic() - started:.1f} s")
    return written


def _write_sorted_partitions(duck, ctx: ApplyContext, entity: str, src: str, incoming: Path,
                             counts: list[tuple[date, int]]) -> list[_FactPartition]:
    """Rows in no particular date order: one sort of everything, written partitioned by date."""
    written = []
    duck.execute(
        f"COPY (SELECT * FROM {src} ORDER BY date, customer_no) TO {sql_literal(incoming)} "
        f"(FORMAT parquet, PARTITION_BY (date), WRITE_PARTITION_COLUMNS true, COMPRESSION zstd, "
        f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}, OVERWRITE_OR_IGNORE true)"
    )
    for day, rows in counts:
        files = sorted((incoming / f"date={day.isoformat()}").glob("*.parquet"))
        target = version_dir(entity, day, ctx.version)
        target.mkdir(parents=True, exist_ok=True)
        for i, file in enumerate(files):
            file.rename(target / f"part-{i}.parquet")
        relative = str((target / "part-*.parquet").relative_to(lake_root()))
        written.append(_FactPartition(entity, day, relative, rows))
    shutil.rmtree(incoming, ignore_errors=True)
    return written


def _clustered_by_date(path: Path, days: list[date]) -> bool:
    """Whether reading the file once per day touches about as many row groups as reading it once: true when
    each row group's date range (from the Parquet statistics) covers only a day or two of the batch."""
    metadata = pq.ParquetFile(path).metadata
    if metadata.num_row_groups == 0:
        return True
    column = metadata.schema.names.index("date")
    touched = 0
    for group in range(metadata.num_row_groups):
        statistics = metadata.row_group(group).column(column).statistics
        if statistics is None or not statistics.has_min_max:
            return False
        touched += bisect.bisect_right(days, statistics.max) - bisect.bisect_left(days, statistics.min)
    return touched <= 3 * metadata.num_row_groups


def _publish_facts(ctx: ApplyContext, written: list[_FactPartition]) -> None:
    """Point each (entity, date) at its new version, in the batch's transaction."""
    for partition in written:
        previous = publish(partition.entity, partition.day, partition.relative_path, partition.rows, ctx.version)
        if previous and previous != partition.relative_path:
            ctx.replaced_paths.append(previous)
        ctx.changes[partition.entity] = ctx.changes.get(partition.entity, 0) + partition.rows


def _latest_assets(ctx, duck) -> None:
    """The business date's asset snapshot into every client's latest assets (customers_customerassets); a
    client absent from it holds nothing (the contract: a snapshot lists every client with a non-zero balance).

    Only rows whose values change are written: the snapshot date itself is kept once, in
    customers_customerassetsasof, not on each of millions of rows. That row says the newest date applied, so a
    batch for an older date leaves the latest assets alone (a client it brings gets its row with the next batch
    for the newest date or a later one), and the same date again writes only differences.
    """
    src = _source(ctx, "asset_snapshots")
    if not src:
        return
    business_date = ctx.business_date
    newest = _latest_assets_date()
    if newest is not None and business_date < newest:
        ctx.progress(f"latest_assets: kept as of {newest.isoformat()} (this batch is older)")
        ctx.changes["latest_assets"] = 0
        return
    _stage(duck, "t_assets", _assets_on_sql(src, business_date))
    # Every client with the snapshot's values, or zeros when absent from it.
    latest = "customers_customer c LEFT JOIN t_assets a ON a.customer_no = c.customer_no"
    values = "coalesce(a.total_assets, 0), coalesce(a.cash, 0), coalesce(a.market_value, 0)"
    insert = ("INSERT INTO customers_customerassets (customer_id, total_assets, cash_balance, market_value, "
              f"changed_on) SELECT c.id, {values}, %s FROM {latest}")
    if "customers_customerassets" in ctx.fresh:
        # First load: a plain INSERT ... SELECT, its foreign key checked once afterwards (core.bulk).
        changed = execute(insert, [business_date])
    else:
        # A narrow UPDATE ... FROM (HOT on PostgreSQL: no index holds these columns) of the rows that differ,
        # then the clients that have no row yet (new since the last snapshot).
        held = "customers_customerassets"
        changed = execute(
            f"UPDATE {held} SET total_assets = coalesce(a.total_assets, 0), cash_balance = coalesce(a.cash, 0), "
            f"market_value = coalesce(a.market_value, 0), changed_on = %s FROM {latest} "
            f"WHERE {held}.customer_id = c.id AND {held}.changed_on <= %s AND ("
            f"{held}.total_assets <> coalesce(a.total_assets, 0) OR {held}.cash_balance <> coalesce(a.cash, 0) "
            f"OR {held}.market_value <> coalesce(a.market_value, 0))",
            [business_date, business_date],
        )
        changed += execute(f"{insert} WHERE NOT EXISTS (SELECT 1 FROM {held} x WHERE x.customer_id = c.id)",
                           [business_date])
    execute(
        "INSERT INTO customers_customerassetsasof (id, as_of) VALUES (1, %s) "
        "ON CONFLICT (id) DO UPDATE SET as_of = excluded.as_of "
        "WHERE customers_customerassetsasof.as_of < excluded.as_of",
        [business_date],
    )
    ctx.changes["latest_assets"] = changed


def _latest_assets_date() -> date | None:
    """The business date of the newest asset snapshot applied (customers.CustomerAssetsAsOf)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT as_of FROM customers_customerassetsasof WHERE id = 1")
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], date) else date.fromisoformat(row[0])  # SQLite: ISO text

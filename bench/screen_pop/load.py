"""Create, migrate and bulk-load the screen-pop benchmark database, or reuse it when it is already loaded.

PostgreSQL: a dedicated database (brokerdesk_bench), rows streamed with COPY ... FREEZE (psycopg 3
cursor.copy) while the unique/foreign-key constraints and secondary indexes are dropped, then rebuilt from the
definitions the migrations created (as pg_restore does), VACUUM ANALYZE.
SQLite: a dedicated file (var/bench/screen_pop.sqlite3), executemany in big transactions with the explicit
indexes dropped and rebuilt, PRAGMA foreign_key_check, ANALYZE.

A small table bench_screen_pop in the benchmark database records what was loaded, when and how fast; a
later run reuses the database when that record and COUNT(*) both say it holds the requested clients.
"""

import json
import multiprocessing
import random
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.screen_pop import data

META_TABLE = "bench_screen_pop"
CUSTOMER_TABLE = "customers_customer"
PHONE_TABLE = "customers_customerphone"
ASSETS_TABLE = "customers_customerassets"
ASSETS_AS_OF_TABLE = "customers_customerassetsasof"
LOADED_TABLES = (CUSTOMER_TABLE, PHONE_TABLE, ASSETS_TABLE)
AGENT_USERNAME = "bench_agent"

# The generated rows (data.COLUMNS) carry each client's latest assets, which live in their own table: the
# loaders split every row into its customers_customer part and its customers_customerassets part.
_ASSET_SOURCES = ("id", "total_assets", "cash_balance", "market_value", "assets_as_of")
ASSETS_COLUMNS = ("customer_id", "total_assets", "cash_balance", "market_value", "changed_on")
CUSTOMER_COLUMNS = tuple(c for c in data.COLUMNS if c not in _ASSET_SOURCES[1:])
_CUSTOMER_POSITIONS = tuple(data.COLUMNS.index(c) for c in CUSTOMER_COLUMNS)
_ASSET_POSITIONS = tuple(data.COLUMNS.index(c) for c in _ASSET_SOURCES)


def _split(rows: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """(customer rows in CUSTOMER_COLUMNS order, assets rows in ASSETS_COLUMNS order)."""
    return ([tuple(row[i] for i in _CUSTOMER_POSITIONS) for row in rows],
            [tuple(row[i] for i in _ASSET_POSITIONS) for row in rows])


@dataclass
class Target:
    """One benchmark database: its kind, Django DATABASE_URL and where it lives."""

    vendor: str  # "postgresql" or "sqlite"
    url: str
    sqlite_path: Path | None = None
    meta: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return "PostgreSQL" if self.vendor == "postgresql" else "SQLite"


def postgres_target(url: str) -> Target:
    return Target("postgresql", url)


def sqlite_target(path: Path) -> Target:
    return Target("sqlite", f"sqlite:///{path}", sqlite_path=path)


def _pg_dbname(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _pg_admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


def postgres_reachable(url: str) -> str | None:
    """None when the server answers, else why not."""
    import psycopg

    try:
        psycopg.connect(_pg_admin_url(url), connect_timeout=3).close()
    except psycopg.Error as exc:
        return str(exc).strip()
    return None


# --- Probing and resetting (before Django is set up) ------------------------------------------------


def probe(target: Target, *, meta_table: str = META_TABLE, counted_table: str = CUSTOMER_TABLE,
          count_key: str = "customers") -> dict | None:
    """The load record if the database holds a complete load (the record is present and COUNT(*) of counted_table
    agrees with its count_key), else None. Other benchmarks (bench/tickets) pass their own tables."""
    if target.vendor == "postgresql":
        import psycopg

        try:
            conn = psycopg.connect(target.url, connect_timeout=3)
        except psycopg.OperationalError:
            return None  # no such database yet
        with conn:
            if None in conn.execute("SELECT to_regclass(%s), to_regclass(%s)", [meta_table, counted_table]).fetchone():
                return None
            row = conn.execute(f"SELECT value FROM {meta_table} WHERE key = 'load'").fetchone()
            count = conn.execute(f"SELECT count(*) FROM {counted_table}").fetchone()[0]
    else:
        if not target.sqlite_path.exists():
            return None
        conn = sqlite3.connect(target.sqlite_path)
        try:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not {meta_table, counted_table} <= names:
                return None
            row = conn.execute(f"SELECT value FROM {meta_table} WHERE key = 'load'").fetchone()
            count = conn.execute(f"SELECT count(*) FROM {counted_table}").fetchone()[0]
        finally:
            conn.close()
    if row is None:
        return None
    record = json.loads(row[0])
    return record if record.get(count_key) == count else None


def reset(target: Target) -> None:
    """An empty database: PostgreSQL drops and creates it, SQLite deletes the file."""
    if target.vendor == "postgresql":
        import psycopg

        name = _pg_dbname(target.url)
        with psycopg.connect(_pg_admin_url(target.url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{target.sqlite_path}{suffix}").unlink(missing_ok=True)
        target.sqlite_path.parent.mkdir(parents=True, exist_ok=True)


# --- Loading (Django is set up and the database migrated) ---------------------------------------------


def load_org() -> tuple[list[data.Branch], int]:
    """Company, centers, 36 branches with a client manager each, and the center agent the benchmark acts as."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from brokerdesk.org.choices import Role, Scope
    from brokerdesk.org.models import Branch, Company, ContactCenter, Staff

    with transaction.atomic():
        company = Company.objects.create(name="基准证券股份有限公司", short_name="基准证券", service_number="95000")
        centers = {
            code: ContactCenter.objects.create(company=company, code=code, name=name, kind=kind, province=province)
            for code, name, kind, province in data.CENTERS
        }
        managers = Group.objects.get(name=Role.CLIENT_MANAGER)
        branches = []
        serial = 0
        for province, city, center, streets in data.CITIES:
            for street in streets:
                serial += 1
                branch = Branch.objects.create(
                    company=company, code=f"B{serial:03d}", name=f"{city}{street}营业部", province=province,
                    city=city, serving_center=centers[center],
                )
                manager = Staff(username=f"bench_manager_{serial:03d}", display_name=f"客户经理{serial:03d}",
                                scope=Scope.BRANCH, branch=branch)
                manager.set_unusable_password()
                manager.save()
                manager.groups.add(managers)
                branches.append(data.Branch(branch.pk, province, city, street, manager.pk))
        agent = Staff(username=AGENT_USERNAME, display_name="基准坐席", scope=Scope.CENTER, center=centers["SC-GD"])
        agent.set_unusable_password()
        agent.save()
        agent.groups.add(Group.objects.get(name=Role.AGENT))
    return branches, agent.pk


@contextmanager
def _generated(plan: data.Plan, processes: int):
    """The generated chunks in order, from a pool of worker processes (forked before any database connection
    is opened, so no child inherits one)."""
    generate = partial(data.generate_chunk, plan)
    if processes <= 1:
        yield map(generate, plan.chunks())
        return
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        yield pool.imap(generate, plan.chunks())


class _Unique:
    """Resident IDs drawn at random collide now and then (birthday paradox): redraw those."""

    def __init__(self, seed: int):
        self.seen: set[str] = set()
        self.rng = random.Random(seed)
        self.redrawn = 0

    def __call__(self, rows: list[tuple]) -> list[tuple]:
        seen = self.seen
        position = data.ID_NUMBER
        for i, row in enumerate(rows):
            number = row[position]
            if number in seen:
                while number in seen:
                    number = data.fresh_identity(self.rng, row)
                rows[i] = (*row[:position], number, *row[position + 1 :])
                self.redrawn += 1
            seen.add(number)
        return rows


def load(target: Target, *, customers: int, processes: int = 2, migrate_seconds: float = 0.0, log=print) -> dict:
    """Load org and clients into the (empty, migrated) target; returns the load record."""
    from django.db import connection

    from brokerdesk.core.sqlite_pool.base import close_all_connections

    started = time.perf_counter()
    today = date.today()
    branches, _ = load_org()
    now = datetime.now(UTC).replace(microsecond=0)
    created_at = now.isoformat(sep=" ") if target.vendor == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S")
    # Branch weights: the long tail of data.BRANCH_WEIGHTS within each city.
    weights = tuple(data.BRANCH_WEIGHTS[i % len(data.BRANCH_WEIGHTS)] for i in range(len(branches)))
    plan = data.Plan(customers=customers, branches=tuple(branches), weights=weights, today=today,
                     created_at=created_at)
    vendor = connection.vendor
    close_all_connections()  # also the kept SQLite ones: the loader changes the journal mode
    unique = _Unique(data.SEED)
    with _generated(plan, processes) as chunks:
        if vendor == "postgresql":
            timings, phones = _load_postgres(target.url, chunks, unique, log)
        else:
            timings, phones = _load_sqlite(target.sqlite_path, chunks, unique, log)
    record = {
        "customers": customers,
        "phones": phones,
        "branches": len(branches),
        "seed": data.SEED,
        "redrawn_ids": unique.redrawn,
        "loaded_at": now.isoformat(),
        "generator_processes": processes,
        "seconds": {"migrate": migrate_seconds, "org": round(timings.pop("org_done") - started, 1), **timings,
                    "total": round(migrate_seconds + time.perf_counter() - started, 1)},
    }
    write_record(record)
    return record


def write_record(record: dict, *, meta_table: str = META_TABLE) -> None:
    """Store the load record (what probe reads back) in the benchmark's own table."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {meta_table} (key varchar(40) PRIMARY KEY, value text NOT NULL)")
        cur.execute(f"DELETE FROM {meta_table} WHERE key = 'load'")
        cur.execute(f"INSERT INTO {meta_table} (key, value) VALUES ('load', %s)", [json.dumps(record)])


def _progress(log, done: int, phase_started: float) -> None:
    if done % 500_000 == 0:
        log(f"    {done:>9,} clients  {time.perf_counter() - phase_started:6.1f} s")


def _load_postgres(url: str, chunks, unique: _Unique, log) -> tuple[dict, int]:
    import psycopg

    from brokerdesk.core.bulk import secondary_postgres

    timings = {"org_done": time.perf_counter()}
    with psycopg.connect(url) as conn:
        cur = conn.cursor()
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '1GB'")
        before = secondary_postgres(cur, LOADED_TABLES)
        for statement in before.drop:
            cur.execute(statement)
        # FREEZE writes the rows already frozen (no hint-bit rewrite on first read, no vacuum pass); it needs
        # the tables truncated in this transaction. They are empty: the database was created for this load.
        cur.execute(f"TRUNCATE {PHONE_TABLE}, {ASSETS_TABLE}, {CUSTOMER_TABLE} CASCADE")
        phase = time.perf_counter()
        phone_lines: list[bytes] = []
        asset_lines: list[bytes] = []
        assets_as_of = None
        phones = 0
        done = 0
        columns = ", ".join(CUSTOMER_COLUMNS)
        with cur.copy(f"COPY {CUSTOMER_TABLE} ({columns}) FROM STDIN (FREEZE)") as copy:
            for rows, phone_rows in chunks:
                customer_rows, asset_rows = _split(unique(rows))
                for row in customer_rows:
                    copy.write_row(row)
                # Phones and assets wait for the customers' COPY to end (one COPY at a time on a connection).
                phone_lines.append("".join(
                    f"{number}\t{kind}\t{'t' if primary else 'f'}\t{customer_id}\n"
                    for number, kind, primary, customer_id in phone_rows
                ).encode())
                asset_lines.append("".join("\t".join(map(str, row)) + "\n" for row in asset_rows).encode())
                assets_as_of = max(filter(None, (assets_as_of, *(row[-1] for row in asset_rows))), default=None)
                phones += len(phone_rows)
                done += len(rows)
                _progress(log, done, phase)
        timings["copy_customers"] = round(time.perf_counter() - phase, 1)
        phase = time.perf_counter()
        with cur.copy(f"COPY {PHONE_TABLE} ({', '.join(data.PHONE_COLUMNS)}) FROM STDIN (FREEZE)") as copy:
            for block in phone_lines:
                copy.write(block)
        phone_lines.clear()
        timings["copy_phones"] = round(time.perf_counter() - phase, 1)
        phase = time.perf_counter()
        with cur.copy(f"COPY {ASSETS_TABLE} ({', '.join(ASSETS_COLUMNS)}) FROM STDIN (FREEZE)") as copy:
            for block in asset_lines:
                copy.write(block)
        asset_lines.clear()
        cur.execute(f"DELETE FROM {ASSETS_AS_OF_TABLE}")
        if assets_as_of:
            cur.execute(f"INSERT INTO {ASSETS_AS_OF_TABLE} (id, as_of) VALUES (1, %s)", [assets_as_of])
        timings["copy_assets"] = round(time.perf_counter() - phase, 1)
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{CUSTOMER_TABLE}', 'id'), "
                    f"(SELECT max(id) FROM {CUSTOMER_TABLE}))")
        conn.commit()
        log("    rebuilding indexes and constraints")
        phase = time.perf_counter()
        for statement in before.restore:
            cur.execute(statement)
        conn.commit()
        if secondary_postgres(cur, LOADED_TABLES).restore != before.restore:
            raise RuntimeError("the rebuilt schema differs from the migrated one")
        conn.commit()
        timings["indexes"] = round(time.perf_counter() - phase, 1)
        phase = time.perf_counter()
        conn.autocommit = True
        cur.execute(f"VACUUM (ANALYZE) {CUSTOMER_TABLE}, {PHONE_TABLE}, {ASSETS_TABLE}")
        timings["analyze"] = round(time.perf_counter() - phase, 1)
    return timings, phones


def _load_sqlite(path: Path, chunks, unique: _Unique, log) -> tuple[dict, int]:
    timings = {"org_done": time.perf_counter()}
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # The load is the only connection: a rollback journal (it only records the few pages that existed
        # before) and no fsync; the database goes back to WAL, the mode the application runs in, afterwards.
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -2000000")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA foreign_keys = OFF")
        marks = ", ".join("?" * len(LOADED_TABLES))
        indexes = conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks})"
            " ORDER BY name",
            LOADED_TABLES,
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        insert_customer = (f"INSERT INTO {CUSTOMER_TABLE} ({', '.join(CUSTOMER_COLUMNS)}) "
                           f"VALUES ({', '.join('?' * len(CUSTOMER_COLUMNS))})")
        insert_assets = (f"INSERT INTO {ASSETS_TABLE} ({', '.join(ASSETS_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(ASSETS_COLUMNS))})")
        insert_phone = (f"INSERT INTO {PHONE_TABLE} ({', '.join(data.PHONE_COLUMNS)}) "
                        f"VALUES ({', '.join('?' * len(data.PHONE_COLUMNS))})")
        phase = time.perf_counter()
        phones = 0
        done = 0
        assets_as_of = None
        conn.execute("BEGIN")
        for rows, phone_rows in chunks:
            customer_rows, asset_rows = _split(unique(rows))
            conn.executemany(insert_customer, customer_rows)
            conn.executemany(insert_assets, asset_rows)
            assets_as_of = max(filter(None, (assets_as_of, *(row[-1] for row in asset_rows))), default=None)
            conn.executemany(insert_phone, phone_rows)
            phones += len(phone_rows)
            done += len(rows)
            _progress(log, done, phase)
            if done % 500_000 == 0:
                conn.execute("COMMIT")
                conn.execute("BEGIN")
        conn.execute(f"DELETE FROM {ASSETS_AS_OF_TABLE}")
        if assets_as_of:
            conn.execute(f"INSERT INTO {ASSETS_AS_OF_TABLE} (id, as_of) VALUES (1, ?)", [assets_as_of])
        conn.execute("COMMIT")
        timings["insert"] = round(time.perf_counter() - phase, 1)
        log("    rebuilding indexes")
        phase = time.perf_counter()
        for _, sql in indexes:
            conn.execute(sql)
        problems = conn.execute(f"PRAGMA foreign_key_check({PHONE_TABLE})").fetchall()
        problems += conn.execute(f"PRAGMA foreign_key_check({CUSTOMER_TABLE})").fetchall()
        problems += conn.execute(f"PRAGMA foreign_key_check({ASSETS_TABLE})").fetchall()
        if problems:
            raise RuntimeError(f"foreign key violations after the load: {problems[:5]}")
        timings["indexes"] = round(time.perf_counter() - phase, 1)
        phase = time.perf_counter()
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode = WAL")
        timings["analyze"] = round(time.perf_counter() - phase, 1)
    finally:
        conn.close()
    return timings, phones

"""Create, migrate and load the tickets benchmark database, or reuse it when it already holds the load asked for.

PostgreSQL: a dedicated database (bd_bench_tickets), dropped and created, migrated by `brokerdesk migrate` in a
subprocess; the organisation through the ORM; clients (bench.screen_pop's generator), tickets and SLA clocks
streamed with COPY … FREEZE while the tickets' and clocks' secondary indexes and constraints are dropped, then
rebuilt from the migrated definitions (checked identical), VACUUM ANALYZE.
SQLite: a file under var/bench, executemany in big transactions, indexes dropped and rebuilt, ANALYZE.

Table bench_tickets records what was loaded; --reuse keeps a database whose record and COUNT(*) agree.
"""

import random
import re
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, date, datetime

from bench.screen_pop import data as people
from bench.screen_pop import load as screen_pop_load
from bench.screen_pop.load import Target, postgres_reachable, postgres_target, reset, sqlite_target  # noqa: F401
from bench.tickets import data

META_TABLE = "bench_tickets"
TICKET_TABLE = "tickets_ticket"
TIMER_TABLE = "tickets_slatimer"
AGENT_USERNAME = "bench_hq_agent"
BRANCH_STAFF_USERNAME = "bench_branch_staff"
STAFF_PER_BRANCH = 3
AGENTS = 40
# 20 cities x 5 streets = 100 branches, each city served by the sub-center of its province (or HQ).
CITIES = [
    ("广东", "深圳", "SC-GD"), ("广东", "广州", "SC-GD"), ("广东", "东莞", "SC-GD"), ("广东", "佛山", "SC-GD"),
    ("上海", "上海", "SC-SH"), ("江苏", "南京", "SC-SH"), ("江苏", "苏州", "SC-SH"), ("北京", "北京", "SC-BJ"),
    ("天津", "天津", "SC-BJ"), ("河北", "石家庄", "SC-BJ"), ("浙江", "杭州", "SC-ZJ"), ("浙江", "宁波", "SC-ZJ"),
    ("浙江", "温州", "SC-ZJ"), ("四川", "成都", "SC-SC"), ("重庆", "重庆", "SC-SC"), ("湖北", "武汉", "HQ"),
    ("湖南", "长沙", "HQ"), ("福建", "福州", "HQ"), ("福建", "厦门", "HQ"), ("山东", "济南", "HQ"),
]
STREETS = ["中心", "人民路", "解放路", "新区", "高新区"]


def migrate(target: Target, env: dict) -> float:
    """`brokerdesk migrate` in its own process, as an operator runs it; returns the seconds it took."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "brokerdesk.cli", "migrate", "--no-input", "-v0"],
                   env={**env, "DATABASE_URL": target.url}, check=True)
    return round(time.perf_counter() - started, 1)


def probe(target: Target) -> dict | None:
    """The load record when the database holds a complete load (record present and COUNT(*) agrees)."""
    return screen_pop_load.probe(target, meta_table=META_TABLE, counted_table=TICKET_TABLE, count_key="tickets")


def _users(model, rows: list[dict], group) -> list:
    """Staff with unusable passwords (the benchmark signs in with force_login) in one group."""
    staff = []
    for row in rows:
        user = model(**row)
        user.set_unusable_password()
        staff.append(user)
    created = model.objects.bulk_create(staff)
    group.user_set.add(*created)
    return created


def load_org(branches: int) -> dict:
    """Company, HQ and sub-centers, `branches` branches with STAFF_PER_BRANCH branch staff each, center agents
    and supervisors, and the two users the benchmark signs in as. Returns ids for the generator."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from brokerdesk.org.choices import Role, Scope
    from brokerdesk.org.models import Branch, Company, ContactCenter, Staff
    from brokerdesk.tickets.models import TicketCategory

    weights = data.branch_weights(branches)
    with transaction.atomic():
        company = Company.objects.create(name="基准证券股份有限公司", short_name="基准证券", service_number="95000")
        centers = {code: ContactCenter.objects.create(company=company, code=code, name=name, kind=kind,
                                                      province=province)
                   for code, name, kind, province in people.CENTERS}
        rows = []
        for k in range(branches):
            province, city, center = CITIES[k % len(CITIES)]
            street = STREETS[(k // len(CITIES)) % len(STREETS)]
            suffix = f"{k // (len(CITIES) * len(STREETS)) + 1}" if k >= len(CITIES) * len(STREETS) else ""
            rows.append(Branch(company=company, code=f"T{k + 1:03d}", name=f"{city}{street}{suffix}营业部",
                               province=province, city=city, serving_center=centers[center]))
        branch_objects = Branch.objects.bulk_create(rows)
        group = Group.objects.get
        branch_staff_rows = [
            {"username": f"bench_branch_{b.code}_{i}", "display_name": f"{b.name}员工{i}", "scope": Scope.BRANCH,
             "branch": b}
            for b in branch_objects for i in range(1, STAFF_PER_BRANCH + 1)]
        branch_staff = _users(Staff, branch_staff_rows, group(name=Role.BRANCH_STAFF))
        agent_rows = [{"username": f"bench_agent_{i:03d}", "display_name": f"坐席{i:03d}", "scope": Scope.CENTER,
                       "center": list(centers.values())[i % len(centers)]} for i in range(AGENTS)]
        agents = _users(Staff, agent_rows, group(name=Role.AGENT))
        _users(Staff, [{"username": f"bench_supervisor_{code}", "display_name": f"{code}值班长", "scope": Scope.CENTER,
                        "center": center} for code, center in centers.items()], group(name=Role.SUPERVISOR))
        # The two users the queue is measured as: an HQ agent (sees every branch) and staff of the biggest branch.
        _users(Staff, [{"username": AGENT_USERNAME, "display_name": "基准总部坐席", "scope": Scope.CENTER,
                        "center": centers["HQ"]}], group(name=Role.AGENT))
        _users(Staff, [{"username": BRANCH_STAFF_USERNAME, "display_name": "基准营业部员工", "scope": Scope.BRANCH,
                        "branch": branch_objects[0]}], group(name=Role.BRANCH_STAFF))
    staff_by_branch: dict[int, list[int]] = {}
    for user in branch_staff:
        staff_by_branch.setdefault(user.branch_id, []).append(user.pk)
    return {
        "branch_ids": tuple(b.pk for b in branch_objects),
        "weights": weights,
        "branch_staff": {k: tuple(v) for k, v in staff_by_branch.items()},
        "agents": tuple(a.pk for a in agents),
        "categories": dict(TicketCategory.objects.values_list("code", "id")),
        "big_branch": branch_objects[0].pk,
    }


def _customer_rows(org: dict, customers: int, created_at: str) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """bench.screen_pop's generator (valid resident IDs, unique mobiles) over this organisation's branches."""
    branches = tuple(people.Branch(pk, "", "", "", None) for pk in org["branch_ids"])
    plan = people.Plan(customers=customers, branches=branches, weights=org["weights"], today=date.today(),
                       created_at=created_at, seed=data.SEED)
    unique = screen_pop_load._Unique(data.SEED)
    customer_rows, asset_rows, phone_rows = [], [], []
    for chunk in plan.chunks():
        rows, phones = people.generate_chunk(plan, chunk)
        c, a = screen_pop_load._split(unique(rows))
        customer_rows += c
        asset_rows += a
        phone_rows += phones
    return customer_rows, asset_rows, phone_rows


def load(target: Target, *, tickets: int, timers: int, stopped_timers: int, customers: int, branches: int,
         migrate_seconds: float, log=print) -> dict:
    """Load everything into the (empty, migrated) target; returns the load record."""
    from brokerdesk.core.sqlite_pool.base import close_all_connections

    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    org = load_org(branches)
    org_seconds = round(time.perf_counter() - started, 1)
    created_at = now.isoformat(sep=" ") if target.vendor == "postgresql" else now.strftime("%Y-%m-%d %H:%M:%S")
    customer_rows, asset_rows, phone_rows = _customer_rows(org, customers, created_at)
    home = screen_pop_load.CUSTOMER_COLUMNS.index("home_branch_id")
    by_branch: dict[int, list[int]] = {}
    for row in customer_rows:
        by_branch.setdefault(row[home], []).append(row[0])
    generator_org = data.Org(branch_ids=org["branch_ids"], branch_weights=org["weights"],
                             branch_staff=org["branch_staff"], agents=org["agents"],
                             customers={k: tuple(v) for k, v in by_branch.items()}, categories=org["categories"])
    plan = data.Plan(tickets=tickets, now=now)
    close_all_connections()  # also the kept SQLite ones: the loader changes the journal mode
    loader = _load_postgres if target.vendor == "postgresql" else _load_sqlite
    timings = loader(target, plan, generator_org, customer_rows, asset_rows, phone_rows, timers, stopped_timers,
                     log)
    record = {
        "tickets": tickets,
        "open_tickets": len(plan.counts["open"]),
        "running_timers": timers if plan.counts["open"] else 0,
        "stopped_timers": stopped_timers,
        "customers": customers,
        "branches": branches,
        "staff": len(org["agents"]) + sum(len(v) for v in org["branch_staff"].values()),
        "big_branch_id": org["big_branch"],
        "seed": data.SEED,
        "loaded_at": now.isoformat(),
        "seconds": {"migrate": migrate_seconds, "org": org_seconds, **timings,
                    "total": round(migrate_seconds + time.perf_counter() - started, 1)},
    }
    screen_pop_load.write_record(record, meta_table=META_TABLE)
    return record


def _progress(log, done: int, phase_started: float) -> None:
    if done % 250_000 == 0:
        log(f"    {done:>9,} tickets  {time.perf_counter() - phase_started:6.1f} s")


def _schema_names(statements: list[str]) -> list[str]:
    """The index and constraint names a list of restore statements creates."""
    return sorted(name for statement in statements
                  for name in re.findall(r"(?:INDEX|CONSTRAINT) (\S+)", statement))


def _load_postgres(target, plan, org, customer_rows, asset_rows, phone_rows, timers, stopped_timers, log) -> dict:
    import psycopg

    from brokerdesk.core.bulk import secondary_postgres

    timings = {}
    tables = (TICKET_TABLE, TIMER_TABLE)
    with psycopg.connect(target.url) as conn:
        cur = conn.cursor()
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET maintenance_work_mem = '512MB'")
        phase = time.perf_counter()
        for table, columns, rows in (
                (screen_pop_load.CUSTOMER_TABLE, screen_pop_load.CUSTOMER_COLUMNS, customer_rows),
                (screen_pop_load.ASSETS_TABLE, screen_pop_load.ASSETS_COLUMNS, asset_rows),
                (screen_pop_load.PHONE_TABLE, people.PHONE_COLUMNS, phone_rows)):
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{screen_pop_load.CUSTOMER_TABLE}', 'id'), "
                    f"(SELECT max(id) FROM {screen_pop_load.CUSTOMER_TABLE}))")
        conn.commit()  # the clients' deferred foreign-key checks run here, before the tickets' schema changes
        timings["copy_customers"] = round(time.perf_counter() - phase, 1)
        before = secondary_postgres(cur, tables)
        for statement in before.drop:
            cur.execute(statement)
        cur.execute(f"TRUNCATE {TIMER_TABLE}, {TICKET_TABLE} CASCADE")  # empty; lets COPY write frozen rows
        phase = time.perf_counter()
        done = 0
        with cur.copy(f"COPY {TICKET_TABLE} ({', '.join(data.TICKET_COLUMNS)}) FROM STDIN (FREEZE)") as copy:
            for row in data.ticket_rows(plan, org):
                copy.write_row(row)
                done += 1
                _progress(log, done, phase)
        timings["copy_tickets"] = round(time.perf_counter() - phase, 1)
        phase = time.perf_counter()
        running = data.running_timer_rows(plan, timers)
        stopped = data.stopped_timer_rows(plan, stopped_timers, plan.tickets, len(running) + 1)
        with cur.copy(f"COPY {TIMER_TABLE} ({', '.join(data.TIMER_COLUMNS)}) FROM STDIN (FREEZE)") as copy:
            for row in running:
                copy.write_row(row)
            for row in stopped:
                copy.write_row(row)
        for table in tables:
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 1) FROM {table}))")
        timings["copy_timers"] = round(time.perf_counter() - phase, 1)
        conn.commit()
        log("    rebuilding indexes and constraints")
        phase = time.perf_counter()
        for statement in before.restore:
            cur.execute(statement)
        conn.commit()
        # Compared by name: PostgreSQL prints a re-created partial index's predicate in another (equivalent) form.
        if _schema_names(secondary_postgres(cur, tables).restore) != _schema_names(before.restore):
            raise RuntimeError("the rebuilt schema differs from the migrated one")
        conn.commit()
        timings["indexes"] = round(time.perf_counter() - phase, 1)
        phase = time.perf_counter()
        conn.autocommit = True
        cur.execute("VACUUM (ANALYZE)")
        timings["analyze"] = round(time.perf_counter() - phase, 1)
    return timings


def _sqlite_value(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_rows(rows):
    for row in rows:
        yield tuple(_sqlite_value(v) for v in row)


def _load_sqlite(target, plan, org, customer_rows, asset_rows, phone_rows, timers, stopped_timers, log) -> dict:
    timings = {}
    conn = sqlite3.connect(target.sqlite_path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -1000000")
        conn.execute("PRAGMA foreign_keys = OFF")

        def insert(table: str, columns, rows) -> None:
            conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                             _sqlite_rows(rows))

        phase = time.perf_counter()
        conn.execute("BEGIN")
        insert(screen_pop_load.CUSTOMER_TABLE, screen_pop_load.CUSTOMER_COLUMNS, customer_rows)
        insert(screen_pop_load.ASSETS_TABLE, screen_pop_load.ASSETS_COLUMNS, asset_rows)
        insert(screen_pop_load.PHONE_TABLE, people.PHONE_COLUMNS, phone_rows)
        conn.execute("COMMIT")
        timings["insert_customers"] = round(time.perf_counter() - phase, 1)
        tables = (TICKET_TABLE, TIMER_TABLE)
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (?, ?) "
            "ORDER BY name", tables).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        phase = time.perf_counter()
        conn.execute("BEGIN")
        insert(TICKET_TABLE, data.TICKET_COLUMNS, data.ticket_rows(plan, org))
        conn.execute("COMMIT")
        timings["insert_tickets"] = round(time.perf_counter() - phase, 1)
        phase = time.perf_counter()
        running = data.running_timer_rows(plan, timers)
        conn.execute("BEGIN")
        insert(TIMER_TABLE, data.TIMER_COLUMNS, running)
        insert(TIMER_TABLE, data.TIMER_COLUMNS, data.stopped_timer_rows(plan, stopped_timers, plan.tickets,
                                                                        len(running) + 1))
        conn.execute("COMMIT")
        timings["insert_timers"] = round(time.perf_counter() - phase, 1)
        log("    rebuilding indexes")
        phase = time.perf_counter()
        for _, sql in indexes:
            conn.execute(sql)
        problems = conn.execute(f"PRAGMA foreign_key_check({TICKET_TABLE})").fetchall()
        problems += conn.execute(f"PRAGMA foreign_key_check({TIMER_TABLE})").fetchall()
        if problems:
            raise RuntimeError(f"foreign key violations after the load: {problems[:5]}")
        timings["indexes"] = round(time.perf_counter() - phase, 1)
        phase = time.perf_counter()
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode = WAL")
        timings["analyze"] = round(time.perf_counter() - phase, 1)
    finally:
        conn.close()
    return timings


def big_branch_open_number(big_branch_id: int) -> str:
    """An existing open ticket of the big branch (visible to both users under the default open filter)."""
    from brokerdesk.tickets.choices import OPEN_STATUSES
    from brokerdesk.tickets.models import Ticket

    numbers = list(Ticket.objects.filter(branch_id=big_branch_id, status__in=OPEN_STATUSES)
                   .order_by("id").values_list("number", flat=True)[:200])
    return random.Random(data.SEED).choice(numbers)

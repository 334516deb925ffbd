"""bench/tickets: the ticket queue page with a million tickets, and the SLA sweep over 100k running clocks.

    python -m bench.tickets --db postgresql|sqlite [--tickets 1000000] [--timers 100000] [--reuse] [--out FILE]

Creates the dedicated benchmark database (dropped and created again unless --reuse finds the same load), migrates
it with `brokerdesk migrate`, loads an organisation, clients, tickets and SLA clocks, then measures
GET /tickets/ end to end through django.test.Client as an HQ agent (every branch) and as staff of the biggest
branch, with the queries of each request and the plans of the queue query; and sla_sweep() with nothing due
and with --due clocks due. Writes the figures as JSON (default var/bench/results/tickets-<db>.json) for
bench.report. Targets: queue p95 ≤ 100 ms, sweep ≤ 50 ms.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.report import machine
from bench.tickets import data, load, measure

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bd_bench_tickets"
TARGETS = {"queue_p95_ms": 100.0, "sweep_ms": 50.0}
USERS = (("hq_agent", load.AGENT_USERNAME), ("branch_staff", load.BRANCH_STAFF_USERNAME))


def log(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tickets", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], required=True)
    parser.add_argument("--tickets", type=int, default=data.DEFAULT_TICKETS)
    parser.add_argument("--timers", type=int, default=data.DEFAULT_TIMERS, help="running SLA clocks")
    parser.add_argument("--stopped-timers", type=int, default=data.DEFAULT_STOPPED_TIMERS,
                        help="met clocks of old tickets (nothing left to fire)")
    parser.add_argument("--customers", type=int, default=data.DEFAULT_CUSTOMERS)
    parser.add_argument("--branches", type=int, default=data.DEFAULT_BRANCHES)
    parser.add_argument("--reuse", action="store_true", help="keep a database that already holds this load")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per user and queue variant")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up requests per user and queue variant")
    parser.add_argument("--sweeps", type=int, default=100, help="timed sweeps with nothing due")
    parser.add_argument("--due", type=int, default=200, help="clocks due in each firing sweep")
    parser.add_argument("--fire-runs", type=int, default=5, help="firing sweeps (fresh due clocks each)")
    parser.add_argument("--quiet-wait", type=float, default=60,
                        help="seconds to wait at most for a quiet machine before measuring")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    var_dir = Path(os.environ.get("BROKERDESK_VAR_DIR") or ROOT / "var" / "bench").resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    out = args.out or var_dir / "results" / f"tickets-{args.db}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.db == "postgresql":
        target = load.postgres_target(os.environ.get("BENCH_TICKETS_POSTGRES_URL", DEFAULT_POSTGRES_URL))
        why = load.postgres_reachable(target.url)
        if why:
            log(f"PostgreSQL is not reachable ({why}): tickets on PostgreSQL skipped.")
            out.write_text(json.dumps({"benchmark": "tickets", "db": target.label, "skipped": why}, indent=2))
            return 1 if os.environ.get("REQUIRE_POSTGRES") == "1" else 0
    else:
        target = load.sqlite_target(var_dir / "tickets.sqlite3")

    log(f"== tickets on {target.label}")
    loadavg_before = os.getloadavg()
    wanted = {"tickets": args.tickets, "running_timers": args.timers, "stopped_timers": args.stopped_timers,
              "customers": args.customers, "branches": args.branches}
    record = load.probe(target) if args.reuse else None
    if record is not None and any(record.get(k) != v for k, v in wanted.items()):
        record = None
    env = {**os.environ, "BROKERDESK_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "brokerdesk.settings"}
    migrate_seconds = 0.0
    if record is None:
        log(f"  creating the benchmark database: {args.tickets:,} tickets, {args.timers:,} running clocks")
        load.reset(target)
        migrate_seconds = load.migrate(target, env)
    else:
        log(f"  reusing the loaded database ({record['tickets']:,} tickets, loaded {record['loaded_at']})")

    os.environ.update({"DATABASE_URL": target.url, "BROKERDESK_VAR_DIR": str(var_dir),
                       "DJANGO_SETTINGS_MODULE": "brokerdesk.settings"})
    import django

    django.setup()
    from django.db import connections

    reused = record is not None
    if record is None:
        record = load.load(target, tickets=args.tickets, timers=args.timers, stopped_timers=args.stopped_timers,
                           customers=args.customers, branches=args.branches, migrate_seconds=migrate_seconds,
                           log=log)
        log(f"  loaded in {record['seconds']['total']} s: {record['seconds']}")

    from brokerdesk.org.models import Staff
    from brokerdesk.tickets.choices import OPEN_STATUSES
    from brokerdesk.tickets.models import SlaTimer, Ticket

    # Leftovers of an interrupted run: clocks the benchmark inserted beyond the load.
    SlaTimer.objects.filter(pk__gt=record["running_timers"] + record["stopped_timers"]).delete()
    users = {label: Staff.objects.get(username=name) for label, name in USERS}
    number = load.big_branch_open_number(record["big_branch_id"])
    big_branch = {"id": record["big_branch_id"],
                  "tickets": Ticket.objects.filter(branch_id=record["big_branch_id"]).count(),
                  "open": Ticket.objects.filter(branch_id=record["big_branch_id"], status__in=OPEN_STATUSES).count()}

    loadavg_at = {"queue": measure.wait_for_quiet(args.quiet_wait, log=log)}
    log(f"  queue: {args.warmup} warm-up, then {args.requests} requests per user and variant "
        f"({len(users) * len(measure.QUEUE_VARIANTS)} variants, interleaved)")
    queue = measure.queue_timings(users, number, requests=args.requests, warmup=args.warmup, log=log)
    for label, by_variant in queue.items():
        for name, s in by_variant.items():
            log(f"    {label:12} {name:10} p50 {s['p50_ms']:8.1f}  p95 {s['p95_ms']:8.1f}  p99 {s['p99_ms']:8.1f} ms")
    queries = measure.queue_queries(users, number)
    plans = {}
    for label, by_variant in queries.items():
        for name, sqls in by_variant.items():
            main_sql = measure.main_queue_query(sqls)
            if main_sql:
                plan = measure.explain(main_sql)
                plans.setdefault(label, {})[name] = {"sql": main_sql, "plan": plan,
                                                     "summary": measure.plan_summary(plan)}

    # The sweep acts at a fixed moment just after the load, so a reused database sees the same clocks due.
    sweep_now = datetime.fromisoformat(record["loaded_at"]) + timedelta(seconds=30)
    loadavg_at["sweep"] = measure.wait_for_quiet(args.quiet_wait, log=log)
    log(f"  sweep with nothing due: {args.sweeps} runs")
    idle = measure.sweep_nothing_due(sweep_now, args.sweeps)
    log(f"    p50 {idle['p50_ms']} ms, p95 {idle['p95_ms']} ms, {idle['queries']} queries")
    open_tickets = list(Ticket.objects.filter(status__in=OPEN_STATUSES).order_by("id")
                        .values_list("id", "created_at")[:20_000])
    log(f"  sweep firing {args.due} due clocks: {args.fire_runs} runs")
    firing = measure.sweep_firing(open_tickets, sweep_now, due=args.due, runs=args.fire_runs, log=log)
    log(f"    median {firing['median_ms']} ms, {firing['queries']} queries")
    sizes, versions = _sizes_and_versions(target)
    connections.close_all()

    worst = {label: max(s["p95_ms"] for s in by_variant.values()) for label, by_variant in queue.items()}
    result = {
        "benchmark": "tickets",
        "db": target.label,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "versions": versions,
        "machine": machine(),
        "data": {k: record[k] for k in ("tickets", "open_tickets", "running_timers", "stopped_timers", "customers",
                                        "branches", "staff")} | {"big_branch": big_branch} | sizes,
        "load": {**record, "reused": reused},
        "client": "django.test.Client in-process (whole Django request, force_login session), plus "
                  "close_old_connections() after each request",
        "queue": {"requests": args.requests, "warmup": args.warmup, "number": number,
                  "variants": {name: params for name, params in measure.variants(number)},
                  "latency": queue,
                  "queries_per_request": {label: {name: len(sqls) for name, sqls in by_variant.items()}
                                          for label, by_variant in queries.items()},
                  "queries": queries, "plans": plans},
        "sweep": {"nothing_due": idle, "firing": firing, "now": sweep_now.isoformat()},
        "targets": TARGETS,
        "verdicts": {
            **{f"queue_{label}": "met" if p95 <= TARGETS["queue_p95_ms"] else "missed" for label, p95 in worst.items()},
            "sweep_nothing_due": "met" if idle["p95_ms"] <= TARGETS["sweep_ms"] else "missed",
            "sweep_firing": "met" if firing["median_ms"] <= TARGETS["sweep_ms"] else "missed",
        },
        "loadavg": {"before": [round(x, 2) for x in loadavg_before], **loadavg_at,
                    "after": [round(x, 2) for x in os.getloadavg()]},
    }
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    log(f"  figures written to {out}")
    return 0


def _sizes_and_versions(target) -> tuple[dict, dict]:
    import django
    from django.db import connection

    versions = {"django": django.get_version()}
    with connection.cursor() as cur:
        if target.vendor == "postgresql":
            cur.execute("SHOW server_version")
            versions["postgresql"] = cur.fetchone()[0]
            cur.execute("SHOW shared_buffers")
            versions["shared_buffers"] = cur.fetchone()[0]
            cur.execute("SELECT pg_database_size(current_database()), pg_total_relation_size(%s), "
                        "pg_indexes_size(%s), pg_total_relation_size(%s)",
                        [load.TICKET_TABLE, load.TICKET_TABLE, load.TIMER_TABLE])
            database, tickets, ticket_indexes, timers = cur.fetchone()
            sizes = {"database_bytes": database, "ticket_table_bytes": tickets, "ticket_index_bytes": ticket_indexes,
                     "timer_table_bytes": timers}
        else:
            versions["sqlite"] = sqlite3.sqlite_version
            sizes = {"database_bytes": target.sqlite_path.stat().st_size}
    return sizes, versions


def _git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "src"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}"


if __name__ == "__main__":
    sys.exit(main())

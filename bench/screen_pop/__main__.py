"""bench/screen_pop: caller phone number -> customer card with 3 million clients, on one database.

    python -m bench.screen_pop --db postgresql|sqlite [--reload] [--customers N] [--out FILE]

Loads (or reuses) the dedicated benchmark database, then measures GET /api/v1/customers/lookup?phone=...:
server time in-process (django.test.Client) and requests/s against uvicorn, for phones that exist and phones
that do not, and records the query plans. Writes the figures as JSON (default var/bench/results/) for
bench.report. scripts/run-bench runs it for both databases.
"""

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.screen_pop import data, load, measure

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/brokerdesk_bench"
SAMPLE = 20_000  # phones drawn for the runs (existing and unknown alike)


def log(message: str) -> None:
    print(message, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.screen_pop", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], required=True)
    parser.add_argument("--customers", type=int, default=data.DEFAULT_CUSTOMERS)
    parser.add_argument("--reload", action="store_true", help="drop and load the benchmark database again")
    parser.add_argument("--requests", type=int, default=3000, help="timed in-process requests per phone kind")
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=15, help="duration of each HTTP load run")
    parser.add_argument("--warmup-seconds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--connections", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--processes", type=int, default=2, help="data generator processes")
    parser.add_argument("--skip-http", action="store_true", help="in-process timing only")
    parser.add_argument("--load-only", action="store_true", help="load (or check) the database, measure nothing")
    parser.add_argument("--quiet-wait", type=float, default=120,
                        help="seconds to wait at most for a quiet machine before each measurement")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.requests > SAMPLE or args.warmup > SAMPLE:
        parser.error(f"--requests and --warmup are at most {SAMPLE}")

    var_dir = Path(os.environ.get("BROKERDESK_VAR_DIR") or ROOT / "var" / "bench").resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    out = args.out or var_dir / "results" / f"screen_pop-{args.db}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.db == "postgresql":
        target = load.postgres_target(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
        why = load.postgres_reachable(target.url)
        if why:
            log(f"PostgreSQL is not reachable ({why}): screen_pop on PostgreSQL skipped.")
            out.write_text(json.dumps({"benchmark": "screen_pop", "db": target.label, "skipped": why}, indent=2))
            return 1 if os.environ.get("REQUIRE_POSTGRES") == "1" else 0
    else:
        target = load.sqlite_target(var_dir / "screen_pop.sqlite3")

    log(f"== screen_pop on {target.label}")
    loadavg_before = os.getloadavg()
    record = None if args.reload else load.probe(target)
    if record is not None and record["customers"] != args.customers:
        record = None
    if record is None:
        log(f"  creating the benchmark database and loading {args.customers:,} clients")
        load.reset(target)
    else:
        log(f"  reusing the loaded benchmark database ({record['customers']:,} clients, loaded {record['loaded_at']})")

    os.environ["DATABASE_URL"] = target.url
    os.environ["BROKERDESK_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "brokerdesk.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    migrate_started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_seconds = round(time.perf_counter() - migrate_started, 1)
    reused = record is not None
    if record is None:
        record = load.load(target, customers=args.customers, processes=args.processes,
                           migrate_seconds=migrate_seconds, log=log)
        log(f"  loaded in {record['seconds']['total']} s: {record['seconds']}")

    if args.load_only:
        return 0

    from brokerdesk.org.models import Staff
    from brokerdesk.org.tokens import token_create

    agent = Staff.objects.get(username=load.AGENT_USERNAME)
    _, token = token_create(actor=None, user=agent, name="bench screen_pop", scopes=["customers:read"])
    rng = random.Random(data.SEED)
    hits = [data.primary_mobile(i) for i in rng.sample(range(args.customers), SAMPLE)]
    misses = [data.primary_mobile(args.customers + i) for i in rng.sample(range(args.customers), SAMPLE)]

    loadavg_at = {"in_process": measure.wait_for_quiet(args.quiet_wait, log=log)}
    log(f"  in-process: {args.warmup} warm-up, then {args.requests} existing + {args.requests} unknown phones")
    server_time = measure.in_process(token=token, hits=hits, misses=misses, requests=args.requests,
                                     warmup=args.warmup, rng=rng)
    log(f"    existing {server_time['hit']}\n    unknown  {server_time['miss']}")
    queries = measure.queries_of_one_request(token=token, phone=hits[0])
    miss_queries = measure.queries_of_one_request(token=token, phone=misses[0])
    plans = measure.query_plans(queries)
    sizes, versions = _sizes_and_versions(target)
    connections.close_all()

    http = None
    if not args.skip_http:
        log(f"  HTTP: uvicorn, {args.workers} workers, {args.connections} connections, {args.seconds} s a run")
        loadavg_at["http"] = measure.wait_for_quiet(args.quiet_wait, log=log)
        sessions_before = _pg_sessions(target)
        http = measure.http_load(
            env={"DATABASE_URL": target.url, "BROKERDESK_VAR_DIR": str(var_dir)}, token=token, hits=hits,
            misses=misses, workdir=var_dir / "work", workers=args.workers, connections=args.connections,
            seconds=args.seconds, warmup_seconds=args.warmup_seconds, log=log,
        )
        sessions_after = _pg_sessions(target)
        if sessions_before is not None and sessions_after is not None:
            http["db_sessions"] = sessions_after - sessions_before - 1  # less the one counting them
        log(f"    existing {http['hit']}\n    unknown  {http['miss']}")

    result = {
        "benchmark": "screen_pop",
        "db": target.label,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "versions": versions,
        "data": {"customers": record["customers"], "phones": record["phones"], "branches": record["branches"],
                 **sizes},
        "load": {**record, "reused": reused},
        "server_time": {**server_time, "queries_per_request": len(queries),
                        "queries_per_request_miss": len(miss_queries)},
        "queries": queries,
        "plans": plans,
        "http": http,
        "loadavg": {"before": [round(x, 2) for x in loadavg_before], **loadavg_at,
                    "after": [round(x, 2) for x in os.getloadavg()]},
    }
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    log(f"  figures written to {out}")
    return 0


def _sizes_and_versions(target: load.Target) -> tuple[dict, dict]:
    import django
    import uvicorn
    from django.db import connection

    versions = {"django": django.get_version(), "uvicorn": uvicorn.__version__}
    with connection.cursor() as cur:
        if target.vendor == "postgresql":
            cur.execute("SHOW server_version")
            versions["postgresql"] = cur.fetchone()[0]
            cur.execute("SHOW shared_buffers")
            versions["shared_buffers"] = cur.fetchone()[0]
            cur.execute(
                "SELECT pg_database_size(current_database()), pg_total_relation_size(%s), pg_indexes_size(%s), "
                "pg_total_relation_size(%s), pg_indexes_size(%s)",
                [load.CUSTOMER_TABLE, load.CUSTOMER_TABLE, load.PHONE_TABLE, load.PHONE_TABLE],
            )
            database, customers, customer_indexes, phones, phone_indexes = cur.fetchone()
            sizes = {"database_bytes": database, "customer_table_bytes": customers,
                     "customer_index_bytes": customer_indexes, "phone_table_bytes": phones,
                     "phone_index_bytes": phone_indexes}
        else:
            versions["sqlite"] = sqlite3.sqlite_version
            sizes = {"database_bytes": target.sqlite_path.stat().st_size}
    return sizes, versions


def _pg_sessions(target: load.Target) -> int | None:
    """Sessions ever opened to the benchmark database (PostgreSQL's statistics lag a moment: wait for them)."""
    if target.vendor != "postgresql":
        return None
    import psycopg

    time.sleep(1.5)
    with psycopg.connect(target.url) as conn:
        row = conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()
    return int(row[0])


def _git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "src"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' + uncommitted changes in src/' if dirty else ''}"


if __name__ == "__main__":
    sys.exit(main())

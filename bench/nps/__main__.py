"""bench/nps: NPS by branch x month over 1,000,000 survey responses, on SQLite and on PostgreSQL.

    python -m bench.nps [--db postgresql,sqlite] [--responses 1000000] [--branches 200] [--months 24] [--runs 5]

For each database, in its own process: a new database (PostgreSQL: bd_bench_nps, dropped and created; SQLite:
var/bench/nps.sqlite3, deleted), `brokerdesk migrate`, an organisation of `--branches` branches, one theme,
survey and campaign, then the responses bulk-loaded straight into surveys_response (COPY on PostgreSQL,
executemany in one transaction on SQLite), spread uniformly over the branches and over `--months` months
(Shanghai time), each branch with its own score mix; 2 % experience officers' responses; then ANALYZE, and
the daily NPS counts (surveys/nps_daily.py; the submission keeps them one response at a time) built in bulk.
Timed, with the application's own code as a company-wide reviewer sees it (permission check, scoping, the SQL
aggregate, labels and confidence intervals): surveys.analytics.branch_month_table (NPS by branch x month over the
whole range: the target, <= 1 s), then nps_by(branch) and the whole dashboard for reference. One warm-up call,
then --runs timed calls (the dashboard once); p50 and max. Figures go to var/bench/results/nps-<db>.json
(BROKERDESK_VAR_DIR, default var/bench).
"""

import argparse
import json
import os
import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.intake.__main__ import ROOT, _git_commit, _recreate_postgres
from bench.report import machine

TARGET_SECONDS = 1.0
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bd_bench_nps"
CHANNELS = ("sms", "sms", "email", "web", "phone")
FIRST_MONTH = date(2024, 1, 1)
COLUMNS = ("campaign_id", "survey_id", "theme_id", "branch_id", "channel", "submitted_at", "nps_score",
           "nps_group", "comment", "is_experience_officer")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nps", description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="postgresql,sqlite")
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--branches", type=int, default=200)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # the child process: one database
    args = parser.parse_args()
    var_dir = Path(os.environ.get("BROKERDESK_VAR_DIR") or ROOT / "var" / "bench").resolve()
    if args.one:
        print(json.dumps(run_one(args)))
        return 0
    results = var_dir / "results"
    results.mkdir(parents=True, exist_ok=True)
    status = 0
    for db in args.db.split(","):
        label = "PostgreSQL" if db == "postgresql" else "SQLite"
        print(f"== nps on {label}: {args.responses:,} responses, {args.branches} branches x {args.months} months",
              flush=True)
        if db == "postgresql":
            url = os.environ.get("BENCH_NPS_POSTGRES_URL", DEFAULT_POSTGRES_URL)
            why = _recreate_postgres(url)
            if why:
                figures = {"benchmark": "nps", "db": label, "skipped": f"PostgreSQL is not reachable ({why})"}
                (results / f"nps-{db}.json").write_text(json.dumps(figures, indent=2) + "\n")
                print(f"  skipped: {why}")
                continue
        else:
            path = var_dir / "nps.sqlite3"
            path.parent.mkdir(parents=True, exist_ok=True)
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        env = {**os.environ, "DATABASE_URL": url, "BROKERDESK_VAR_DIR": str(var_dir),
               "DJANGO_SETTINGS_MODULE": "brokerdesk.settings", "PYTHONPATH": str(ROOT)}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "brokerdesk.cli", "migrate", "--no-input", "-v0"], env=env, check=True)
        migrate_seconds = round(time.perf_counter() - started, 1)
        done = subprocess.run([sys.executable, "-m", "bench.nps", "--one", db, "--responses", str(args.responses),
                               "--branches", str(args.branches), "--months", str(args.months),
                               "--runs", str(args.runs)], env=env, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            status = 1
            continue
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        figures.update({"benchmark": "nps", "db": label, "commit": _git_commit(),
                        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()})
        figures["load"]["seconds"]["migrate"] = migrate_seconds
        (results / f"nps-{db}.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
        t = figures["timings"]["branch_month"]
        print(f"  loaded in {figures['load']['seconds']}; branch x month p50 {t['p50_s']} s (max {t['max_s']} s, "
              f"{figures['timings']['branch_month']['groups']:,} groups) against {TARGET_SECONDS:g} s: "
              f"{figures['verdict']}", flush=True)
    return status


def _month_start(months_after: int) -> date:
    y, m = divmod(FIRST_MONTH.month - 1 + months_after, 12)
    return date(FIRST_MONTH.year + y, m + 1, 1)


def rows(responses: int, branch_ids: list[int], months: int, ids: dict, seed: int = 11):
    """(column values...) per response, in COLUMNS order; submitted_at as UTC text both databases read."""
    rng = random.Random(seed)
    start = datetime(FIRST_MONTH.year, FIRST_MONTH.month, 1, tzinfo=UTC) - timedelta(hours=8)  # Shanghai midnight
    span = int((datetime.combine(_month_start(months), datetime.min.time(), tzinfo=UTC) - timedelta(hours=8)
                - start).total_seconds())
    # Each branch its own mix: promoters 30-70 %, detractors 5-35 %.
    mixes = {b: (rng.uniform(0.30, 0.70), rng.uniform(0.05, 0.35)) for b in branch_ids}
    epoch = start.timestamp()
    for _ in range(responses):
        branch = rng.choice(branch_ids)
        p, d = mixes[branch]
        u = rng.random()
        score = rng.choice((9, 10)) if u < p else (rng.randrange(0, 7) if u < p + d else rng.choice((7, 8)))
        group = "promoter" if score >= 9 else ("passive" if score >= 7 else "detractor")
        at = datetime.fromtimestamp(epoch + rng.randrange(span), UTC)
        yield (ids["campaign"], ids["survey"], ids["theme"], branch, rng.choice(CHANNELS),
               at.strftime("%Y-%m-%d %H:%M:%S"), score, group, "", rng.random() < 0.02)


def run_one(args) -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from brokerdesk.org.choices import Role, Scope
    from brokerdesk.org.models import Branch, Company, ContactCenter, Staff
    from brokerdesk.surveys import analytics
    from brokerdesk.surveys.models import Campaign, Survey, Theme

    seconds = {}
    started = time.perf_counter()
    with transaction.atomic():
        company = Company.objects.create(name="基准证券股份有限公司", short_name="基准证券", service_number="95000")
        center = ContactCenter.objects.create(company=company, code="HQ", name="总部客服中心", kind="hq",
                                              province="上海")
        Branch.objects.bulk_create([Branch(company=company, code=f"B{i:03d}", name=f"基准营业部{i:03d}",
                                           province="广东", city="深圳", serving_center=center)
                                    for i in range(1, args.branches + 1)])
        theme, _ = Theme.objects.get_or_create(code="overall", defaults={"name": "总体满意度"})
        survey = Survey.objects.create(code="bench-nps", name="基准NPS", theme=theme, status="published")
        campaign = Campaign.objects.create(code="bench-nps", name="基准调查", survey=survey, status="running",
                                           audience="branch", channels=["sms"],
                                           starts_at=datetime(2024, 1, 1, tzinfo=UTC),
                                           ends_at=datetime(2026, 12, 31, tzinfo=UTC))
        actor = Staff(username="bench_reviewer", display_name="bench", scope=Scope.COMPANY)
        actor.set_unusable_password()
        actor.save()
        actor.groups.add(Group.objects.get(name=Role.REVIEWER))
    ids = {"campaign": campaign.pk, "survey": survey.pk, "theme": theme.pk}
    branch_ids = list(Branch.objects.order_by("pk").values_list("pk", flat=True))
    seconds["org"] = round(time.perf_counter() - started, 1)

    started = time.perf_counter()
    generated = rows(args.responses, branch_ids, args.months, ids)
    columns = ", ".join(COLUMNS)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY surveys_response ({columns}) FROM STDIN") as copy:
                for row in generated:
                    copy.write_row((*row[:5], row[5] + "+00", *row[6:]))
        else:
            marks = ", ".join("?" for _ in COLUMNS)
            cursor.cursor.executemany(f"INSERT INTO surveys_response ({columns}) VALUES ({marks})", generated)
    seconds["insert"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE surveys_response")
    seconds["analyze"] = round(time.perf_counter() - started, 1)

    # The daily counts the submission keeps (surveys/nps_daily.py), built here in bulk as a backfill would.
    from brokerdesk.surveys.nps_daily import nps_daily_rebuild

    started = time.perf_counter()
    daily_rows = nps_daily_rebuild()
    seconds["daily_counts"] = round(time.perf_counter() - started, 1)
    actor = Staff.objects.get(pk=actor.pk)
    filters = analytics.filters_for(FIRST_MONTH, _month_start(args.months) - timedelta(days=1), "month")
    timings = {}
    for name, call in (("branch_month", lambda: analytics.branch_month_table(actor, filters)),
                       ("by_branch", lambda: analytics.nps_by(actor, filters, "branch")),
                       ("dashboard", lambda: analytics.dashboard(actor, filters))):
        runs = args.runs if name != "dashboard" else 1  # the whole page: ~15 queries, once, for reference
        call()  # warm-up: caches, the first plan
        times, result = [], None
        for _ in range(runs):
            t0 = time.perf_counter()
            result = call()
            times.append(time.perf_counter() - t0)
        times.sort()
        timings[name] = {"runs": runs, "p50_s": round(times[len(times) // 2], 3), "max_s": round(times[-1], 3),
                         "min_s": round(times[0], 3)}
        if name == "branch_month":
            timings[name]["groups"] = len(result)
            timings[name]["responses_counted"] = sum(r["responses"] for r in result)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), SUM(CASE WHEN is_experience_officer THEN 1 ELSE 0 END) FROM surveys_response")
        total, officers = cursor.fetchone()
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size('surveys_response'), version()")
            size, version = cursor.fetchone()
            version = version.split(" on ")[0]
        else:
            cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
            size = cursor.fetchone()[0]
            cursor.execute("SELECT sqlite_version()")
            version = "SQLite " + cursor.fetchone()[0]
    sql, params = _branch_month_sql(analytics, actor, filters)
    with connection.cursor() as cursor:
        explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(explain + sql, params)
        plan = "\n".join(" ".join(str(c) for c in r) for r in cursor.fetchall())
    p50 = timings["branch_month"]["p50_s"]
    return {
        "data": {"responses": total, "officer_responses": officers, "branches": len(branch_ids),
                 "months": args.months, "table_bytes": size, "database": version, "daily_rows": daily_rows},
        "load": {"seconds": seconds},
        "timings": timings,
        "query": sql % tuple(repr(str(p)) for p in params) if "%s" in sql else sql,
        "plan": plan,
        "targets": {"seconds": TARGET_SECONDS},
        "verdict": "met" if p50 <= TARGET_SECONDS else "missed",
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def _branch_month_sql(analytics, actor, filters) -> tuple[str, list]:
    """The SQL branch_month_table runs (the same queryset), for the plan."""
    sql, params = analytics.daily_grouped_rows(actor, filters, ("branch", "period")).query.sql_with_params()
    return sql, list(params)


if __name__ == "__main__":
    sys.exit(main())

"""bench/visits: `brokerdesk visits generate` on the synthetic 3M-client brokerage.

    python -m bench.visits --db postgresql|sqlite

Runs on the installation bench.intake left (its database and lake under var/bench/intake-<db>), so run that
first. If no segmentation run has succeeded there, `brokerdesk segment` runs for the daily batch's date first
(not timed: the feature-rule and segment programmes need it). The visit tasks, annual samples and generation
runs are cleared, then, each in its own process as the daily job or an operator runs it:
  1. initial: generation for the backfill's date into the empty task table: a new installation's one-time
     backlog (the annual sample drawn, every segment member and feature-rule match, new accounts);
  2. daily: the daily batch's date, the next business day: the run the daily job makes every morning, over the
     3M clients with the previous day's tasks in place (what the target is about);
  3. repeat: the daily date again, which must create nothing (idempotence).
Each process: wall time, CPU and peak RSS (wait4); the run's own seconds and step durations (per programme, the
sample draw, the index rebuild). Target on the reference 2-core machine: <= 10 s for the daily run.
Figures go to var/bench/results/visits-<db>.json.
"""

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.intake.__main__ import DEFAULT_POSTGRES_URL, ROOT, _git_commit
from bench.segmentation.__main__ import LOADED, _measure

TARGET_SECONDS = 10.0
STATE = ("import json; from brokerdesk.customers.models import Customer; "
         "from brokerdesk.segmentation.models import SegmentRun; "
         "run = SegmentRun.objects.filter(status='succeeded').order_by('-pk').first(); "
         "print(json.dumps({'clients': Customer.objects.count(), "
         "'segmentation_run': run and {'id': run.pk, 'business_date': run.business_date.isoformat()}}))")
# Children first (findings, calls and history point at tasks; tasks at runs); TRUNCATE on PostgreSQL (millions
# of rows), DELETE on SQLite.
VISIT_TABLES = ("visits_visitfinding", "visits_visitattempt", "visits_visittaskevent", "visits_visittask",
                "visits_annualsamplemember", "visits_annualsamplestratum", "visits_generationrun")
RESET = ("from django.db import connection, transaction\n"
         f"tables = {VISIT_TABLES!r}\n"
         "with transaction.atomic(), connection.cursor() as cursor:\n"
         "    if connection.vendor == 'postgresql':\n"
         "        cursor.execute('TRUNCATE ' + ', '.join(tables))\n"
         "    else:\n"
         "        for table in tables:\n"
         "            cursor.execute('DELETE FROM ' + table)\n"
         "if connection.vendor == 'postgresql':\n"
         "    with connection.cursor() as cursor:\n"
         "        cursor.execute('ANALYZE visits_visittask')\n")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.visits", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    var_dir = Path(os.environ.get("BROKERDESK_VAR_DIR") or ROOT / "var" / "bench").resolve()
    work = var_dir / f"intake-{args.db}"
    out = args.out or var_dir / "results" / f"visits-{args.db}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    label = "PostgreSQL" if args.db == "postgresql" else "SQLite"
    url = (os.environ.get("BENCH_INTAKE_POSTGRES_URL", DEFAULT_POSTGRES_URL) if args.db == "postgresql"
           else f"sqlite:///{work / 'intake.sqlite3'}")
    env = {**os.environ, "DATABASE_URL": url, "BROKERDESK_VAR_DIR": str(work),
           "DJANGO_SETTINGS_MODULE": "brokerdesk.settings"}
    brokerdesk = [sys.executable, "-m", "brokerdesk.cli"]
    print(f"== visits on {label}: {work}", flush=True)
    subprocess.run([*brokerdesk, "migrate", "--no-input", "-v0"], env=env, check=True)
    dates = json.loads(_shell(brokerdesk, LOADED, env))
    if set(dates) != {"backfill", "daily"}:
        print(f"no backfill and daily batch applied in {work}: run `python -m bench.intake --db {args.db}` first",
              file=sys.stderr)
        return 1
    day = dates["daily"]
    state = json.loads(_shell(brokerdesk, STATE, env))
    segmentation = None
    if state["segmentation_run"] is None:
        print(f"  no segmentation run yet: brokerdesk segment --date {day} (not timed)", flush=True)
        segmentation = _measure([*brokerdesk, "segment", "--date", day, "--json"], env)
        if segmentation["exit_code"] != 0:
            return 1
        state = json.loads(_shell(brokerdesk, STATE, env))
    subprocess.run([*brokerdesk, "shell", "-c", RESET], env=env, check=True, capture_output=True)

    load_before = os.getloadavg()
    runs = {}
    for name, date in (("initial", dates["backfill"]), ("daily", day), ("repeat", day)):
        runs[name] = _measure([*brokerdesk, "visits", "generate", "--date", date, "--json"], env)
        report = runs[name]["report"]
        print(f"  {name} ({date}): {report.get('total')} tasks, run {report.get('seconds')} s, wall "
              f"{runs[name]['wall_seconds']} s, peak {runs[name]['peak_rss_gib']} GiB; "
              + ", ".join(f"{k} {v}" for k, v in report.get("created", {}).items()), flush=True)
    figures = summary(label, day, state, runs, segmentation)
    figures["loadavg"] = {"before": [round(x, 2) for x in load_before],
                          "after": [round(x, 2) for x in os.getloadavg()]}
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    verdicts = figures["verdicts"]
    print(f"  daily run {verdicts['daily_seconds']} against {TARGET_SECONDS:g} s; the repeat created "
          f"{runs['repeat']['report'].get('total')} (idempotent: {verdicts['idempotent']}); figures written to {out}")
    return 0 if all(r["exit_code"] == 0 for r in runs.values()) and verdicts["idempotent"] else 1


def summary(label: str, day: str, state: dict, runs: dict, segmentation: dict | None = None) -> dict:
    """The result file's figures (everything but the load average)."""
    daily, repeat = runs["daily"]["report"], runs["repeat"]["report"]
    seconds = daily.get("seconds")
    return {
        "benchmark": "visits",
        "db": label,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "business_date": day,
        "clients": state["clients"],
        "segmentation_run": state["segmentation_run"],
        "segmentation_before": segmentation,  # when the benchmark had to run segmentation first
        "runs": runs,
        "tasks": {name: run["report"].get("total") for name, run in runs.items()},
        "targets": {"seconds": TARGET_SECONDS},
        "verdicts": {
            "daily_seconds": None if seconds is None else ("met" if seconds <= TARGET_SECONDS else "missed"),
            "idempotent": repeat.get("total") == 0 and set(repeat.get("created", {}).values()) <= {0},
        },
    }


def _shell(brokerdesk: list[str], code: str, env: dict) -> str:
    done = subprocess.run([*brokerdesk, "shell", "-c", code], env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


if __name__ == "__main__":
    sys.exit(main())

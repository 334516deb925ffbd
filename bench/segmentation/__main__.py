"""bench/segmentation: `brokerdesk segment` on the synthetic 3M-client year, against a pandas baseline.

    python -m bench.segmentation --db postgresql|sqlite

Runs on the installation bench.intake left (its database and lake under var/bench/intake-<db>), so run that
first. Segmentation state is cleared, then, each in its own process as an operator runs it:
  1. initial: the backfill date, into empty membership tables (every client's memberships are new);
  2. nightly: the daily batch's date, the run the target is about (features, rules, write-back of changes);
  3. repeat: the same date again (nothing changed, so nothing is written);
  4. pandas: bench/segmentation/pandas_baseline.py on the same date, the same lake and the same clients.
Each process: wall time and peak RSS (wait4); the runs' own step durations. The ratio compares the nightly
run's own duration (read clients, features, rules, diff, write-back) with pandas' (read clients, features,
rules), both without interpreter start-up. Targets on the reference 2-core machine: <= 20 s, <= 6 GiB, >= 10x.
Figures go to var/bench/results/segmentation-<db>.json.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.intake.__main__ import DEFAULT_POSTGRES_URL, ROOT, _git_commit

TARGET_SECONDS = 20.0
TARGET_PEAK_GIB = 6.0
TARGET_RATIO = 10.0
LOADED = ("import json; from brokerdesk.intake.models import IntakeBatch; print(json.dumps({b.kind: "
          "b.business_date.isoformat() for b in IntakeBatch.objects.filter(status='applied').order_by('pk')}))")
RESET = ("from brokerdesk.segmentation.models import SegmentMembership, SegmentRun; "
         "SegmentMembership.objects.all().delete(); SegmentRun.objects.all().delete()")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.segmentation", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    var_dir = Path(os.environ.get("BROKERDESK_VAR_DIR") or ROOT / "var" / "bench").resolve()
    work = var_dir / f"intake-{args.db}"
    out = args.out or var_dir / "results" / f"segmentation-{args.db}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    label = "PostgreSQL" if args.db == "postgresql" else "SQLite"
    url = (os.environ.get("BENCH_INTAKE_POSTGRES_URL", DEFAULT_POSTGRES_URL) if args.db == "postgresql"
           else f"sqlite:///{work / 'intake.sqlite3'}")
    env = {**os.environ, "DATABASE_URL": url, "BROKERDESK_VAR_DIR": str(work),
           "DJANGO_SETTINGS_MODULE": "brokerdesk.settings"}
    brokerdesk = [sys.executable, "-m", "brokerdesk.cli"]
    print(f"== segmentation on {label}: {work}", flush=True)
    subprocess.run([*brokerdesk, "migrate", "--no-input", "-v0"], env=env, check=True)
    dates = json.loads(subprocess.run([*brokerdesk, "shell", "-c", LOADED], env=env, check=True,
                                      capture_output=True, text=True).stdout.strip().splitlines()[-1])
    if set(dates) != {"backfill", "daily"}:
        print(f"no backfill and daily batch applied in {work}: run `python -m bench.intake --db {args.db}` first",
              file=sys.stderr)
        return 1
    subprocess.run([*brokerdesk, "shell", "-c", RESET], env=env, check=True)
    shutil.rmtree(work / "lake" / "segmentation", ignore_errors=True)

    load_before = os.getloadavg()
    runs = {}
    for name, day in (("initial", dates["backfill"]), ("nightly", dates["daily"]), ("repeat", dates["daily"])):
        runs[name] = _measure([*brokerdesk, "segment", "--date", day, "--json"], env)
        report = runs[name]["report"]
        print(f"  {name} ({day}): {runs[name]['wall_seconds']} s wall, run {report.get('durations_seconds')}, "
              f"peak {runs[name]['peak_rss_gib']} GiB, entered {sum(report.get('entered', {}).values()):,}, "
              f"left {sum(report.get('left', {}).values()):,}", flush=True)
    pandas = _measure([sys.executable, "-m", "bench.segmentation.baseline", "--date", dates["daily"]], env)
    print(f"  pandas ({dates['daily']}): {pandas['wall_seconds']} s wall, {pandas['report'].get('seconds')}, "
          f"peak {pandas['peak_rss_gib']} GiB", flush=True)

    nightly = runs["nightly"]["report"]
    engine_seconds = nightly.get("durations_seconds", {}).get("total")
    pandas_seconds = pandas["report"].get("seconds", {}).get("total")  # None: pandas failed (exit code kept)
    same = pandas["report"].get("members") == nightly.get("members")
    figures = {
        "benchmark": "segmentation",
        "db": label,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "clients": nightly["clients"],
        "runs": runs,
        "pandas": pandas,
        "same_memberships_as_pandas": same,
        "ratio": round(pandas_seconds / engine_seconds, 1) if pandas_seconds and engine_seconds else None,
        "targets": {"seconds": TARGET_SECONDS, "peak_rss_gib": TARGET_PEAK_GIB, "ratio": TARGET_RATIO},
        "loadavg": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]},
    }
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"  engine {engine_seconds} s vs pandas {pandas_seconds} s: {figures['ratio']}x; same memberships: "
          f"{same}; figures written to {out}")
    ok = all(r["exit_code"] == 0 for r in [*runs.values(), pandas]) and same
    return 0 if ok else 1


def _measure(command: list[str], env: dict) -> dict:
    """Run a command that prints one JSON document: wall time, CPU, peak RSS of that process, and the JSON."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
        stdout = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        errors.seek(0)
        stderr = errors.read()
    exit_code = os.waitstatus_to_exitcode(status)
    try:
        report = json.loads(stdout)
    except json.JSONDecodeError:
        report = {}
    if exit_code != 0 or not report:
        print(stdout[-2000:], stderr[-3000:], sep="\n", file=sys.stderr)
    return {"exit_code": exit_code, "wall_seconds": round(wall, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_gib": round(usage.ru_maxrss / 1024 / 1024, 2), "report": report}


if __name__ == "__main__":
    sys.exit(main())

"""bench/intake: `brokerdesk intake` of the synthetic brokerage's backfill, then of its daily batch.

    python -m bench.intake --db postgresql|sqlite --batches DIR

DIR holds the batch folders `bench.synth --keep --out DIR` wrote (a backfill and a daily batch). Each run
starts from an empty, migrated database and an empty lake, then runs `brokerdesk intake` on each batch in
its own process, as an operator would: wall time, peak resident memory of that process, rows in the batch
and rows/s, and the time of each phase (validation, apply) from the command's own progress lines. Targets
on the reference 2-core machine: backfill <= 5 min, a daily batch <= 60 s, peak memory <= 6 GiB.
Figures go to var/bench/results/intake-<db>.json.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/brokerdesk_bench_intake"
TARGET_SECONDS = {"backfill": 300, "daily": 60}
TARGET_PEAK_GIB = 6.0
PROGRESS = re.compile(r"^\[\s*([0-9.]+)s\] (.*)$")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intake", description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=["postgresql", "sqlite"], required=True)
    parser.add_argument("--batches", type=Path, required=True, help="folder of batch folders (bench.synth --keep)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    var_dir = Path(os.environ.get("BROKERDESK_VAR_DIR") or ROOT / "var" / "bench").resolve()
    work = var_dir / f"intake-{args.db}"
    out = args.out or var_dir / "results" / f"intake-{args.db}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    folders = sorted(p for p in args.batches.iterdir() if (p / "manifest.json").exists())
    if not folders:
        print(f"no batch folders in {args.batches}", file=sys.stderr)
        return 1

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if args.db == "postgresql":
        url = os.environ.get("BENCH_INTAKE_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        why = _recreate_postgres(url)
        if why:
            print(f"PostgreSQL is not reachable ({why}): intake on PostgreSQL skipped.")
            out.write_text(json.dumps({"benchmark": "intake", "db": "PostgreSQL", "skipped": why}, indent=2))
            return 1 if os.environ.get("REQUIRE_POSTGRES") == "1" else 0
        label = "PostgreSQL"
    else:
        url = f"sqlite:///{work / 'intake.sqlite3'}"
        label = "SQLite"
    env = {**os.environ, "DATABASE_URL": url, "BROKERDESK_VAR_DIR": str(work),
           "DJANGO_SETTINGS_MODULE": "brokerdesk.settings"}
    brokerdesk = [sys.executable, "-m", "brokerdesk.cli"]
    print(f"== intake on {label}: {len(folders)} batches from {args.batches}", flush=True)
    subprocess.run([*brokerdesk, "migrate", "--no-input", "-v0"], env=env, check=True)

    load_before = os.getloadavg()
    runs = []
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        run = _run_intake(brokerdesk, env, folder)
        rows = sum(f["rows"] for f in manifest["files"])
        run |= {
            "batch": folder.name, "kind": manifest["kind"], "business_date": manifest["business_date"],
            "files": len(manifest["files"]),
            "bytes": sum((folder / f["path"]).stat().st_size for f in manifest["files"]),
            "rows": rows, "rows_per_second": round(rows / run["wall_seconds"]),
            "target_seconds": TARGET_SECONDS.get(manifest["kind"]),
        }
        runs.append(run)
        print(f"  {folder.name}: exit {run['exit_code']}, {run['wall_seconds']} s, peak {run['peak_rss_gib']} GiB, "
              f"{rows:,} rows ({run['rows_per_second']:,} rows/s); phases {run['phases']}", flush=True)
        if run["exit_code"] != 0:
            print(run["output_tail"], file=sys.stderr)
            break

    figures = {
        "benchmark": "intake",
        "db": label,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "batches_dir": str(args.batches),
        "runs": runs,
        "lake_bytes": _tree_bytes(work / "lake"),
        "targets": {"seconds": TARGET_SECONDS, "peak_rss_gib": TARGET_PEAK_GIB},
        "loadavg": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]},
    }
    out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"  figures written to {out}")
    return 0 if all(r["exit_code"] == 0 for r in runs) else 1


def _run_intake(brokerdesk: list[str], env: dict, folder: Path) -> dict:
    """One `brokerdesk intake FOLDER` in its own process: wall time, its peak RSS (wait4), its phases."""
    started = time.perf_counter()
    process = subprocess.Popen([*brokerdesk, "intake", str(folder)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        print(f"    {lines[-1]}", flush=True)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit_code": process.returncode,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_gib": round(usage.ru_maxrss / 1024 / 1024, 2),
        "phases": _phases(lines),
        "output_tail": "\n".join(lines[-15:]),
    }


def _phases(lines: list[str]) -> dict:
    """Seconds spent validating (incl. reading files) and applying, from the command's progress stamps."""
    stamps = [(float(m[1]), m[2]) for m in map(PROGRESS.match, lines) if m]
    validating = next((t for t, text in stamps if text.endswith(": validating")), None)
    applying = next((t for t, text in stamps if text.endswith(": applying")), None)
    applied = next((t for t, text in stamps if ": applied in " in text), None)
    phases = {}
    if validating is not None and applying is not None:
        phases["validate"] = round(applying - validating, 1)
    if applying is not None and applied is not None:
        phases["apply"] = round(applied - applying, 1)
    return phases


def _recreate_postgres(url: str) -> str | None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        return str(exc).strip().splitlines()[0]
    return None


def _tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())

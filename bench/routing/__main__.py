"""bench/routing: routing decision latency, the call_offer service path, and a simulated day of 300k calls.

    python -m bench.routing [--requests 120000] [--calls 300000] [--service-calls 2000] [--db postgresql,sqlite]

1. Router.route, in-process, no database: >= 100k varied requests on HQ + 27 sub-centers (first routings of
   clients, VIPs, complaint and menu keys, unknown callers, calls out of hours; rechecks before and after the
   overflow wait, past the maximum wait), against a LiveView of plain counts that changes between requests.
   Each call timed with perf_counter_ns. Target: p99 <= 1 ms.
2. services.calls.call_offer on SQLite and PostgreSQL (bench/routing/service.py, in its own process on a new
   small database: 28 centers, 84 agents, 1,000 clients): identify by phone + route + the writes, per call.
3. contact_center.simulate: one simulated working day of 300,000 calls across HQ + 27 sub-centers with
   Erlang-C-sized rosters: wall time (target <= 30 s) and service level / abandonment per center.
Figures go to var/bench/results/routing.json (BROKERDESK_VAR_DIR, default var/bench).
"""

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.intake.__main__ import ROOT, _git_commit, _recreate_postgres

TARGET_P99_MS = 1.0
TARGET_DAY_SECONDS = 30.0
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/bd_bench_routing"


def route_latency(requests: int, seed: int = 1) -> dict:
    from brokerdesk.contact_center.routing.engine import SHANGHAI, Caller, CallRequest, Router
    from brokerdesk.contact_center.simulate import synthetic_config

    config = synthetic_config(27)
    router = Router(config)
    rng = random.Random(seed)
    ids = [c.id for c in config.centers]
    skills = ("general", "vip", "margin", "options", "funds", "complaints", "english")

    class Live:
        def __init__(self):
            self.counts = {}

        def shuffle(self):
            self.counts = {}
            for c in ids:
                for s in skills:
                    n = rng.choice((0, 0, 1, 3, 8))
                    self.counts[(c, s)] = (n, rng.randint(0, n) if rng.random() < 0.5 else 0)

        def staffed(self, center_id, skill):
            return self.counts.get((center_id, skill), (0, 0))[0]

        def idle(self, center_id, skill):
            return self.counts.get((center_id, skill), (0, 0))[1]

    live = Live()
    base = datetime(2026, 11, 16, 0, 0, tzinfo=SHANGHAI)  # a Monday
    keys = ("2", "2", "2", "0", "3", "4", "5", "6", "9", "1", "7", "8")
    built = []
    kinds = {"first": 0, "recheck": 0}
    for _ in range(requests):
        at = base + timedelta(days=rng.randrange(7), seconds=rng.uniform(7 * 3600, 23 * 3600))
        unknown = rng.random() < 0.1
        caller = Caller(None if unknown else rng.randint(1, 10**6), None if unknown else rng.choice(ids[1:]),
                        (not unknown) and rng.random() < 0.05)
        if rng.random() < 0.6:
            built.append(CallRequest(caller, at, (rng.choice(keys),)))
            kinds["first"] += 1
        else:
            built.append(CallRequest(caller, at, ("2",), waited=rng.choice((5.0, 25.0, 40.0, 120.0, 200.0)),
                                     center_id=rng.choice(ids), skill=rng.choice(skills)))
            kinds["recheck"] += 1
    times = []
    actions: dict[str, int] = {}
    clock = time.perf_counter_ns
    for i, request in enumerate(built):
        if i % 50 == 0:
            live.shuffle()
        started = clock()
        decision = router.route(request, live)
        times.append(clock() - started)
        actions[decision.action.value] = actions.get(decision.action.value, 0) + 1
    times.sort()
    n = len(times)
    return {"requests": n, "kinds": kinds, "actions": actions, "centers": len(ids),
            "p50_ms": round(times[n // 2] / 1e6, 4), "p99_ms": round(times[int(n * 0.99) - 1] / 1e6, 4),
            "max_ms": round(times[-1] / 1e6, 3), "mean_ms": round(sum(times) / n / 1e6, 4)}


def service_path(db: str, calls: int, work: Path) -> dict:
    if db == "postgresql":
        url = os.environ.get("BENCH_ROUTING_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        why = _recreate_postgres(url)
        if why:
            return {"db": "PostgreSQL", "skipped": f"PostgreSQL is not reachable ({why})"}
    else:
        path = work / "routing.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    env = {**os.environ, "DATABASE_URL": url, "BROKERDESK_VAR_DIR": str(work),
           "DJANGO_SETTINGS_MODULE": "brokerdesk.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bench.routing.service", "--calls", str(calls)], env=env,
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        return {"db": "PostgreSQL" if db == "postgresql" else "SQLite",
                "failed": done.stderr.strip().splitlines()[-1:] or [f"exit {done.returncode}"]}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["db"] = "PostgreSQL" if db == "postgresql" else "SQLite"
    return result


def simulated_day(calls: int, seed: int = 1) -> dict:
    from brokerdesk.contact_center.simulate import simulate, synthetic_scenario

    started = time.perf_counter()
    cpu = time.process_time()
    scenario = synthetic_scenario(calls=calls, seed=seed)
    setup = time.perf_counter() - started
    report = simulate(scenario)
    report["wall_seconds"] = round(time.perf_counter() - started, 2)
    report["cpu_seconds"] = round(time.process_time() - cpu, 2)
    report["setup_seconds"] = round(setup, 2)
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.routing", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=120_000)
    parser.add_argument("--calls", type=int, default=300_000)
    parser.add_argument("--service-calls", type=int, default=2000)
    parser.add_argument("--db", default="postgresql,sqlite", help="comma list; empty: skip the service path")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    var_dir = Path(os.environ.get("BROKERDESK_VAR_DIR") or ROOT / "var" / "bench").resolve()
    work = var_dir / "routing"
    work.mkdir(parents=True, exist_ok=True)
    out = args.out or var_dir / "results" / "routing.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()

    print(f"== routing: Router.route x {args.requests:,}", flush=True)
    latency = route_latency(args.requests)
    print(f"  p50 {latency['p50_ms']} ms, p99 {latency['p99_ms']} ms, max {latency['max_ms']} ms", flush=True)
    print(f"== routing: a simulated day of {args.calls:,} calls, HQ + 27 sub-centers", flush=True)
    day = simulated_day(args.calls)
    overall = day["overall"]
    print(f"  wall {day['wall_seconds']} s (simulation {day['seconds']} s); SL {overall['service_level']}, "
          f"abandoned {overall['abandon_rate']}, ASA {overall['asa_seconds']} s", flush=True)
    services = []
    for db in [d for d in args.db.split(",") if d]:
        print(f"== routing: call_offer x {args.service_calls:,} on {db}", flush=True)
        services.append(service_path(db, args.service_calls, work))
        print(f"  {services[-1]}", flush=True)
    figures = {
        "benchmark": "routing",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "python": platform.python_version(),
        "route": latency,
        "services": services,
        "day": day,
        "targets": {"route_p99_ms": TARGET_P99_MS, "day_seconds": TARGET_DAY_SECONDS},
        "verdicts": {"route_p99": "met" if latency["p99_ms"] <= TARGET_P99_MS else "missed",
                     "day_seconds": "met" if day["wall_seconds"] <= TARGET_DAY_SECONDS else "missed"},
        "loadavg": {"before": [round(x, 2) for x in load_before],
                    "after": [round(x, 2) for x in os.getloadavg()]},
    }
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"  figures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

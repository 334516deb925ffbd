"""bench/synth: the synthetic brokerage at scale (target: 3M clients x 250 days in <= 3 min, <= 6 GiB).

    python -m bench.synth [--customers 3000000] [--days 250] [--seed 7] [--format parquet] [--out DIR] [--keep]

Generates both batches into a scratch folder (removed afterwards unless --keep), and writes the figures as
JSON (default var/bench/results/synth.json): wall time, CPU time, peak resident memory, rows and bytes per
entity, and the load average before and after (other work on the machine slows the run down).
"""

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 180
TARGET_PEAK_GIB = 6.0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.synth", description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=3_000_000)
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--out", type=Path, help="where to write the batches (default: a scratch folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated batches")
    parser.add_argument("--results", type=Path, help="JSON results file (default var/bench/results/synth.json)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "src"))
    from brokerdesk.synth.generator import generate

    var_dir = Path(os.environ.get("BROKERDESK_VAR_DIR") or ROOT / "var" / "bench").resolve()
    results = args.results or var_dir / "results" / "synth.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    out = args.out or Path(tempfile.mkdtemp(prefix="synth-", dir=var_dir))
    load_before = os.getloadavg()
    started = time.perf_counter()
    result = generate(out, customers=args.customers, days=args.days, seed=args.seed, fmt=args.format,
                      progress=lambda message: print(f"{time.perf_counter() - started:7.1f}s  {message}", flush=True))
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    figures = {
        "benchmark": "synth",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "customers": args.customers, "days": args.days, "seed": args.seed, "format": args.format,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_gib": round(usage.ru_maxrss / 1024 / 1024, 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "targets": {"wall_seconds": TARGET_SECONDS, "peak_rss_gib": TARGET_PEAK_GIB},
        "batches": [{"folder": b.folder.name, "bytes": b.bytes, "rows": b.rows} for b in result.batches],
    }
    results.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    if not args.keep and args.out is None:
        shutil.rmtree(out)
    print(json.dumps({k: v for k, v in figures.items() if k != "batches"}, indent=2))
    for batch in figures["batches"]:
        print(f"{batch['folder']}: {batch['bytes'] / 1e9:.2f} GB")
        for entity, rows in batch["rows"].items():
            print(f"  {entity:<20} {rows:>13,}")
    ok = wall <= TARGET_SECONDS and figures["peak_rss_gib"] <= TARGET_PEAK_GIB
    print("within targets" if ok else "OUTSIDE TARGETS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

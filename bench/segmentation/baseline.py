"""The pandas side of bench/segmentation, in its own process: the same clients, lake files and date as
`brokerdesk segment`, with pandas_segment doing features and rules. Prints one JSON document.

    DATABASE_URL=... BROKERDESK_VAR_DIR=... python -m bench.segmentation.baseline --date YYYY-MM-DD
"""

import argparse
import dataclasses
import glob
import json
import sys
import time
from datetime import date


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.segmentation.baseline")
    parser.add_argument("--date", type=date.fromisoformat, required=True)
    args = parser.parse_args()

    import django

    django.setup()
    from bench.segmentation.pandas_baseline import pandas_segment
    from brokerdesk.segmentation.sources import customers_table_in_full, feature_sources

    started = time.perf_counter()
    customers = customers_table_in_full()
    sources = _expanded(feature_sources(args.date, customers))
    read = time.perf_counter()
    memberships = pandas_segment(sources, args.date)
    done = time.perf_counter()
    counts = memberships.groupby(["dimension", "segment_code"]).size()
    report = {
        "business_date": args.date.isoformat(),
        "clients": customers.num_rows,
        "members": {f"{d}:{c}": int(n) for (d, c), n in sorted(counts.items())},
        "seconds": {"read clients": round(read - started, 3), "features and rules": round(done - read, 3),
                    "total": round(done - started, 3)},
    }
    sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    return 0


def _expanded(sources):
    """The lake publishes a folder's files as a glob (part-*.parquet) that DuckDB expands; pandas wants paths."""
    def paths(files):
        return [path for pattern in files for path in sorted(glob.glob(pattern))]

    return dataclasses.replace(sources, asset_snapshots=paths(sources.asset_snapshots),
                               positions=paths(sources.positions), trades=paths(sources.trades),
                               fund_transfers=paths(sources.fund_transfers))


if __name__ == "__main__":
    sys.exit(main())

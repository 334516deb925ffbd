"""The synthetic brokerage at scale, written in the intake format (intake/contract.py, docs/data-formats.md).

    generate(out, customers=3_000_000, days=250, seed=7)

writes two batch folders under `out`: `<business date>-backfill` (reference data, all clients, a year of
trades and transfers, the asset snapshots of the last 20 trading days and 12 month-ends, the latest
positions) and `<next trading day>-daily` (that day's facts and master-data changes). The same arguments
give byte-identical files.

Modules: timeline (dates), streams (seeded random streams), geography and org (centers, branches),
markets (securities, prices), population (clients' attributes), identities (names, IDs, phones),
master (client master tables), facts (the day-by-day simulation) with holdings (positions, snapshots)
and draws (weighted sampling), columns (NumPy to Arrow), writer (files and manifests),
docs (docs/data-formats.md from the contract).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from brokerdesk.intake.contract import BACKFILL, DAILY

from . import master
from .facts import Simulation
from .markets import build_securities, securities_table
from .org import branches_table, centers_table, offices
from .population import build_population
from .timeline import build_timeline
from .writer import BatchWriter, WrittenFile

DEFAULT_END_DATE = date(2026, 11, 19)  # backfill business date 2026-11-19, daily batch 2026-11-20
SECURITIES = 3000


@dataclass
class Batch:
    folder: Path
    kind: str
    business_date: date
    files: list[WrittenFile]

    @property
    def rows(self) -> dict[str, int]:
        return {f.entity: f.rows for f in self.files}

    @property
    def bytes(self) -> int:
        return sum((self.folder / f.path).stat().st_size for f in self.files)


@dataclass
class Result:
    batches: list[Batch] = field(default_factory=list)
    seconds: float = 0.0


def generate(out: Path | str, *, customers: int, days: int, seed: int, end_date: date = DEFAULT_END_DATE,
             fmt: str = "parquet", encoding: str = "utf-8",
             progress: Callable[[str], None] | None = None) -> Result:
    """Write the backfill and the following daily batch under `out`; returns what was written."""
    if customers < 10:
        raise ValueError("at least 10 customers")
    started = time.perf_counter()
    say = progress or (lambda message: None)
    out = Path(out)
    tl = build_timeline(end_date, days)
    extra = {"generator": "brokerdesk synth", "seed": seed, "customers": customers, "days": days,
             "end_date": end_date.isoformat()}
    backfill = BatchWriter(out / f"{tl.business_date}-backfill", kind=BACKFILL,
                           business_date=tl.business_date.isoformat(), start_date=tl.start_date.isoformat(),
                           fmt=fmt, encoding=encoding, extra=extra)
    daily = BatchWriter(out / f"{tl.daily_date}-daily", kind=DAILY, business_date=tl.daily_date.isoformat(),
                        fmt=fmt, encoding=encoding, extra=extra, omit_empty=True)
    try:
        say(f"backfill {tl.start_date}..{tl.business_date} ({tl.backfill_days} trading days), daily {tl.daily_date}")
        sec = build_securities(seed, SECURITIES, tl.backfill_days + 1)
        org = offices(seed)
        backfill.write("centers", centers_table())
        backfill.write("branches", branches_table(org))
        backfill.write("securities", securities_table(sec))

        pop = build_population(seed, customers, tl, org)
        text = master.customer_text(seed, pop)
        changes = master.daily_changes(seed, pop, tl, text.mobile_serials)
        plan = master.account_plan(seed, pop)
        # Built and written in the files' threads while the simulation runs.
        backfill.write("customers", lambda: master.backfill_customers(pop, text, org))
        backfill.write("accounts", lambda: master.backfill_accounts(pop, text, plan, tl))
        backfill.write("risk_assessments", lambda: master.backfill_risk(pop, text))
        backfill.write("permission_changes", lambda: master.backfill_permissions(pop, text))
        say(f"clients: {pop.n} (+{pop.n_new} opened on {tl.daily_date})")

        simulation = Simulation(seed, pop, sec, tl, changes, text.customer_no, plan)
        for day in simulation.run():
            target = backfill if day.index < tl.backfill_days else daily
            for entity, table in day.tables.items():
                target.write(entity, table)
            if day.index % 25 == 24:
                say(f"day {day.index + 1}/{tl.backfill_days + 1}")
        batches = [Batch(backfill.folder, BACKFILL, tl.business_date, backfill.close())]

        daily.write("customers", master.daily_customers(seed, pop, text, org, changes, tl))
        daily.write("accounts", master.daily_accounts(pop, text, plan, changes, tl))
        daily.write("risk_assessments", master.daily_risk(seed, pop, text, changes, tl))
        daily.write("permission_changes", master.daily_permissions(text, changes, tl))
        batches.append(Batch(daily.folder, DAILY, tl.daily_date, daily.close()))
    except BaseException:
        backfill.abort()
        daily.abort()
        raise
    return Result(batches=batches, seconds=time.perf_counter() - started)

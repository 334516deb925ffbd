from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from brokerdesk.synth.generator import DEFAULT_END_DATE, generate
from brokerdesk.synth.generator.writer import ENCODINGS, FORMATS


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}") from exc


class Command(BaseCommand):
    help = (
        "Write a synthetic brokerage in the intake format (docs/data-formats.md): a backfill batch covering "
        "DAYS trading days up to the business date (the last trading day on or before --end-date), then the "
        "next trading day's daily batch. The same options give byte-identical files. "
        "Example: brokerdesk synth --customers 3000000 --days 250 --out var/synth --seed 7"
    )

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, required=True,
                            help="clients in the backfill (the daily batch adds about 0.05%% new ones)")
        parser.add_argument("--days", type=int, required=True,
                            help="trading days of trades and transfers in the backfill (250 is about a year)")
        parser.add_argument("--out", type=Path, required=True,
                            help="output folder; the batches are written to OUT/<date>-backfill and "
                                 "OUT/<next date>-daily (files of a previous run there are replaced)")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--format", choices=FORMATS, default="parquet", dest="fmt",
                            help="file format (default parquet)")
        parser.add_argument("--encoding", choices=ENCODINGS, default="utf-8",
                            help="text encoding of CSV files (default utf-8; Parquet is always UTF-8)")
        parser.add_argument("--end-date", type=_date, default=DEFAULT_END_DATE,
                            help=f"the backfill's business date is the last trading day on or before this "
                                 f"date (default {DEFAULT_END_DATE.isoformat()})")

    def handle(self, *args, customers, days, out, seed, fmt, encoding, end_date, **options):
        if fmt == "parquet" and encoding != "utf-8":
            raise CommandError("--encoding applies to CSV only (Parquet text is always UTF-8)")
        if customers < 10 or days < 1:
            raise CommandError("need at least 10 customers and 1 day")
        verbose = options.get("verbosity", 1) > 1
        result = generate(out, customers=customers, days=days, seed=seed, end_date=end_date, fmt=fmt,
                          encoding=encoding, progress=self.stdout.write if verbose else None)
        for batch in result.batches:
            self.stdout.write(self.style.SUCCESS(f"{batch.folder}  ({batch.kind}, {batch.bytes / 1e6:,.1f} MB)"))
            for entity, rows in batch.rows.items():
                self.stdout.write(f"  {entity:<20} {rows:>13,}")
        self.stdout.write(f"written in {result.seconds:.1f} s")

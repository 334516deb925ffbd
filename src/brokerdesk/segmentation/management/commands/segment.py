import json
import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from brokerdesk.core.errors import ApplicationError
from brokerdesk.segmentation.choices import RunTrigger
from brokerdesk.segmentation.models import Segment
from brokerdesk.segmentation.run import segmentation_run


class Command(BaseCommand):
    help = ("Run the published segmentation rules for a business date (default: the latest loaded) and write "
            "back the memberships that changed. --json prints counts per segment and step durations.")

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="business date, YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="print the run as JSON instead of progress")

    def handle(self, *args, date: date | None, json: bool, **options):
        as_json = json
        progress = (lambda m: None) if as_json else (lambda m: (self.stdout.write(m), self.stdout.flush()))
        try:
            run = segmentation_run(actor=None, business_date=date, trigger=RunTrigger.COMMAND, progress=progress)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        segments = {str(s.pk): f"{s.dimension}:{s.code}" for s in Segment.objects.all()}
        report = {
            "run": run.pk,
            "business_date": run.business_date.isoformat(),
            "rule_set_version": run.rule_set.version,
            "clients": run.clients,
            "features": run.message,
            "members": {segments[k]: v for k, v in sorted(run.members.items(), key=lambda kv: segments[kv[0]])},
            "entered": {segments[k]: v for k, v in sorted(run.entered.items(), key=lambda kv: segments[kv[0]])},
            "left": {segments[k]: v for k, v in sorted(run.left.items(), key=lambda kv: segments[kv[0]])},
            "durations_seconds": run.timings | {"total": run.duration_seconds},
        }
        if as_json:
            sys.stdout.write(_dumps(report) + "\n")
            return
        self.stdout.write(self.style.SUCCESS(
            f"run #{run.pk} {run.business_date} (rules v{run.rule_set.version}): {run.clients:,} clients, "
            f"{sum(run.entered.values()):,} memberships entered, {sum(run.left.values()):,} left, "
            f"in {run.duration_seconds:.1f} s"))
        for name, count in report["members"].items():
            self.stdout.write(f"  {name:<32} {count:>12,}")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)

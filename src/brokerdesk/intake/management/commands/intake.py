import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from brokerdesk.intake.models import BatchStatus
from brokerdesk.intake.services import IntakeBusy, intake_run


class Command(BaseCommand):
    help = (
        "Load core-system batches: one batch folder, or a folder of batch folders applied in date order. "
        "Exit 0 when applied (or already applied), 2 when a batch is rejected (nothing applied; the error "
        "report's path is printed), 1 when applying failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="batch folder or folder of batch folders")

    def handle(self, *args, path: Path, **options):
        if not path.is_dir():
            raise CommandError(f"{path} is not a folder")
        started = time.monotonic()

        def progress(message: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:7.1f}s] {message}")
            self.stdout.flush()

        try:
            results = intake_run(actor=None, path=path, progress=progress)
        except IntakeBusy as exc:
            raise CommandError(str(exc)) from exc
        if not results:
            raise CommandError(f"no batch folder (with a manifest.json) in {path}")
        for result in results:
            batch = result.batch
            self.stdout.write(f"batch #{batch.pk} {batch.business_date} {batch.kind}: {batch.get_status_display()}"
                              f" in {batch.duration_seconds or 0:.1f} s")
            if batch.status == BatchStatus.REJECTED:
                self.stderr.write(f"REJECTED: {batch.error_total} errors, nothing applied. Report: {batch.report_path}")
                sys.exit(2)
            if batch.status == BatchStatus.FAILED:
                self.stderr.write(f"FAILED: {batch.message}")
                sys.exit(1)

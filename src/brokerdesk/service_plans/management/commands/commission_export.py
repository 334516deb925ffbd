"""brokerdesk commission_export: write the commission changes not yet sent into one change file for the core
trading system (docs/commission-change-file.md)."""

from django.core.management.base import BaseCommand

from brokerdesk.service_plans.services.commission_export import commission_changes_export, export_dir


class Command(BaseCommand):
    help = "Write pending commission changes to an outbound change file for the core trading system."

    def handle(self, *args, **options):
        export = commission_changes_export(actor=None)
        if export is None:
            self.stdout.write("no commission changes to export")
            return
        self.stdout.write(f"{export_dir() / export.file_name}: {export.rows} changes, sha256 {export.sha256}")

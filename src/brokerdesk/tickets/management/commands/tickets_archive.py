"""`brokerdesk tickets_archive [--dry-run]`: remove the closed tickets kept past the retention period (the rule is
in tickets.archive). One audit event records the count and the ticket numbers; --dry-run lists what would go and
changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from brokerdesk.tickets.archive import expired_tickets, retention_cutoff, tickets_archive


class Command(BaseCommand):
    help = ("Delete closed tickets whose closed_at is older than TICKET_RETENTION_YEARS (at least 3), with their "
            "attachment files when no other attachment shares them. --dry-run lists them only.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be deleted; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        cutoff = retention_cutoff()
        years = settings.TICKET_RETENTION_YEARS
        if dry_run:
            count = 0
            for number, pk, closed_at in expired_tickets(cutoff).values_list("number", "pk", "closed_at").iterator():
                self.stdout.write(f"{number or f'#{pk}'}\tclosed {timezone.localtime(closed_at):%Y-%m-%d}")
                count += 1
            self.stdout.write(f"dry run: {count} closed ticket(s) closed before {cutoff:%Y-%m-%d} "
                              f"(retention {years} years) would be deleted; nothing was changed")
            return
        numbers, _ = tickets_archive(cutoff=cutoff)
        for number in numbers:
            self.stdout.write(f"deleted {number}")
        self.stdout.write(self.style.SUCCESS(
            f"{len(numbers)} closed ticket(s) closed before {cutoff:%Y-%m-%d} (retention {years} years) deleted"))

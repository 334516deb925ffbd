from django.core.management.base import BaseCommand, CommandError

from brokerdesk.core.audit import audit_verify


class Command(BaseCommand):
    help = "Audit trail tools. `brokerdesk audit verify` walks the hash chain; exit 1 names the first broken event."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **options):
        checked, broken = audit_verify()
        if broken:
            raise CommandError(f"audit chain BROKEN at {broken} ({checked} events verified before it)")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {checked} events verified"))

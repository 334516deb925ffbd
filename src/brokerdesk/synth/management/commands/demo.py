from django.core.management.base import BaseCommand

from brokerdesk.synth.demo import DEMO_PASSWORD, demo_loaded, load_demo


class Command(BaseCommand):
    help = "Load the demo brokerage (once) and print one login per role."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=400)
        parser.add_argument("--seed", type=int, default=20261121)

    def handle(self, *args, clients, seed, **options):
        if demo_loaded():
            self.stdout.write("demo brokerage already loaded")
        else:
            result = load_demo(clients=clients, seed=seed)
            self.stdout.write(self.style.SUCCESS(
                f"demo brokerage loaded: {result.clients} clients, {result.lake_days} trading days in the lake"))
        from brokerdesk.synth.demo import STAFF

        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for username, display, role, *_ in STAFF:
            self.stdout.write(f"  {username:<12} {display}  [{role.label}]")

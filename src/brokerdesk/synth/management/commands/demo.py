import time

from django.core.management.base import BaseCommand

from brokerdesk.synth.demo import DEMO_PASSWORD, STAFF, demo_loaded, load_demo


class Command(BaseCommand):
    help = "Load the demo brokerage once (synth + intake, plus one login per role) and print the logins."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=20_000)
        parser.add_argument("--days", type=int, default=250, help="trading days of history")
        parser.add_argument("--seed", type=int, default=20261121)

    def handle(self, *args, clients, days, seed, **options):
        if demo_loaded():
            self.stdout.write("demo brokerage already loaded")
        else:
            started = time.monotonic()
            result = load_demo(clients=clients, days=days, seed=seed,
                               progress=lambda m: self.stdout.write(f"[{time.monotonic() - started:6.1f}s] {m}"))
            self.stdout.write(self.style.SUCCESS(
                f"demo brokerage loaded: {result.clients:,} clients, {result.days} trading days, "
                f"in {time.monotonic() - started:.0f} s"))
            self.stdout.write(f"branch_a works at {result.branch_a}; branch_b at {result.branch_b}")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD})")
        for username, display, role, *_ in STAFF:
            self.stdout.write(f"  {username:<12} {display}  [{role.label}]")

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from brokerdesk.core.errors import ApplicationError
from brokerdesk.visits.generate import visit_tasks_generate


class Command(BaseCommand):
    help = "Return visits. `generate`: create the tasks of the active programmes for a business date."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        generate = actions.add_parser(
            "generate", help="generate the return-visit tasks for a business date (idempotent)",
            description="Generate the return-visit tasks of the active programmes for a business date (default: "
                        "today in Shanghai). Running it again the same day creates nothing new.")
        generate.add_argument("--date", default=None, help="business date, YYYY-MM-DD")
        generate.add_argument("--programme", nargs="+", default=None, metavar="CODE",
                              help="only these programmes (codes)")
        generate.add_argument("--json", action="store_true", help="print the run as JSON")

    def handle(self, *args, action: str, **options):
        if action == "generate":
            self._generate(options["date"], options["programme"], options["json"])

    def _generate(self, day_text: str | None, codes: list[str] | None, as_json: bool) -> None:
        day = None
        if day_text is not None:
            try:
                day = date.fromisoformat(day_text)
            except ValueError:
                raise CommandError(f"--date {day_text!r} is not a date: write it as YYYY-MM-DD.") from None
        try:
            run = visit_tasks_generate(actor=None, business_date=day, programme_codes=codes)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        report = {
            "run": run.pk,
            "business_date": run.business_date.isoformat(),
            "created": run.created,
            "total": run.total_created,
            "seconds": run.seconds,
            "messages": run.messages,
            "timings": run.timings,
        }
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(self.style.SUCCESS(
            f"run #{run.pk} {run.business_date}: {run.total_created:,} tasks created in {run.seconds:.1f} s"))
        width = max((len(code) for code in run.created), default=0)
        for code, count in run.created.items():
            note = run.messages.get(code)
            self.stdout.write(f"  {code:<{width}} {count:>10,}" + (f"  ({note})" if note else ""))
        for code, note in run.messages.items():
            if code not in run.created:
                self.stdout.write(f"  {code:<{width}} {'-':>10}  ({note})")
        self.stdout.write(f"  {'total':<{width}} {run.total_created:>10,}")

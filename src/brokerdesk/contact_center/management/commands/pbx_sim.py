"""brokerdesk pbx-sim: a simulated PBX over the signed telephony API (contact_center/telephony/simulator.py).

    brokerdesk pbx-sim --url http://127.0.0.1:8000 [--secret S] call --caller 13812345678 [--dialled 95xxx]
        [--ivr 2] [--answer-after 1] [--talk 600] [--ref CALL_REF]
    brokerdesk pbx-sim --url http://127.0.0.1:8000 day [--calls 300] [--speed 600] [--seed 1]
        [--agents-per-center 2] [--date 2026-11-17] [--json]
"""

import asyncio
import json
import sys
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from brokerdesk.contact_center.telephony import simulator


def _positive(value: str) -> float:
    number = float(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Simulate a PBX: one call (call) or a day of calls (day) through the signed telephony API."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--url", required=True, help="brokerdesk's base URL, e.g. http://127.0.0.1:8000")
        parser.add_argument("--secret", default=None, help="The shared secret (default: TELEPHONY_SECRET).")
        parser.add_argument("--concurrency", type=int, default=16, help="Requests in flight at most.")
        modes = parser.add_subparsers(dest="mode", required=True)
        call = modes.add_parser("call", help="Offer one call and carry it until it ends.")
        call.add_argument("--caller", required=True)
        call.add_argument("--dialled", default=getattr(settings, "MESSAGING_SERVICE_NUMBER", "95xxx"))
        call.add_argument("--ivr", default="2", help="IVR keys pressed, separated by commas (e.g. 2 or 9,2).")
        call.add_argument("--answer-after", type=_positive, default=1.0, dest="answer_after")
        call.add_argument("--talk", type=_positive, default=600.0)
        call.add_argument("--ref", default="")
        day = modes.add_parser("day", help="Replay a day of calls with simulated agents.")
        day.add_argument("--calls", type=int, default=300)
        day.add_argument("--speed", type=float, default=600.0, help="Simulated seconds per real second.")
        day.add_argument("--seed", type=int, default=1)
        day.add_argument("--agents-per-center", type=int, default=2, dest="agents_per_center")
        day.add_argument("--date", type=date.fromisoformat, default=None,
                         help="The simulated day (default: the last working day before today).")
        day.add_argument("--json", action="store_true", help="Print the summary as one JSON line.")

    def handle(self, *args, **options):
        secret = options["secret"] or settings.TELEPHONY_SECRET
        if options["mode"] == "call":
            return self._call(secret, options)
        return self._day(secret, options)

    def _emit(self, event: dict) -> None:
        self.stdout.write(json.dumps(event, ensure_ascii=False))
        self.stdout.flush()

    def _call(self, secret: str, options) -> None:
        ivr = tuple(d.strip() for d in options["ivr"].split(",") if d.strip())
        call_options = simulator.CallOptions(caller=options["caller"], dialled=options["dialled"], ivr=ivr,
                                             answer_after=options["answer_after"], talk=options["talk"],
                                             ref=options["ref"])

        async def main():
            client = simulator.TelephonyClient(options["url"], secret, concurrency=options["concurrency"])
            stop = asyncio.Event()
            simulator.install_stop_signals(stop)
            try:
                return await simulator.call_run(client, call_options, self._emit, stop)
            finally:
                await client.close()

        try:
            asyncio.run(main())
        except simulator.SimError as error:
            self._emit({"event": "error", "status": error.status, "body": error.body})
            raise CommandError(f"The server refused the call: {error.status}") from None

    def _day(self, secret: str, options) -> None:
        if options["calls"] < 1 or options["speed"] <= 0 or options["agents_per_center"] < 0:
            raise CommandError("--calls and --speed must be positive, --agents-per-center not negative.")
        plan = simulator.day_prepare(day=options["date"], calls=options["calls"], seed=options["seed"],
                                     agents_per_center=options["agents_per_center"])

        def log(line: str) -> None:
            if not options["json"]:
                self.stdout.write(line)

        async def main():
            client = simulator.TelephonyClient(options["url"], secret, concurrency=options["concurrency"])
            try:
                simulation = simulator.DaySimulation(client, plan, options["speed"], log)
                return await simulation.run(), simulation.errors
            finally:
                await client.close()

        summary, errors = asyncio.run(main())
        for error in errors[:10]:
            sys.stderr.write(f"error: {error}\n")
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
        else:
            self.stdout.write(simulator.summary_table(summary))

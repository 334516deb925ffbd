import json
import math

from django.core.management.base import BaseCommand, CommandError

from brokerdesk.contact_center.erlang import ERLANG_A, ERLANG_C, IntervalStaffing, plan_interval

DAY_SECONDS = 24 * 3600


def _number(option: str, text: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise CommandError(f"{option} {text!r} is not a number.") from None
    if math.isnan(value) or math.isinf(value):
        raise CommandError(f"{option} {text!r} is not a finite number.")
    return value


def _positive(option: str, text: str) -> float:
    value = _number(option, text)
    if value <= 0:
        raise CommandError(f"{option} must be greater than 0 (got {text}).")
    return value


def _fraction(option: str, text: str) -> float:
    value = _number(option, text)
    if not 0 < value < 1:
        raise CommandError(f"{option} must be a fraction between 0 and 1, exclusive, e.g. 0.8 (got {text}).")
    return value


def _profile(text: str) -> list[float]:
    items = [item.strip() for item in text.split(",")]
    if not text.strip() or any(item == "" for item in items):
        raise CommandError(f"--calls {text!r}: give a number of calls, or one per interval separated by commas "
                           "(e.g. 120,340,510).")
    calls = []
    for position, item in enumerate(items, start=1):
        where = f" (interval {position})" if len(items) > 1 else ""
        value = _number(f"--calls{where}", item)
        if value < 0:
            raise CommandError(f"--calls{where} cannot be negative (got {item}).")
        calls.append(value)
    return calls


def _start(text: str) -> int:
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60 and len(minutes) == 2):
        raise CommandError(f"--start {text!r} is not a time of day: write it as HH:MM, e.g. 09:00.")
    return int(hours) * 3600 + int(minutes) * 60


def _clock(seconds: float) -> str:
    seconds = round(seconds) % DAY_SECONDS
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def _finite(value: float | None) -> float | None:
    """JSON has no infinity: an unbounded wait is written as null."""
    if value is None or math.isinf(value):
        return None
    return value


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


class Command(BaseCommand):
    help = ("Agents needed per interval by Erlang C, or by Erlang A when --patience is given, with the expected "
            "service level, average speed of answer and abandonment.")

    def add_arguments(self, parser):
        parser.add_argument("--calls", required=True, metavar="N[,N...]",
                            help="calls offered in the interval, or a comma-separated profile with one figure per "
                                 "interval of the day (e.g. 120,340,510)")
        parser.add_argument("--interval-seconds", required=True, metavar="S", help="length of an interval, seconds")
        parser.add_argument("--aht", required=True, metavar="S",
                            help="average handle time (talk + hold + wrap-up), seconds")
        parser.add_argument("--service-level", default="0.8", metavar="FRACTION",
                            help="target fraction of calls answered within --answer-within (default 0.8)")
        parser.add_argument("--answer-within", default="20", metavar="S",
                            help="service-level threshold, seconds (default 20)")
        parser.add_argument("--patience", default=None, metavar="S",
                            help="mean caller patience, seconds: switches to Erlang A (callers abandon)")
        parser.add_argument("--max-asa", default=None, metavar="S",
                            help="also keep the average speed of answer at or below this many seconds")
        parser.add_argument("--max-abandon", default=None, metavar="FRACTION",
                            help="also keep abandonment at or below this fraction (needs --patience)")
        parser.add_argument("--start", default="00:00", metavar="HH:MM",
                            help="clock time of the first interval, for the labels (default 00:00)")
        parser.add_argument("--json", action="store_true", help="print the plan as JSON")

    def handle(self, *args, **options):
        calls = _profile(options["calls"])
        interval = _positive("--interval-seconds", options["interval_seconds"])
        aht = _positive("--aht", options["aht"])
        target = _fraction("--service-level", options["service_level"])
        answer_within = _number("--answer-within", options["answer_within"])
        if answer_within < 0:
            raise CommandError(f"--answer-within cannot be negative (got {options['answer_within']}).")
        patience = None if options["patience"] is None else _positive("--patience", options["patience"])
        max_asa = None if options["max_asa"] is None else _positive("--max-asa", options["max_asa"])
        max_abandon = None if options["max_abandon"] is None else _fraction("--max-abandon", options["max_abandon"])
        if max_abandon is not None and patience is None:
            raise CommandError("--max-abandon needs --patience: Erlang C assumes nobody abandons.")
        start = _start(options["start"])

        plans: list[IntervalStaffing] = []
        for value in calls:
            try:
                plans.append(plan_interval(value, interval, aht, target, answer_within, patience=patience,
                                           max_asa=max_asa, max_abandon=max_abandon))
            except ValueError as error:
                raise CommandError(str(error)) from error

        report = self._report(calls, plans, interval, aht, target, answer_within, patience, max_asa, max_abandon,
                              start)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            self._print_table(report)

    def _report(self, calls, plans, interval, aht, target, answer_within, patience, max_asa, max_abandon,
                start) -> dict:
        rows = []
        for index, (value, plan) in enumerate(zip(calls, plans, strict=True)):
            begin = start + index * interval
            rows.append({
                "index": index,
                "start": _clock(begin),
                "end": _clock(begin + interval),
                "calls": value,
                "erlangs": plan.load,
                "agents": plan.agents,
                "occupancy": plan.occupancy,
                "service_level": plan.service_level,
                "asa_seconds": _finite(plan.asa),
                "mean_wait_seconds": _finite(plan.mean_wait),
                "p_wait": plan.p_wait,
                "p_abandon": plan.p_abandon,
            })
        total_calls = math.fsum(calls)
        abandon_share = [plan.p_abandon or 0.0 for plan in plans]
        answered = [value * (1.0 - share) for value, share in zip(calls, abandon_share, strict=True)]
        totals = {
            "intervals": len(plans),
            "calls": total_calls,
            "erlang_hours": math.fsum(plan.load for plan in plans) * interval / 3600,
            "agent_hours": sum(plan.agents for plan in plans) * interval / 3600,
            "peak_agents": max(plan.agents for plan in plans),
            # call-weighted over the day; None when no call is offered at all
            "service_level": (math.fsum(value * plan.service_level for value, plan in zip(calls, plans, strict=True))
                              / total_calls) if total_calls else None,
            "asa_seconds": (math.fsum(a * plan.asa for a, plan in zip(answered, plans, strict=True) if a)
                            / math.fsum(answered)) if math.fsum(answered) else None,
            "p_abandon": (math.fsum(value * share for value, share in zip(calls, abandon_share, strict=True))
                          / total_calls if total_calls else None) if patience is not None else None,
        }
        return {
            "model": ERLANG_A if patience is not None else ERLANG_C,
            "inputs": {
                "interval_seconds": interval,
                "aht_seconds": aht,
                "service_level_target": target,
                "answer_within_seconds": answer_within,
                "patience_seconds": patience,
                "max_asa_seconds": max_asa,
                "max_abandon": max_abandon,
            },
            "definitions": {
                "service_level": "calls answered within answer_within_seconds / calls offered",
                "asa_seconds": "mean wait of answered calls",
                "mean_wait_seconds": "mean wait of all offered calls (abandoned ones until they hang up)",
                "occupancy": "carried load / agents",
            },
            "intervals": rows,
            "totals": totals,
        }

    def _print_table(self, report: dict) -> None:
        inputs, totals = report["inputs"], report["totals"]
        model = "Erlang A" if report["model"] == ERLANG_A else "Erlang C"
        heading = (f"{model}: AHT {inputs['aht_seconds']:g} s, target {inputs['service_level_target'] * 100:g}% "
                   f"answered within {inputs['answer_within_seconds']:g} s, "
                   f"{inputs['interval_seconds']:g}-second intervals")
        if inputs["patience_seconds"] is not None:
            heading += f", mean patience {inputs['patience_seconds']:g} s"
        self.stdout.write(self.style.SUCCESS(heading))
        header = (f"{'interval':<13} {'calls':>9} {'Erlangs':>9} {'agents':>7} {'occupancy':>9} {'SL':>7} "
                  f"{'ASA':>9} {'abandoned':>9}")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in report["intervals"]:
            asa = "inf" if row["asa_seconds"] is None else f"{row['asa_seconds']:.1f} s"
            self.stdout.write(
                f"{row['start'] + '-' + row['end']:<13} {row['calls']:>9,.0f} {row['erlangs']:>9.2f} "
                f"{row['agents']:>7,} {_percent(row['occupancy']):>9} {_percent(row['service_level']):>7} "
                f"{asa:>9} {_percent(row['p_abandon']):>9}")
        self.stdout.write("-" * len(header))
        asa = "-" if totals["asa_seconds"] is None else f"{totals['asa_seconds']:.1f} s"
        self.stdout.write(
            f"{'day':<13} {totals['calls']:>9,.0f} {'':>9} {'':>7} {'':>9} {_percent(totals['service_level']):>7} "
            f"{asa:>9} {_percent(totals['p_abandon']):>9}")
        self.stdout.write(
            f"{totals['intervals']} interval(s): {totals['agent_hours']:,.1f} agent-hours (peak "
            f"{totals['peak_agents']:,} agents) for {totals['erlang_hours']:,.1f} Erlang-hours of offered work; "
            "SL, ASA and abandonment of the day are weighted by calls.")

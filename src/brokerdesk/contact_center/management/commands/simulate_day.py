import json
import math
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from brokerdesk.contact_center import simulate as sim


def _number(option: str, text: str, *, minimum: float = 0.0, strict: bool = True) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise CommandError(f"{option} {text!r} is not a number.") from None
    if math.isnan(value) or math.isinf(value):
        raise CommandError(f"{option} {text!r} is not a finite number.")
    if (strict and value <= minimum) or (not strict and value < minimum):
        raise CommandError(f"{option} must be {'greater than' if strict else 'at least'} {minimum:g} (got {text}).")
    return value


def _whole(option: str, text: str, *, minimum: int = 1) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise CommandError(f"{option} {text!r} is not a whole number.") from None
    if value < minimum:
        raise CommandError(f"{option} must be at least {minimum} (got {text}).")
    return value


def _fraction(option: str, text: str) -> float:
    value = _number(option, text, strict=False)
    if value >= 1:
        raise CommandError(f"{option} must be a fraction from 0 to 1, e.g. 0.05 (got {text}).")
    return value


def read_profile(text: str) -> list[float]:
    """Calls per interval: a comma-separated list, or a CSV file with one row per interval (the last column is the
    number of calls; a header row is skipped)."""
    path = Path(text)
    if path.is_file():
        values = []
        for line_no, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
            if not line.strip():
                continue
            cell = line.replace(";", ",").split(",")[-1].strip()
            try:
                values.append(float(cell))
            except ValueError:
                if line_no == 1:
                    continue  # a header
                raise CommandError(f"--profile {text}, line {line_no}: {cell!r} is not a number of calls.") from None
    else:
        items = [item.strip() for item in text.split(",")]
        if any(item == "" for item in items):
            raise CommandError(f"--profile {text!r}: give calls per interval separated by commas (e.g. 120,340,510) "
                               "or the path of a CSV file.")
        values = []
        for position, item in enumerate(items, start=1):
            try:
                values.append(float(item))
            except ValueError:
                raise CommandError(f"--profile (interval {position}): {item!r} is not a number, and no file "
                                   f"{text!r} exists.") from None
    if not values:
        raise CommandError(f"--profile {text!r} has no intervals.")
    if any(v < 0 or math.isnan(v) or math.isinf(v) for v in values):
        raise CommandError("--profile: calls per interval must be finite and not negative.")
    if math.fsum(values) <= 0:
        raise CommandError("--profile has no calls at all.")
    return values


def _start(text: str) -> int:
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60 and len(minutes) == 2):
        raise CommandError(f"--start {text!r} is not a time of day: write it as HH:MM, e.g. 09:00.")
    return int(hours) * 3600 + int(minutes) * 60


def _percent(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


class Command(BaseCommand):
    help = ("Replay a day's arrival profile through the routing engine with the configured centers and agents (or a "
            "synthetic HQ + 27 sub-centers) and report service level, abandonment, ASA and occupancy per center. "
            "Give --overflow-after more than once to compare thresholds.")

    def add_arguments(self, parser):
        parser.add_argument("--synthetic", action="store_true",
                            help="HQ + --sub-centers synthetic centers (default hours, 30 s overflow wait) with "
                                 "Erlang-C rosters, instead of the configured network")
        parser.add_argument("--sub-centers", default="27", metavar="N", help="synthetic sub-centers (default 27)")
        parser.add_argument("--calls", default=None, metavar="N",
                            help="calls in the day (default: 300000 synthetic, else 100 per configured agent); "
                                 "with --profile, the profile is scaled to this total")
        parser.add_argument("--profile", default=None, metavar="CSV|N,N,...",
                            help="calls per interval from 00:00: a comma list or a CSV file (last column). "
                                 "Default: a brokerage's day in half hours, peaking in the trading sessions")
        parser.add_argument("--interval-seconds", default=None, metavar="S",
                            help="length of a profile interval (default: the day divided by the intervals)")
        parser.add_argument("--start", default="00:00", metavar="HH:MM",
                            help="clock time of the profile's first interval (default 00:00; a multiple of the "
                                 "interval)")
        parser.add_argument("--agents-per-center", default=None, metavar="K",
                            help="a fixed roster of K agents per center (default: the configured agents, or "
                                 "Erlang C per interval with --synthetic)")
        parser.add_argument("--staff-factor", default="1", metavar="F",
                            help="scale the Erlang-C rosters (e.g. 0.9 for 10%% understaffing)")
        parser.add_argument("--aht", default="180", metavar="S", help="average handle time incl. wrap-up (180)")
        parser.add_argument("--wrap-up", default="15", metavar="S", help="wrap-up seconds within the AHT (15)")
        parser.add_argument("--aht-distribution", choices=["exponential", "lognormal"], default="exponential")
        parser.add_argument("--patience", default="120", metavar="S", help="mean caller patience, seconds (120)")
        parser.add_argument("--overflow-after", action="append", default=None, metavar="S",
                            help="every center's overflow wait, seconds (default: as configured); repeat to compare")
        parser.add_argument("--vip-share", default="0.05", metavar="F", help="share of VIP callers (0.05)")
        parser.add_argument("--unknown-share", default="0.10", metavar="F",
                            help="share of callers who are not clients (routed to HQ; 0.10)")
        parser.add_argument("--date", default=None, metavar="YYYY-MM-DD",
                            help="the day simulated (hours and holidays); default the next working day")
        parser.add_argument("--seed", default="1", metavar="N")
        parser.add_argument("--json", action="store_true", help="print the reports as JSON")

    def handle(self, *args, **options):
        calls = None if options["calls"] is None else _whole("--calls", options["calls"])
        profile = read_profile(options["profile"]) if options["profile"] else None
        intervals = len(profile) if profile else len(sim.DEFAULT_PROFILE)
        interval = (_number("--interval-seconds", options["interval_seconds"]) if options["interval_seconds"]
                    else sim.DAY_SECONDS / intervals)
        start = _start(options["start"])
        if start % interval > 1e-6:
            raise CommandError(f"--start {options['start']} is not a whole number of {interval:g}-second intervals "
                               "after midnight.")
        if start + interval * intervals > sim.DAY_SECONDS + 1e-6:
            raise CommandError(f"--profile has {intervals} intervals of {interval:g} s from {options['start']}: "
                               "more than a day.")
        if profile:
            profile = [0.0] * round(start / interval) + profile
        elif start:
            raise CommandError("--start goes with --profile (the default profile covers the whole day).")
        counts_given = bool(profile) and calls is None  # the profile's own figures are the calls
        agents = (None if options["agents_per_center"] is None
                  else _whole("--agents-per-center", options["agents_per_center"], minimum=0))
        aht = _number("--aht", options["aht"])
        wrap_up = _number("--wrap-up", options["wrap_up"], strict=False)
        if wrap_up >= aht:
            raise CommandError(f"--wrap-up ({wrap_up:g} s) must be shorter than --aht ({aht:g} s).")
        common = {
            "aht": aht, "wrap_up": wrap_up, "aht_distribution": options["aht_distribution"],
            "patience": _number("--patience", options["patience"]),
            "vip_share": _fraction("--vip-share", options["vip_share"]),
            "unknown_share": _fraction("--unknown-share", options["unknown_share"]),
            "seed": _whole("--seed", options["seed"], minimum=0),
        }
        staff_factor = _number("--staff-factor", options["staff_factor"])
        day = None
        if options["date"]:
            try:
                day = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date {options['date']!r} is not a date (YYYY-MM-DD).") from None
        thresholds = [_number("--overflow-after", v, strict=False) for v in options["overflow_after"] or []] or [None]

        reports = []
        for threshold in thresholds:
            try:
                if options["synthetic"]:
                    scenario = sim.synthetic_scenario(
                        calls=calls or (int(sum(profile)) if counts_given else 300_000),
                        profile=profile, interval_seconds=interval,
                        sub_centers=_whole("--sub-centers", options["sub_centers"]),
                        agents_per_center=agents, staff_factor=staff_factor,
                        overflow_after=30.0 if threshold is None else threshold, **common)
                    if day is not None:
                        scenario.day = day
                else:
                    scenario = sim.scenario_from_database(
                        calls=calls, profile=profile, interval_seconds=interval, agents_per_center=agents,
                        overflow_after=threshold, day=day, staff_factor=staff_factor, **common)
            except ValueError as error:
                raise CommandError(str(error)) from error
            if not scenario.groups or not any(any(g.roster) for gs in scenario.groups.values() for g in gs):
                raise CommandError("No agents to simulate: configure agent profiles with skills, or give "
                                   "--agents-per-center or --synthetic (and a profile with calls during the "
                                   "centers' hours).")
            reports.append(sim.simulate(scenario))

        if options["json"]:
            self.stdout.write(json.dumps({"runs": reports}, ensure_ascii=False, indent=2))
            return
        for report in reports:
            self._print_report(report)
        if len(reports) > 1:
            self._print_comparison(reports)

    def _print_report(self, report: dict) -> None:
        inputs, overall = report["inputs"], report["overall"]
        self.stdout.write(self.style.SUCCESS(
            f"{inputs['day']}: {inputs['calls']:,} calls, {inputs['centers']} centers, overflow after "
            f"{'/'.join(f'{v:g}' for v in inputs['overflow_after_seconds'])} s, AHT {inputs['aht_seconds']:g} s, "
            f"patience {inputs['patience_seconds']:g} s; staffing: {inputs['staffing']}"))
        header = (f"{'center':<8} {'offered':>8} {'answered':>8} {'SL':>7} {'ASA s':>6} {'aband.':>7} "
                  f"{'callbk':>6} {'over out':>8} {'over in':>7} {'occup.':>7} {'peak':>5} | {'origin SL':>9} "
                  f"{'orig. aband.':>12}")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in report["centers"]:
            origin = row["origin"]
            asa = "-" if row["asa_seconds"] is None else f"{row['asa_seconds']:.1f}"
            self.stdout.write(
                f"{row['code']:<8} {row['offered']:>8,} {row['answered']:>8,} {_percent(row['service_level']):>7} "
                f"{asa:>6} {_percent(row['abandon_rate']):>7} {row['callback']:>6,} {row['overflowed_out']:>8,} "
                f"{row['overflowed_in']:>7,} {_percent(row['occupancy']):>7} {row['peak_agents']:>5} | "
                f"{_percent(origin['service_level']):>9} {_percent(origin['abandon_rate']):>12}")
        self.stdout.write("-" * len(header))
        asa = "-" if overall["asa_seconds"] is None else f"{overall['asa_seconds']:.1f}"
        self.stdout.write(
            f"{'all':<8} {overall['offered']:>8,} {overall['answered']:>8,} {_percent(overall['service_level']):>7} "
            f"{asa:>6} {_percent(overall['abandon_rate']):>7} {overall['callback']:>6,} "
            f"{overall['overflowed']:>8,} {'':>7} {_percent(overall['occupancy']):>7} {overall['peak_agents']:>5}")
        no_agent = ", ".join(f"{k} {v:,}" for k, v in report["no_agent"].items()) or "none"
        self.stdout.write(
            f"Without an agent: {no_agent}. SL = answered within {inputs['answer_within_seconds']:g} s / offered "
            "(answered + abandoned + callback after the maximum wait), by the center where the call ended; "
            f"'origin' columns are by the caller's home center. Simulated in {report['seconds']} s.")
        self.stdout.write("")

    def _print_comparison(self, reports: list[dict]) -> None:
        self.stdout.write(self.style.SUCCESS("Overflow thresholds compared (whole network):"))
        self.stdout.write(f"{'overflow after':>14} {'SL':>7} {'ASA s':>6} {'abandoned':>9} {'overflowed':>10}")
        for report in reports:
            overall = report["overall"]
            asa = "-" if overall["asa_seconds"] is None else f"{overall['asa_seconds']:.1f}"
            self.stdout.write(
                f"{'/'.join(f'{v:g}' for v in report['inputs']['overflow_after_seconds']) + ' s':>14} "
                f"{_percent(overall['service_level']):>7} {asa:>6} {_percent(overall['abandon_rate']):>9} "
                f"{overall['overflowed']:>10,}")

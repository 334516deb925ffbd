"""Write docs/benchmarks.md from the benchmark results (JSON) and a description of this machine.

    python -m bench.report [--results var/bench/results] [--out docs/benchmarks.md]
"""

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_P99_MS = 10.0
BASELINE = ROOT / "bench" / "screen_pop" / "baseline.json"
CARRIED_NOTE = "> Not measured in this run:"


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    system = platform.platform()
    try:
        info = dict(
            line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line
        )
        system = f"{info.get('PRETTY_NAME', '').strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram": ram, "os": system,
            "python": platform.python_version()}


def _size(n: int | None) -> str:
    if not n:
        return "–"
    return f"{n / 1024**3:.2f} GiB" if n >= 1024**3 else f"{n / 1024**2:.0f} MiB"


def _verdict(p99: float) -> str:
    return "met" if p99 <= TARGET_P99_MS else "**missed**"


def _load_text(load: dict) -> str:
    seconds = load["seconds"]
    steps = ", ".join(f"{k.replace('_', ' ')} {v} s" for k, v in seconds.items() if k != "total")
    text = f"{seconds['total']} s ({steps})"
    if load.get("reused"):
        text += f"; loaded {load['loaded_at'][:10]}, reused by this run"
    return text


def render(results: list[dict], baseline: dict | None, synth: dict | None = None,
           intakes: list[dict] | None = None, segmentations: list[dict] | None = None,
           carried_screen_pop: list[str] | None = None, tickets: list[dict] | None = None,
           previous: list[str] | None = None, visits: list[dict] | None = None,
           routing: dict | None = None, nps: list[dict] | None = None) -> str:
    """The report. previous: the lines of the report this one replaces; its sections that this run did not
    measure (no result file) are carried over unchanged, marked as such."""
    m = machine()
    done = [r for r in results if not r.get("skipped")]
    skipped = [r for r in results if r.get("skipped")]
    versions: dict = {}
    for r in done:
        versions.update(r["versions"])
    when = max((r["measured_at"] for r in done), default=datetime.now(UTC).isoformat(timespec="seconds"))
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`scripts/run-bench`); do not edit by hand, run it again. Benchmarks are not "
        "tests: nothing here fails a build, the figures are for reading and comparing.",
        "",
        (f"Measured {when.replace('T', ' ')} at commit {', '.join(sorted({r['commit'] for r in done}))}." if done
         else "Each section says when and at which commit it was measured."),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {m['cpu']} |",
        f"| cores | {m['cores']} |",
        f"| RAM | {m['ram']} |",
        f"| OS | {m['os']} |",
        f"| Python | {m['python']} |",
    ]
    if "postgresql" in versions:
        lines.append(f"| PostgreSQL | {versions['postgresql']} (server defaults, shared_buffers "
                     f"{versions.get('shared_buffers', '?')}) |")
    if "sqlite" in versions:
        lines.append(f"| SQLite | {versions['sqlite']} (WAL, as the application configures it) |")
    phases = ("before", "in_process", "http", "after")
    loads = ["{}: {}".format(r["db"], " → ".join(str(r["loadavg"][p][0]) for p in phases if p in r["loadavg"]))
             for r in done]
    if done:
        lines.append(f"| Django, uvicorn | {versions.get('django', '?')}, {versions.get('uvicorn', '?')} |")
        lines.append(f"| load average (1 min): start, in-process, HTTP, end | {'; '.join(loads)} |")
    busy = any(max(v[0] for v in r["loadavg"].values()) > (m["cores"] or 1) for r in done)
    if busy:
        lines += ["", "> The load average shows other work (other test and benchmark runs) sharing this machine's "
                  f"{m['cores']} cores during the measurements: every figure below is slower and noisier than on an "
                  "idle machine, the tails most of all. Run `make bench` on a quiet machine for reference figures."]
    previous = previous or []
    if results:
        lines += _screen_pop(done, skipped, baseline)
    elif previous and _sections(previous, "## screen_pop"):
        lines += _carried(_sections(previous, "## screen_pop")[0], _previous_machine(previous))
    elif carried_screen_pop:
        lines += _carried(carried_screen_pop)
    lines += _with_carried(_synth_and_intake(synth, None), previous, "## synth:")
    lines += _with_carried(_synth_and_intake(None, intakes), previous, "## intake on ")
    lines += _with_carried(_segmentation(segmentations or []), previous, "## segmentation on ")
    lines += _with_carried(_tickets(tickets or []), previous, "## tickets on ")
    lines += _with_carried(_visits(visits or []), previous, "## visits on ")
    lines += _with_carried(_routing(routing), previous, "## routing")
    lines += _with_carried(_nps(nps or []), previous, "## nps on ")
    if lines[-1].strip():
        lines.append("")
    lines += _reproduce()
    return "\n".join(lines) + "\n"


def _screen_pop(done: list[dict], skipped: list[dict], baseline: dict | None) -> list[str]:
    lines = [
        "",
        "## screen_pop: caller number → customer card, 3 million clients",
        "",
        "`GET /api/v1/customers/lookup?phone=<caller number>` as a call-center agent (center scope, bearer token "
        "with scope `customers:read`): token check, permission, scoping, the phone index, the masked card, JSON. "
        "Half the phones belong to a client (one in 20 is a family number that pops up two cards), half to "
        "nobody. **Target: p99 server time ≤ 10 ms.**",
        "",
    ]
    for r in skipped:
        lines += [f"{r['db']}: skipped ({r['skipped']}).", ""]
    if not done:
        return lines
    lines += [
        "### Data",
        "",
        "| | " + " | ".join(r["db"] for r in done) + " |",
        "|---|" + "---|" * len(done),
        "| clients | " + " | ".join(f"{r['data']['customers']:,}" for r in done) + " |",
        "| phone rows | " + " | ".join(f"{r['data']['phones']:,}" for r in done) + " |",
        "| branches | " + " | ".join(str(r["data"]["branches"]) for r in done) + " |",
        "| database size | " + " | ".join(_size(r["data"].get("database_bytes")) for r in done) + " |",
        "| load time | " + " | ".join(_load_text(r["load"]) for r in done) + " |",
        "",
        "Clients are individuals with valid resident IDs (GB 11643 check digits, from `synth.people`) and unique "
        "mainland mobiles; the loader streams them with `COPY … FREEZE` on PostgreSQL and `executemany` in "
        "500,000-row transactions on SQLite, with the secondary indexes and constraints dropped during the load "
        "and rebuilt from the migrated definitions, then `VACUUM ANALYZE` / `ANALYZE`.",
        "",
        "### Server time (in-process)",
        "",
        "The full Django request (all middleware, ninja, auth, view, JSON) through `django.test.Client`, plus the "
        "end-of-request connection housekeeping a server does (the connection goes back to the pool: psycopg's on "
        "PostgreSQL, `core.sqlite_pool` on SQLite; on PostgreSQL the two statements run prepared); "
        f"{done[0]['server_time']['warmup']} warm-up requests, then existing and unknown phones interleaved.",
        "",
        "| database | phone | requests | p50 ms | p90 ms | p99 ms | max ms | p99 ≤ 10 ms | queries/request |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in done:
        st = r["server_time"]
        for kind, label in (("hit", "exists"), ("miss", "unknown")):
            s = st[kind]
            lines.append(f"| {r['db']} | {label} | {s['n']:,} | {s['p50_ms']:.2f} | {s['p90_ms']:.2f} | "
                         f"{s['p99_ms']:.2f} | {s['max_ms']:.2f} | {_verdict(s['p99_ms'])} | "
                         f"{_queries(st, kind)} |")
    with_http = [r for r in done if r.get("http")]
    if with_http:
        h0 = with_http[0]["http"]
        lines += [
            "",
            "### Requests/s over HTTP",
            "",
            f"`uvicorn brokerdesk.asgi:application` with {h0['workers']} worker processes on 127.0.0.1, driven by "
            f"{'`wrk`' if h0['driver'] == 'wrk' else 'the Python fallback driver (wrk not installed; a lower bound)'}"
            f" from a separate process with keep-alive connections, {h0['seconds']} s per row, after a warm-up. "
            "Client and server share the same cores. Latencies are as the client sees them: with "
            f"{h0['connections']} connections on {h0['workers']} workers they include queueing; the one-connection "
            "row is the latency of a single screen-pop through the real server. Errors are non-2xx answers and "
            "socket errors.",
            "",
            "| database | phone | requests/s | requests | p50 ms | p99 ms | max ms | errors |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for r in with_http:
            rows = [("hit", f"exists, {h0['connections']} connections"),
                    ("miss", f"unknown, {h0['connections']} connections"),
                    ("hit_one_connection", "exists, 1 connection")]
            for kind, label in rows:
                s = r["http"].get(kind)
                if not s:
                    continue
                errors = sum(s["errors"].values())
                lines.append(f"| {r['db']} | {label} | {s['rps']:,.0f} | {s['requests']:,} | {s['p50_ms']:.2f} | "
                             f"{s['p99_ms']:.2f} | {s['max_ms']:.2f} | {errors} |")
        lines += _http_notes(with_http)
    if baseline:
        lines += _baseline(done, baseline)
    lines += _plans(done)
    return lines


def _http_notes(with_http: list[dict]) -> list[str]:
    """What the server side showed during the HTTP runs: connections opened, errors logged."""
    lines = []
    for r in with_http:
        http = r["http"]
        measured = sum(http[k]["requests"] for k in ("hit", "miss", "hit_one_connection") if http.get(k))
        sessions = http.get("db_sessions")
        if sessions is not None:
            lines += ["", f"{r['db']}: the server opened {sessions:,} database sessions for {measured:,} measured "
                      "requests (plus warm-up)."]
            if sessions >= measured / 2:
                lines[-1] += (" That is one connection per request: under ASGI Django runs each request's sync code "
                              "in a thread of its own, so a persistent connection (`CONN_MAX_AGE`) is never reused "
                              "and stays open until its thread is collected. Each request pays a PostgreSQL "
                              "connection (a backend process, authentication, cold catalog caches), and under load "
                              "the leftover connections reach `max_connections`.")
        errors = http.get("server_errors") or {}
        if errors.get("internal_server_errors"):
            lines += ["", f"{r['db']}: the server logged {errors['internal_server_errors']:,} internal server "
                      f"errors, {errors.get('too_many_clients', 0):,} of them PostgreSQL refusing a connection "
                      "(`too many clients already`)."]
    return lines


def _queries(server_time: dict, kind: str) -> str:
    key = "queries_per_request" if kind == "hit" else "queries_per_request_miss"
    return str(server_time.get(key, "?"))


def _baseline(done: list[dict], baseline: dict) -> list[str]:
    lines = [
        "",
        "### Against the baseline",
        "",
        f"`bench/screen_pop/baseline.json`: {baseline.get('note', '')}",
        "",
        "| database | phone | server p50 ms | server p99 ms | requests/s | queries/request | load average during "
        "the in-process run |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in done:
        before = baseline.get("results", {}).get(r["db"])
        if not before:
            continue
        for kind, label in (("hit", "exists"), ("miss", "unknown")):
            rps_then = before.get("http", {}).get(kind, {}).get("rps")
            rps_now = (r.get("http") or {}).get(kind, {}).get("rps")
            rps = f"{rps_then:,.0f} → {rps_now:,.0f}" if rps_then and rps_now else "–"
            then, now = before["server_time"], r["server_time"]
            load_then = (before.get("loadavg") or {}).get("in_process", ["?"])[0]
            load_now = r["loadavg"].get("in_process", ["?"])[0]
            lines.append(f"| {r['db']} | {label} | {then[kind]['p50_ms']:.2f} → {now[kind]['p50_ms']:.2f} | "
                         f"{then[kind]['p99_ms']:.2f} → {now[kind]['p99_ms']:.2f} | {rps} | "
                         f"{_queries(then, kind)} → {_queries(now, kind)} | "
                         f"{load_then} → {load_now} |")
    return lines


def _plans(done: list[dict]) -> list[str]:
    lines = ["", "### The queries of one request, and their plans", ""]
    for r in done:
        lines += [f"{r['db']}: {len(r['queries'])} queries.", ""]
        for p in r["plans"]:
            lines += ["```sql", p["sql"], "```", "```", p["plan"], "```", ""]
    return lines


def _met(value: float, target: float) -> str:
    return "met" if value <= target else "**missed**"


def _synth_and_intake(synth: dict | None, intakes: list[dict] | None) -> list[str]:
    """bench/synth and bench/intake: the synthetic brokerage at 3M clients and its nightly intake."""
    lines = []
    if synth:
        rows = sum(sum(b["rows"].values()) for b in synth["batches"])
        lines += [
            "",
            f"## synth: {synth['customers']:,} clients, {synth['days']} trading days",
            "",
            f"`brokerdesk synth --customers {synth['customers']} --days {synth['days']}` ({synth['format']}, seed "
            f"{synth['seed']}), measured {synth['when'][:16].replace('T', ' ')}; load average "
            f"{synth['load_average_before'][0]} → {synth['load_average_after'][0]}. Targets: ≤ "
            f"{synth['targets']['wall_seconds']} s, ≤ {synth['targets']['peak_rss_gib']} GiB.",
            "",
            "| wall s | CPU s | peak RSS GiB | rows | rows/s | wall ≤ target | memory ≤ target |",
            "|---|---|---|---|---|---|---|",
            f"| {synth['wall_seconds']} | {synth['cpu_seconds']} | {synth['peak_rss_gib']} | {rows:,} | "
            f"{rows / synth['wall_seconds']:,.0f} | {_met(synth['wall_seconds'], synth['targets']['wall_seconds'])} | "
            f"{_met(synth['peak_rss_gib'], synth['targets']['peak_rss_gib'])} |",
            "",
            "| batch | size | " + " | ".join(synth["batches"][0]["rows"]) + " |",
            "|---|---|" + "---|" * len(synth["batches"][0]["rows"]),
        ]
        for batch in synth["batches"]:
            counts = " | ".join(f"{batch['rows'].get(k, 0):,}" for k in synth["batches"][0]["rows"])
            lines.append(f"| {batch['folder']} | {batch['bytes'] / 1e9:.2f} GB | {counts} |")
    for result in intakes or []:
        lines += ["", f"## intake on {result['db']}: the synth batches, into an empty installation", ""]
        if result.get("skipped"):
            lines.append(f"Skipped: {result['skipped']}.")
            continue
        lines += [
            f"`brokerdesk intake` of each batch in its own process, as an operator runs it, into a new migrated "
            f"database and an empty lake; measured {result['measured_at'][:16].replace('T', ' ')} at commit "
            f"{result['commit']}; load average {result['loadavg']['before'][0]} → {result['loadavg']['after'][0]}. "
            f"Validation reads and checks every file before anything is applied; apply merges master data "
            f"(a first load indexes after loading) while a thread writes the lake. Targets: backfill ≤ "
            f"{result['targets']['seconds']['backfill']} s, daily ≤ {result['targets']['seconds']['daily']} s, "
            f"≤ {result['targets']['peak_rss_gib']} GiB.",
            "",
            "| batch | rows | wall s | validate s | apply s | rows/s | peak RSS GiB | time ≤ target "
            "| memory ≤ target |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for run in result["runs"]:
            target = run.get("target_seconds") or 0
            lines.append(
                f"| {run['batch']} ({run['kind']}) | {run['rows']:,} | {run['wall_seconds']} | "
                f"{run['phases'].get('validate', '–')} | {run['phases'].get('apply', '–')} | "
                f"{run['rows_per_second']:,} | {run['peak_rss_gib']} | "
                f"{_met(run['wall_seconds'], target) if target else '–'} | "
                f"{_met(run['peak_rss_gib'], result['targets']['peak_rss_gib'])} |")
        lines.append("")
        lines += [f"The lake after both batches: {_size(result['lake_bytes'])}.", ""]
    return lines


def _segmentation(results: list[dict]) -> list[str]:
    """bench/segmentation: the published seed rules over the 3M-client year, against pandas."""
    lines = []
    for result in results:
        targets = result["targets"]
        lines += [
            "", f"## segmentation on {result['db']}: {result['clients']:,} clients, seed rules, against pandas", "",
            f"`brokerdesk segment --date D --json`, each run in its own process, on the installation bench/intake "
            f"left; measured {result['measured_at'][:16].replace('T', ' ')} at commit {result['commit']}; load "
            f"average {result['loadavg']['before'][0]} → {result['loadavg']['after'][0]}. *initial* writes every "
            f"membership into empty tables (the backfill date); *nightly* is the daily batch's date, writing only "
            f"the memberships that changed (the run the target is about); *repeat* runs that date again and "
            f"writes nothing. *pandas* is bench/segmentation/pandas_baseline.py on the nightly date, the same "
            f"clients and lake files. Run seconds are the run's own (reading clients, features, rules, diff, "
            f"write-back), without interpreter start-up; wall includes it. Targets: ≤ {targets['seconds']:g} s, "
            f"≤ {targets['peak_rss_gib']:g} GiB, ≥ {targets['ratio']:g}× pandas.",
            "",
            "| run | run s | wall s | peak RSS GiB | entered | left | steps (s) |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, run in result["runs"].items():
            report = run["report"]
            steps = ", ".join(f"{k} {v}" for k, v in report.get("durations_seconds", {}).items() if k != "total")
            lines.append(
                f"| {name} ({report.get('business_date', '?')}) | {report.get('durations_seconds', {}).get('total')}"
                f" | {run['wall_seconds']} | {run['peak_rss_gib']} | {sum(report.get('entered', {}).values()):,} | "
                f"{sum(report.get('left', {}).values()):,} | {steps} |")
        pandas = result["pandas"]
        seconds = pandas["report"].get("seconds", {})
        steps = ", ".join(f"{k} {v}" for k, v in seconds.items() if k != "total")
        lines.append(f"| pandas ({pandas['report'].get('business_date', '?')}) | {seconds.get('total')} | "
                     f"{pandas['wall_seconds']} | {pandas['peak_rss_gib']} | – | – | {steps} |")
        nightly = result["runs"]["nightly"]
        seconds_ok = _met(nightly["report"]["durations_seconds"]["total"], targets["seconds"])
        memory = max(r["peak_rss_gib"] for r in result["runs"].values())
        ratio_ok = ("**not measured** (the pandas run failed: exit code "
                    f"{pandas['exit_code']}, peak {pandas['peak_rss_gib']} GiB)" if result["ratio"] is None
                    else "met" if result["ratio"] >= targets["ratio"] else "**missed**")
        members = nightly["report"]["members"]
        lines += [
            "",
            f"Nightly run: time {seconds_ok}; peak memory of the engine runs {memory} GiB, "
            f"{_met(memory, targets['peak_rss_gib'])}; {result['ratio'] or '–'}× faster than pandas, {ratio_ok}. "
            f"pandas found {'the same' if result['same_memberships_as_pandas'] else '**different**'} "
            f"membership counts. Members on the nightly date: "
            + ", ".join(f"{k} {v:,}" for k, v in members.items()) + ".",
            "",
        ]
    return lines


def _carried(section: list[str], machine: str = "") -> list[str]:
    """A section of the previous report, marked as not measured in this run. A section carried before keeps its
    note (which names the machine that measured it); a newly carried one is noted with the previous report's
    machine, since the Machine table above describes this run's."""
    body = list(section[1:])
    while body and not body[0].strip():
        body.pop(0)
    if body and body[0].startswith(CARRIED_NOTE):
        return ["", section[0], "", *body]
    measured_on = f", measured on {machine}" if machine else ""
    return ["", section[0], "", f"{CARRIED_NOTE} carried over unchanged from the previous docs/benchmarks.md"
            f"{measured_on} (the machine and commit it names are that run's).", "", *body]


def _previous_machine(previous: list[str]) -> str:
    """The CPU and cores the previous report's Machine table names."""
    rows = {}
    for line in previous:
        if line.startswith("| ") and line.count("|") == 3:
            key, value = (cell.strip() for cell in line.strip("|").split("|"))
            rows.setdefault(key, value)
    if "CPU" not in rows:
        return ""
    return f"{rows['CPU']}, {rows.get('cores', '?')} cores"


def _section_key(heading: str) -> str:
    """What identifies a section across runs: its heading up to the colon ("## intake on SQLite")."""
    return heading.split(":", 1)[0].strip()


def _with_carried(new: list[str], previous: list[str], prefix: str) -> list[str]:
    """The new sections of a kind, plus the previous report's sections of that kind this run did not write."""
    written = {_section_key(line) for line in new if line.startswith("## ")}
    lines = list(new)
    for section in _sections(previous, prefix):
        if _section_key(section[0]) not in written:
            lines += _carried(section, _previous_machine(previous))
    return lines


def _sections(lines: list[str], prefix: str) -> list[list[str]]:
    """Every section of lines whose heading starts with prefix, without trailing blank lines and carry notes."""
    found = []
    for start, line in enumerate(lines):
        if not line.startswith(prefix):
            continue
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        while end > start and not lines[end - 1].strip():
            end -= 1
        found.append(lines[start:end])
    return found


def _on_machine(m: dict) -> str:
    return f" on {m['cpu']}, {m['cores']} cores" if m.get("cpu") else ""


def _tickets(results: list[dict]) -> list[str]:
    """bench/tickets: the queue page over a million tickets, and the SLA sweep."""
    lines = []
    labels = {"hq_agent": "HQ agent (all branches)", "branch_staff": "branch staff (biggest branch)"}
    for r in results:
        if r.get("skipped"):
            lines += ["", f"## tickets on {r['db']}: the queue and the SLA sweep", "", f"Skipped: {r['skipped']}.", ""]
            continue
        d, q, sweep, targets = r["data"], r["queue"], r["sweep"], r["targets"]
        big = d["big_branch"]
        lines += [
            "",
            f"## tickets on {r['db']}: the queue with {d['tickets']:,} tickets, the SLA sweep over "
            f"{d['running_timers']:,} running clocks",
            "",
            f"`python -m bench.tickets --db {r['db'].lower()}`; measured {r['measured_at'][:16].replace('T', ' ')} at "
            f"commit {r['commit']}{_on_machine(r.get('machine') or {})}; load average {r['loadavg']['before'][0]} → "
            f"{r['loadavg']['after'][0]}. "
            f"{d['tickets']:,} tickets over 24 months ({d['open_tickets']:,} open), {d['branches']} branches "
            f"(skewed: the biggest holds {big['tickets']:,}, {big['open']:,} open), {d['customers']:,} clients, "
            f"{d['staff']:,} staff; {d['running_timers']:,} running SLA clocks firing over the next 30 days and "
            f"{d['stopped_timers']:,} stopped ones; database {_size(d.get('database_bytes'))}, tickets table "
            f"{_size(d.get('ticket_table_bytes'))} with {_size(d.get('ticket_index_bytes'))} of indexes. Load: "
            f"{_load_text(r['load'])}. **Targets: queue p95 ≤ {targets['queue_p95_ms']:g} ms, sweep ≤ "
            f"{targets['sweep_ms']:g} ms.**",
            "",
        ]
        cores = (r.get("machine") or {}).get("cores") or os.cpu_count() or 1
        if max(v[0] for v in r["loadavg"].values()) > cores:
            lines += [f"> The load average shows other work sharing this machine's {cores} cores during the "
                      "measurements: these figures are slower and noisier than on an idle machine, the tails most "
                      "of all.", ""]
        lines += [
            "### The queue page",
            "",
            f"`GET /tickets/` end to end through `django.test.Client` (session, user, permission, the supervision "
            f"box, the queue query, the template), plus the end-of-request connection housekeeping a server does; "
            f"{q['warmup']} warm-up requests, then {q['requests']} per row, all rows interleaved. *open* is the "
            f"default filter; *number* searches `{q['number']}`, an open ticket of the biggest branch.",
            "",
            "| user | variant | query string | p50 ms | p95 ms | p99 ms | max ms | p95 ≤ target | queries/request |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for label, by_variant in q["latency"].items():
            for name, s in by_variant.items():
                params = "&".join(f"{k}={v}" for k, v in q["variants"][name].items()) or "–"
                lines.append(
                    f"| {labels.get(label, label)} | {name} | `{params}` | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} | "
                    f"{s['p99_ms']:.1f} | {s['max_ms']:.1f} | {_met(s['p95_ms'], targets['queue_p95_ms'])} | "
                    f"{q['queries_per_request'][label][name]} |")
        lines += ["", "### The queue query's plans", "",
                  "`EXPLAIN (ANALYZE, BUFFERS)` of the queue's own query (the page of tickets), once, after the "
                  "timed runs." if r["db"] == "PostgreSQL" else "`EXPLAIN QUERY PLAN` of the queue's own query.", ""]
        if r["db"] == "PostgreSQL":
            lines += ["| user | variant | scans | sort | execution ms |", "|---|---|---|---|---|"]
            for label, by_variant in q["plans"].items():
                for name, p in by_variant.items():
                    summary = p["summary"]
                    lines.append(f"| {labels.get(label, label)} | {name} | {'; '.join(summary.get('scans', []))} | "
                                 f"{summary.get('sort', '–')} | {summary.get('execution_ms', '–')} |")
            lines.append("")
        agent = q["plans"].get("hq_agent", {})
        for name in ("open", "all"):
            if name in agent:
                lines += [f"HQ agent, *{name}*:", "", "```", agent[name]["plan"], "```", ""]
        idle, firing = sweep["nothing_due"], sweep["firing"]
        lines += [
            "### The SLA sweep",
            "",
            f"`sla_sweep(now=…)` in-process. *Nothing due*: {idle['n']} sweeps over the running clocks with none "
            f"due (the cost of every tick). *Firing*: {firing['runs']} sweeps each finding {firing['due']} clocks "
            "due (half warnings, half breaches) inserted just before it and removed after it; each firing writes "
            "the firing row, a ticket event, an audit record and notifications.",
            "",
            "| sweep | runs | p50 / median ms | p95 / max ms | queries | ≤ target |",
            "|---|---|---|---|---|---|",
            f"| nothing due | {idle['n']} | {idle['p50_ms']:.2f} | {idle['p95_ms']:.2f} | {idle['queries']} | "
            f"{_met(idle['p95_ms'], targets['sweep_ms'])} |",
            f"| firing {firing['due']} | {firing['runs']} | {firing['median_ms']:.1f} | {firing['max_ms']:.1f} | "
            f"{firing['queries']:,} | {_met(firing['median_ms'], targets['sweep_ms'])} |",
            "",
        ]
        if firing.get("query_shapes"):
            lines += ["The firing sweep's SQL by statement (the most frequent first): "
                      + "; ".join(f"{s['count']}× `{s['sql'][:60]}…`" for s in firing["query_shapes"][:6]) + ".",
                      ""]
        if idle.get("plan"):
            lines += ["The sweep's claim query with nothing due:", "", "```", idle["plan"], "```", ""]
    return lines


def _visits(results: list[dict]) -> list[str]:
    """bench/visits: the daily return-visit generation over the 3M-client installation, twice the same day."""
    lines = []
    for r in results:
        targets, initial, daily = r["targets"], r["runs"]["initial"], r["runs"]["daily"]
        segmentation = r.get("segmentation_run") or {}
        lines += [
            "",
            f"## visits on {r['db']}: {r['clients']:,} clients, the daily generation of return-visit tasks",
            "",
            "`brokerdesk visits generate --date D --json`, each run in its own process, on the "
            f"installation bench/intake left (segmentation run #{segmentation.get('id', '?')} of "
            f"{segmentation.get('business_date', '?')}"
            + (", run by the benchmark first, untimed" if r.get("segmentation_before") else "")
            + f"); measured {r['measured_at'][:16].replace('T', ' ')} at commit {r['commit']}; load average "
            f"{r['loadavg']['before'][0]} → {r['loadavg']['after'][0]}. Visit tasks, samples and runs are cleared "
            "first. *initial* is a new installation's one-time backlog on the backfill's date, into the empty task "
            "table (the annual sample drawn, every segment member and feature-rule match, new accounts; indexes "
            f"rebuilt after the load); *daily* is the next business day ({r['business_date']}), the run the daily "
            "job makes every morning over all clients with the previous day's tasks in place; *repeat* runs that "
            "date again and must create nothing. Run seconds are the run's own, without interpreter start-up; wall "
            f"includes it. **Target: daily run ≤ {targets['seconds']:g} s.**",
            "",
            "| run | tasks created | run s | wall s | CPU s | peak RSS GiB | ≤ target |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, run in r["runs"].items():
            report = run["report"]
            seconds = report.get("seconds")
            if seconds is None:
                verdict = f"failed (exit {run['exit_code']})"
            else:
                verdict = _met(seconds, targets["seconds"]) if name == "daily" else "–"
            lines.append(f"| {name} | {report.get('total', 0):,} | {seconds} | {run['wall_seconds']} | "
                         f"{run['cpu_seconds']} | {run['peak_rss_gib']} | {verdict} |")
        created = initial["report"].get("created", {})
        daily_created = daily["report"].get("created", {})
        lines += ["", "| programme | tasks (initial) | initial s | tasks (daily) | daily s | repeat s |",
                  "|---|---|---|---|---|---|"]
        steps = {name: run["report"].get("timings", {}) for name, run in r["runs"].items()}
        for code, n in created.items():
            lines.append(f"| {code} | {n:,} | {steps['initial'].get(code, '–')} | {daily_created.get(code, 0):,} | "
                         f"{steps['daily'].get(code, '–')} | {steps['repeat'].get(code, '–')} |")
        other = {k: v for k, v in steps["initial"].items() if k not in created}
        idempotent = r["verdicts"]["idempotent"]
        lines += [
            "",
            "Other steps of the initial run (s): " + (", ".join(f"{k} {v}" for k, v in other.items()) or "–")
            + ". " + ("The repeat created nothing: generation is idempotent." if idempotent
                      else "**The repeat created tasks: generation is not idempotent.**"),
            "",
        ]
        messages = daily["report"].get("messages") or {}
        if messages:
            lines += ["Programmes that generated nothing, and why: "
                      + "; ".join(f"{k}: {v}" for k, v in messages.items()) + ".", ""]
    return lines


def _routing(r: dict | None) -> list[str]:
    """bench/routing: Router.route latency, call_offer on both databases, a simulated day of 300k calls."""
    if not r:
        return []
    route, day, targets = r["route"], r["day"], r["targets"]
    overall = day["overall"]
    lines = [
        "",
        "## routing: decision latency, the call_offer path, a simulated day across HQ + 27 sub-centers",
        "",
        f"Measured {r['measured_at'][:16].replace('T', ' ')} at commit {r['commit']}; load average "
        f"{r['loadavg']['before'][0]} → {r['loadavg']['after'][0]}.",
        "",
        "### Router.route",
        "",
        f"`engine.Router.route` in-process, no database, {route['requests']:,} varied requests on {route['centers']} "
        f"centers ({route['kinds']['first']:,} first routings: clients, VIPs, complaint and menu keys, unknown "
        f"callers, calls out of hours; {route['kinds']['recheck']:,} rechecks before and after the overflow wait "
        "and past the maximum wait), against a LiveView of plain counts reshuffled every 50 requests; each call "
        f"timed with `perf_counter_ns`. **Target: p99 ≤ {targets['route_p99_ms']:g} ms.**",
        "",
        "| p50 ms | p99 ms | max ms | mean ms | ≤ target |",
        "|---|---|---|---|---|",
        f"| {route['p50_ms']} | {route['p99_ms']} | {route['max_ms']} | {route['mean_ms']} | "
        f"{_met(route['p99_ms'], targets['route_p99_ms'])} |",
        "",
        "Decisions: " + ", ".join(f"{k} {v:,}" for k, v in route["actions"].items()) + ".",
        "",
    ]
    services = r.get("services") or []
    if services:
        lines += [
            "### call_offer (identify + route + write)",
            "",
            "`services.calls.call_offer` one call at a time on a new small database (28 centers, 3 available "
            "agents each, 1,000 clients; 70 % of callers known): the phone lookup and VIP check, the Router with "
            "the DatabaseLiveView (one grouped query), the Call / leg / agent / audit writes in one transaction, "
            "**and the on-commit hooks that run in the same request** (the realtime screen-pop push renders its "
            "template there). The first 50 calls are a warm-up, not counted. Each call is ended afterwards "
            "(untimed)." + (f" Measured in an earlier run ({r['services_measured_at'][:16].replace('T', ' ')})."
                            if r.get("services_measured_at") else ""),
            "",
            "| database | calls | p50 ms | p99 ms | max ms | mean ms | answers |",
            "|---|---|---|---|---|---|---|",
        ]
        notes = []
        for s in services:
            if s.get("skipped") or s.get("failed"):
                lines.append(f"| {s['db']} | {s.get('skipped') or 'failed: ' + '; '.join(s['failed'])} "
                             "| | | | | |")
                continue
            lines.append(f"| {s['db']} | {s['calls']:,} | {s['p50_ms']} | {s['p99_ms']} | {s['max_ms']} | "
                         f"{s['mean_ms']} | " + ", ".join(f"{k} {v:,}" for k, v in s["actions"].items()) + " |")
            if s.get("call_ended_failed"):
                notes.append(f"{s['db']}: `call_ended` failed (`{s['call_ended_failed']}`); the benchmark "
                             "ended the calls directly.")
        lines += ["", *[f"> {n}" for n in notes], *([""] if notes else [])]
    inputs = day["inputs"]
    lines += [
        f"### A simulated day: {inputs['calls']:,} calls, HQ + {inputs['centers'] - 1} sub-centers",
        "",
        "`contact_center.simulate` (discrete events, the real `Router.route` for every first routing and "
        f"recheck: {day['route_calls']:,} calls of it) on {inputs['day']}: the brokerage's half-hourly profile "
        f"(peaks in the trading sessions), callers uniform over the sub-centers, {inputs['unknown_share']:.0%} "
        f"unknown (HQ), {inputs['vip_share']:.0%} VIP, IVR keys mostly general; AHT {inputs['aht_seconds']:g} s "
        f"({inputs['aht_distribution']} talk + {inputs['wrap_up_seconds']:g} s wrap-up), exponential patience "
        f"with mean {inputs['patience_seconds']:g} s, overflow after "
        f"{'/'.join(f'{v:g}' for v in inputs['overflow_after_seconds'])} s, callback offered past "
        f"{inputs['max_wait_seconds']:g} s; staffing: {inputs['staffing']}. "
        f"**Target: ≤ {targets['day_seconds']:g} s.**",
        "",
        "| wall s | simulation s | CPU s | peak RSS MiB | events | ≤ target |",
        "|---|---|---|---|---|---|",
        f"| {day['wall_seconds']} | {day['seconds']} | {day['cpu_seconds']} | {day['peak_rss_mib']} | "
        f"{day['events']:,} | {_met(day['wall_seconds'], targets['day_seconds'])} |",
        "",
        *([f"An earlier run at {r['earlier_run']['measured_at'][:16].replace('T', ' ')}, with other work "
           f"loading the machine (load average {r['earlier_run']['loadavg']['after'][0]}), took "
           f"{r['earlier_run']['day_wall_seconds']} s for the same day: the simulation is CPU-bound and slows "
           "with the machine's load.", ""] if r.get("earlier_run") else []),
        f"Service level = answered within {inputs['answer_within_seconds']:g} s of the offer / offered (answered + "
        "abandoned + callback after the maximum wait), by the center where the call ended; *origin* is by the "
        "caller's home center. Occupancy = busy (talk + wrap-up) / logged-in agent time.",
        "",
        "| center | offered | SL | ASA s | abandoned | overflow out | overflow in | occupancy | peak agents "
        "| origin SL | origin abandoned |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def pct(x):
        return "–" if x is None else f"{x * 100:.1f} %"

    for c in day["centers"]:
        o = c["origin"]
        lines.append(f"| {c['code']} | {c['offered']:,} | {pct(c['service_level'])} | {c['asa_seconds']} | "
                     f"{pct(c['abandon_rate'])} | {c['overflowed_out']:,} | {c['overflowed_in']:,} | "
                     f"{pct(c['occupancy'])} | {c['peak_agents']} | {pct(o['service_level'])} | "
                     f"{pct(o['abandon_rate'])} |")
    lines += [
        f"| **all** | {overall['offered']:,} | {pct(overall['service_level'])} | {overall['asa_seconds']} | "
        f"{pct(overall['abandon_rate'])} | {overall['overflowed']:,} | | {pct(overall['occupancy'])} | "
        f"{overall['peak_agents']} | | |",
        "",
        "Without an agent: " + ", ".join(f"{k} {v:,}" for k, v in day["no_agent"].items()) + ".",
        "",
    ]
    return lines


def _nps(results: list[dict]) -> list[str]:
    """bench/nps: NPS by branch x month over 1M survey responses."""
    lines = []
    for r in results:
        if r.get("skipped"):
            lines += ["", f"## nps on {r['db']}: NPS by branch x month", "", f"Skipped: {r['skipped']}.", ""]
            continue
        d, t = r["data"], r["timings"]
        bm = t["branch_month"]
        lines += [
            "",
            f"## nps on {r['db']}: NPS by branch x month over {d['responses']:,} survey responses",
            "",
            f"`surveys.analytics.branch_month_table` as a company-wide reviewer (permission, scoping, one SQL "
            f"aggregate over the daily NPS counts the submission keeps ({d.get('daily_rows', 0):,} rows: "
            f"day x branch x theme x channel x officer flag), labels and 95 % intervals) over "
            f"{d['branches']} branches x {d['months']} months (Shanghai time), {d['officer_responses']:,} of the "
            f"responses experience officers' (left out); measured {r['measured_at'][:16].replace('T', ' ')} at "
            f"commit {r['commit']}, {d['database']}; load average at the end {r['loadavg'][0]}. One warm-up call, "
            f"then the timed runs. **Target: ≤ {r['targets']['seconds']:g} s.**",
            "",
            "| query | runs | p50 s | min s | max s | ≤ target |",
            "|---|---|---|---|---|---|",
            f"| NPS by branch x month ({bm['groups']:,} groups, {bm['responses_counted']:,} responses) | "
            f"{bm['runs']} | {bm['p50_s']} | {bm['min_s']} | {bm['max_s']} | "
            f"{_met(bm['p50_s'], r['targets']['seconds'])} |",
            f"| NPS by branch | {t['by_branch']['runs']} | {t['by_branch']['p50_s']} | {t['by_branch']['min_s']} | "
            f"{t['by_branch']['max_s']} | |",
            f"| the whole dashboard (≈ 15 queries) | {t['dashboard']['runs']} | {t['dashboard']['p50_s']} | "
            f"{t['dashboard']['min_s']} | {t['dashboard']['max_s']} | |",
            "",
            f"Data: table {_size(d['table_bytes'])}; loaded in "
            + ", ".join(f"{k} {v} s" for k, v in r["load"]["seconds"].items()) + ".",
            "",
            "```sql", r["query"], "```", "```", r["plan"], "```", "",
        ]
        if r.get("verdict") == "missed":
            cores = (r.get("machine") or {}).get("cores", "?")
            lines += [f"> Missed, with the load average at {r['loadavg'][0]} on {cores} cores at the end of the run.",
                      ""]
    return lines


def _reproduce() -> list[str]:
    return [
        "## How to reproduce",
        "",
        "```sh",
        "make bench                      # setup, then scripts/run-bench: every benchmark, both databases",
        "scripts/run-bench --reload      # load the benchmark databases again instead of reusing them",
        ".venv/bin/python -m bench.screen_pop --db sqlite --customers 100000 --seconds 5   # one quick run",
        ".venv/bin/python -m bench.synth --out var/bench/synth3m --keep   # the synthetic brokerage",
        ".venv/bin/python -m bench.intake --db postgresql --batches var/bench/synth3m",
        ".venv/bin/python -m bench.segmentation --db postgresql   # after bench.intake on that database",
        ".venv/bin/python -m bench.tickets --db postgresql   # 1M tickets; --reuse keeps a loaded database",
        ".venv/bin/python -m bench.visits --db postgresql   # after bench.intake (segments first if needed)",
        ".venv/bin/python -m bench.routing   # Router.route, call_offer on both databases, a 300k-call day",
        ".venv/bin/python -m bench.nps   # NPS by branch x month over 1M survey responses, both databases",
        "```",
        "",
        "- PostgreSQL: `BENCH_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/brokerdesk_bench`); "
        "the database is dropped and created by the benchmark, then migrated. Unreachable PostgreSQL is skipped "
        "unless `REQUIRE_POSTGRES=1`.",
        "- SQLite: `var/bench/screen_pop.sqlite3` (under `BROKERDESK_VAR_DIR`, default `var/bench`).",
        "- bench/tickets: `BENCH_TICKETS_POSTGRES_URL` (default "
        "`postgres://postgres@127.0.0.1:5432/bd_bench_tickets`), dropped, created and migrated by each run unless "
        "`--reuse` finds the same load; SQLite: `var/bench/tickets.sqlite3`.",
        "- A section with no result file in a run is carried over unchanged from the previous report, marked so.",
        "- A loaded database is reused when it already holds the requested clients (a load record in table "
        "`bench_screen_pop` and `COUNT(*)` agree); `--reload` forces a new load.",
        "- The load generator is installed by `scripts/run-bench` (`apt-get install wrk`) when it can be; without "
        "it a Python driver is used and named in the figures.",
        "- Raw figures: `var/bench/results/*.json`. `scripts/run-bench --save-baseline NOTE` stores them as "
        "`bench/screen_pop/baseline.json`, the reference the report compares with.",
    ]


def _previous_section(path: Path, heading: str) -> list[str] | None:
    """A section of the existing report, from its heading to the next section: kept when a run skips it."""
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(heading)), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    while end > start and not lines[end - 1].strip():
        end -= 1
    return [line for line in lines[start:end] if not line.startswith(CARRIED_NOTE)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=Path, default=ROOT / "var" / "bench" / "results")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--save-baseline", metavar="NOTE", help="store these results as the baseline, with a note")
    args = parser.parse_args()
    order = {"PostgreSQL": 0, "SQLite": 1}
    results = sorted((json.loads(p.read_text()) for p in sorted(args.results.glob("screen_pop-*.json"))),
                     key=lambda r: order.get(r["db"], 9))
    carried = None if results else _previous_section(args.out, "## screen_pop")
    tickets = sorted((json.loads(p.read_text()) for p in sorted(args.results.glob("tickets-*.json"))),
                     key=lambda r: order.get(r["db"], 9))
    visits = sorted((json.loads(p.read_text()) for p in sorted(args.results.glob("visits-*.json"))),
                    key=lambda r: order.get(r["db"], 9))
    routing_file = args.results / "routing.json"
    routing = json.loads(routing_file.read_text()) if routing_file.exists() else None
    nps = sorted((json.loads(p.read_text()) for p in sorted(args.results.glob("nps-*.json"))),
                 key=lambda r: order.get(r["db"], 9))
    if not results and not carried and not tickets and not visits and not routing and not nps:
        print(f"no results in {args.results}", file=sys.stderr)
        return 1
    if args.save_baseline:
        BASELINE.write_text(json.dumps({
            "note": args.save_baseline,
            "results": {r["db"]: {"measured_at": r["measured_at"], "commit": r["commit"],
                                  "server_time": r["server_time"], "http": r["http"], "loadavg": r["loadavg"]}
                        for r in results if not r.get("skipped")},
        }, indent=2, ensure_ascii=False) + "\n")
        print(f"baseline saved to {BASELINE.relative_to(ROOT)}")
    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else None
    args.out.parent.mkdir(parents=True, exist_ok=True)
    synth_file = args.results / "synth.json"
    synth = json.loads(synth_file.read_text()) if synth_file.exists() else None
    intakes = sorted((json.loads(p.read_text()) for p in sorted(args.results.glob("intake-*.json"))),
                     key=lambda r: order.get(r["db"], 9))
    segmentations = sorted((json.loads(p.read_text()) for p in sorted(args.results.glob("segmentation-*.json"))),
                           key=lambda r: order.get(r["db"], 9))
    previous = args.out.read_text(encoding="utf-8").splitlines() if args.out.exists() else []
    args.out.write_text(render(results, baseline, synth, intakes, segmentations, carried, tickets, previous,
                               visits, routing, nps))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

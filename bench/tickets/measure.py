"""The measurements: the queue page end to end through django.test.Client, its SQL and plans, and sla_sweep.

The queue is timed in-process: the whole Django request (middleware, session and user, permission check, the
supervision box, the queue query, the template) through django.test.Client, plus the end-of-request connection
housekeeping a real server does (close_old_connections: the pooled PostgreSQL connection goes back to the pool,
SQLite's is closed). The variants are interleaved so that a noisy moment hits all of them alike.
"""

import math
import re
import time

from bench.screen_pop.measure import wait_for_quiet  # noqa: F401  (re-exported for __main__)

# (name, query string) of GET /tickets/; "{number}" is an existing open ticket of the big branch.
QUEUE_VARIANTS = (
    ("open", {}),
    ("all", {"status": "all"}),
    ("overdue", {"overdue": "1"}),
    ("complaint", {"kind": "complaint"}),
    ("page_20", {"page": "20"}),
    ("number", {"q": "{number}"}),
)
QUEUE_URL = "/tickets/"


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    return sorted_values[max(1, math.ceil(q * len(sorted_values))) - 1]


def summarize_ms(nanoseconds: list[int]) -> dict:
    values = sorted(v / 1e6 for v in nanoseconds)
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 0.50), 2),
        "p95_ms": round(percentile(values, 0.95), 2),
        "p99_ms": round(percentile(values, 0.99), 2),
        "max_ms": round(values[-1], 2),
        "mean_ms": round(sum(values) / len(values), 2),
    }


def variants(number: str) -> list[tuple[str, dict]]:
    return [(name, {k: v.format(number=number) for k, v in params.items()}) for name, params in QUEUE_VARIANTS]


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _check(response, name: str, params: dict) -> int:
    """The page answered 200 with the queue table; returns the number of ticket rows on it."""
    if response.status_code != 200:
        raise RuntimeError(f"GET {QUEUE_URL} {params}: HTTP {response.status_code} {response.content[:300]!r}")
    body = response.content.decode()
    if 'data-testid="ticket-queue"' not in body:
        raise RuntimeError(f"GET {QUEUE_URL} {params}: no queue table on the page")
    rows = body.count("/tickets/") - body.count("/tickets/new/")  # detail links (+ pager, supervision links)
    if name == "number" and params["q"] not in body:
        raise RuntimeError(f"GET {QUEUE_URL} {params}: the ticket is not on the page")
    return rows


def queue_timings(users: dict, number: str, *, requests: int, warmup: int, log=print) -> dict:
    """users: label -> Staff. Returns label -> variant -> latency summary (ms)."""
    from django.db import close_old_connections

    clients = {label: _client(user) for label, user in users.items()}
    plan = [(label, name, params) for label in users for name, params in variants(number)]
    for label, name, params in plan:
        for _ in range(warmup):
            _check(clients[label].get(QUEUE_URL, params), name, params)
            close_old_connections()
    timings: dict[tuple[str, str], list[int]] = {(label, name): [] for label, name, _ in plan}
    clock = time.perf_counter_ns
    started = time.monotonic()
    for i in range(requests):
        for label, name, params in plan:
            client = clients[label]
            start = clock()
            response = client.get(QUEUE_URL, params)
            close_old_connections()
            timings[(label, name)].append(clock() - start)
            _check(response, name, params)
        if (i + 1) % 50 == 0:
            log(f"    {i + 1}/{requests} rounds, {time.monotonic() - started:.0f} s")
    result: dict[str, dict] = {}
    for (label, name), values in timings.items():
        result.setdefault(label, {})[name] = summarize_ms(values)
    return result


def queue_queries(users: dict, number: str) -> dict:
    """label -> variant -> the SQL one request runs (after warm-up: sessions and caches are warm)."""
    from django.db import close_old_connections, connection
    from django.test.utils import CaptureQueriesContext

    captured_all: dict[str, dict] = {}
    for label, user in users.items():
        client = _client(user)
        for name, params in variants(number):
            client.get(QUEUE_URL, params)
            close_old_connections()
            with CaptureQueriesContext(connection) as captured:
                response = client.get(QUEUE_URL, params)
            close_old_connections()
            _check(response, name, params)
            captured_all.setdefault(label, {})[name] = [q["sql"] for q in captured.captured_queries]
    return captured_all


def main_queue_query(queries: list[str]) -> str | None:
    """The queue's own query: the page of tickets, ordered by resolution due."""
    for sql in queries:
        if 'FROM "tickets_ticket"' in sql and '"tickets_ticket"."resolution_due" ASC' in sql:
            return sql
    return None


def explain(sql: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            return "\n".join(r[0] for r in cur.fetchall())
        cur.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(r[-1] for r in cur.fetchall())


def plan_summary(plan: str) -> dict:
    """What a PostgreSQL plan says at a glance: the top node, the scans, the sort method, the execution time."""
    summary: dict = {"scans": []}
    for i, line in enumerate(plan.splitlines()):
        text = line.strip().removeprefix("->").strip()
        node = text.split("  (")[0]
        if i == 0:
            summary["top"] = node
        if text.startswith("Execution Time:"):
            summary["execution_ms"] = float(text.split(":")[1].split()[0])
        elif text.startswith("Sort Method:"):
            summary["sort"] = text
        elif "Scan" in node and " on " in node:
            summary["scans"].append(node)
    return summary


# --- the SLA sweep -----------------------------------------------------------------------------------------


def sweep_nothing_due(now, runs: int) -> dict:
    """sla_sweep(now=now) when no clock is due: the cost of every sweep tick over the running clocks."""
    from django.db import close_old_connections, connection
    from django.test.utils import CaptureQueriesContext

    from brokerdesk.tickets.sla import sla_sweep

    for _ in range(5):
        if sla_sweep(now=now):
            raise RuntimeError("clocks are due at the benchmark's sweep time: the load is not what it should be")
    values = []
    clock = time.perf_counter_ns
    for _ in range(runs):
        start = clock()
        sla_sweep(now=now)
        values.append(clock() - start)
    close_old_connections()
    with CaptureQueriesContext(connection) as captured:
        sla_sweep(now=now)
    queries = [q["sql"] for q in captured.captured_queries]
    close_old_connections()
    due_query = next((q for q in queries if "tickets_slatimer" in q and q.lstrip().upper().startswith("SELECT")),
                     None)
    return {**summarize_ms(values), "queries": len(queries), "sql": queries,
            "plan": explain(due_query) if due_query else None}


def statement_shape(sql: str) -> str:
    """A statement without its values, savepoint names and conditions: what a run repeats how often."""
    shape = re.sub(r'"s\d+_x\d+"', '"…"', sql)
    shape = re.sub(r"'[^']*'", "?", shape)
    shape = re.sub(r"\b\d+\b", "?", shape)
    shape = re.split(r" WHERE | VALUES | SELECT \* FROM UNNEST", shape)[0]
    return shape if len(shape) <= 100 else shape[:100] + "…"


def _insert_due(open_tickets, count: int, now, seed: int) -> list[int]:
    from bench.tickets import data
    from brokerdesk.tickets.models import SlaTimer

    rows = data.due_timer_rows(open_tickets, count, now, seed)
    timers = SlaTimer.objects.bulk_create(SlaTimer(**dict(zip(data.DUE_TIMER_COLUMNS, row, strict=True)))
                                          for row in rows)
    return [t.pk for t in timers]


def _remove(ids: list[int]) -> None:
    from brokerdesk.tickets.models import SlaTimer

    SlaTimer.objects.filter(pk__in=ids).delete()  # their firings go with them (CASCADE)


def sweep_firing(open_tickets, now, *, due: int, runs: int, log=print) -> dict:
    """sla_sweep(now=now) with `due` clocks due (half warnings, half breaches): each run on freshly inserted
    clocks, removed again afterwards. One more, untimed run counts the SQL."""
    from django.db import close_old_connections, connection
    from django.test.utils import CaptureQueriesContext

    from brokerdesk.tickets.sla import sla_sweep

    totals, fired_counts = [], []
    for run in range(runs):
        ids = _insert_due(open_tickets, due, now, seed=run)
        close_old_connections()
        start = time.perf_counter_ns()
        fired = sla_sweep(now=now)
        totals.append(time.perf_counter_ns() - start)
        fired_counts.append(len(fired))
        _remove(ids)
        close_old_connections()
        log(f"    run {run + 1}: fired {len(fired)} in {totals[-1] / 1e6:.1f} ms")
    ids = _insert_due(open_tickets, due, now, seed=runs)
    with CaptureQueriesContext(connection) as captured:
        sla_sweep(now=now)
    _remove(ids)
    close_old_connections()
    queries = [q["sql"] for q in captured.captured_queries]
    shapes: dict[str, int] = {}
    for sql in queries:
        shapes[statement_shape(sql)] = shapes.get(statement_shape(sql), 0) + 1
    values = sorted(v / 1e6 for v in totals)
    return {
        "due": due, "runs": runs, "fired": fired_counts,
        "total_ms": [round(v / 1e6, 1) for v in totals],
        "median_ms": round(percentile(values, 0.5), 1), "max_ms": round(values[-1], 1),
        "queries": len(queries),
        "query_shapes": sorted(({"sql": k, "count": v} for k, v in shapes.items()), key=lambda s: -s["count"]),
    }

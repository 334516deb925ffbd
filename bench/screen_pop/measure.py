"""The measurements: server time in-process, requests/s against uvicorn, and the query plans.

LOOKUP is the screen-pop endpoint; every request carries a bearer token of a center agent
(scope customers:read), so authentication, permission checks, scoping, masking and serialisation are all
in the timed path.
"""

import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

LOOKUP = "/api/v1/customers/lookup"
WRK_SCRIPT = Path(__file__).with_name("wrk_lookup.lua")


def wait_for_quiet(max_seconds: float, threshold: float = 1.0, log=print) -> list[float]:
    """Wait (bounded) until the 1-minute load average says nothing else is running, then go on regardless.

    A shared machine (CI, other developers' test runs) makes every figure slower and noisier; the load
    average at the start of each measurement is recorded with the figures.
    """
    deadline = time.monotonic() + max_seconds
    announced = False
    while os.getloadavg()[0] > threshold and time.monotonic() < deadline:
        if not announced:
            log(f"    waiting up to {max_seconds:.0f} s for a quieter machine (load {os.getloadavg()[0]:.2f})")
            announced = True
        time.sleep(5)
    return [round(x, 2) for x in os.getloadavg()]


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def summarize_ms(nanoseconds: list[int]) -> dict:
    values = sorted(v / 1e6 for v in nanoseconds)
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 0.50), 3),
        "p90_ms": round(percentile(values, 0.90), 3),
        "p99_ms": round(percentile(values, 0.99), 3),
        "max_ms": round(values[-1], 3),
        "mean_ms": round(sum(values) / len(values), 3),
    }


def in_process(*, token: str, hits: list[str], misses: list[str], requests: int, warmup: int, rng) -> dict:
    """Time the whole Django request (middleware, auth, view, JSON) through django.test.Client.

    After each request the timer also covers close_old_connections(), the housekeeping a real server runs
    at the end of every request (the test client skips it): the connection goes back to its pool, and the
    next request takes one from it, as under uvicorn, where each request runs in a thread of its own.
    """
    from django.db import close_old_connections
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def check(response, phone: str, hit: bool) -> None:
        if response.status_code != 200:
            raise RuntimeError(f"lookup {phone}: HTTP {response.status_code} {response.content[:300]!r}")
        cards = response.json()
        if hit != bool(cards):
            raise RuntimeError(f"lookup {phone}: expected {'a card' if hit else 'no card'}, got {len(cards)}")

    for phone in rng.sample(hits, warmup):
        check(client.get(LOOKUP, {"phone": phone}), phone, True)
        close_old_connections()
    schedule = [(True, p) for p in rng.sample(hits, requests)] + [(False, p) for p in rng.sample(misses, requests)]
    rng.shuffle(schedule)
    timings: dict[bool, list[int]] = {True: [], False: []}
    cards = 0
    clock = time.perf_counter_ns
    for hit, phone in schedule:
        start = clock()
        response = client.get(LOOKUP, {"phone": phone})
        close_old_connections()
        timings[hit].append(clock() - start)
        check(response, phone, hit)
        cards += len(response.json())
    return {
        "hit": summarize_ms(timings[True]),
        "miss": summarize_ms(timings[False]),
        "warmup": warmup,
        "cards_per_hit": round(cards / requests, 3),
    }


def queries_of_one_request(*, token: str, phone: str) -> list[str]:
    """The SQL one screen-pop request runs (after warm-up: the token's last-use stamp is not due)."""
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LOOKUP, {"phone": phone})
    close_old_connections()
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}")
    return [q["sql"] for q in captured.captured_queries]


def query_plans(queries: list[str]) -> list[dict]:
    """EXPLAIN of each SELECT: ANALYZE with buffers on PostgreSQL, QUERY PLAN on SQLite."""
    from django.db import connection

    plans = []
    with connection.cursor() as cur:
        for sql in queries:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            if connection.vendor == "postgresql":
                cur.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
                plan = "\n".join(r[0] for r in cur.fetchall())
            else:
                cur.execute(f"EXPLAIN QUERY PLAN {sql}")
                plan = "\n".join(r[-1] for r in cur.fetchall())
            plans.append({"sql": sql, "plan": plan})
    return plans


# --- requests/s against uvicorn ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/api/v1/health"
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"uvicorn did not answer on port {port} within {timeout:.0f} s")


def load_driver() -> str:
    return "wrk" if shutil.which("wrk") else "python"


def _drive(driver: str, *, port: int, token: str, phones_file: Path, connections: int, seconds: int) -> dict:
    env = {**os.environ, "BENCH_TOKEN": token, "BENCH_PHONES": str(phones_file)}
    if driver == "wrk":
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(WRK_SCRIPT),
                   f"http://127.0.0.1:{port}"]
    else:
        command = [sys.executable, "-m", "bench.screen_pop.driver", "--port", str(port), "--connections",
                   str(connections), "--seconds", str(seconds)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line.removeprefix("BENCH_JSON "))
            seconds_run = raw["duration_us"] / 1e6
            return {
                "requests": raw["requests"],
                "seconds": round(seconds_run, 2),
                "rps": round(raw["requests"] / seconds_run, 1),
                "p50_ms": round(raw["p50_us"] / 1000, 2),
                "p90_ms": round(raw["p90_us"] / 1000, 2),
                "p99_ms": round(raw["p99_us"] / 1000, 2),
                "max_ms": round(raw["max_us"] / 1000, 2),
                "errors": raw["errors"],
            }
    raise RuntimeError(f"{driver} gave no result: {done.stdout[-500:]} {done.stderr[-500:]}")


def http_load(*, env: dict, token: str, hits: list[str], misses: list[str], workdir: Path, workers: int,
              connections: int, seconds: int, warmup_seconds: int, log=print) -> dict:
    """Start uvicorn on a free loopback port, drive it with keep-alive clients from another process, stop it."""
    from brokerdesk.core.httpserver import SERVER_HTTP_PROTOCOL

    workdir.mkdir(parents=True, exist_ok=True)
    hits_file, misses_file = workdir / "phones-hit.txt", workdir / "phones-miss.txt"
    hits_file.write_text("\n".join(hits) + "\n")
    misses_file.write_text("\n".join(misses) + "\n")
    driver = load_driver()
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "brokerdesk.asgi:application", "--host", "127.0.0.1", "--port",
               str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning",
               "--http", SERVER_HTTP_PROTOCOL]
    server_log = workdir / "uvicorn.log"
    log_file = server_log.open("w")
    server = subprocess.Popen(command, env={**os.environ, **env}, start_new_session=True, stdout=log_file,
                              stderr=subprocess.STDOUT)
    try:
        _wait_ready(port, server)
        drive = {"port": port, "token": token, "connections": connections}
        log(f"    uvicorn up on port {port}, {workers} workers; warm-up {warmup_seconds} s")
        _drive(driver, phones_file=hits_file, seconds=warmup_seconds, **drive)
        log(f"    {driver}: existing phones, {seconds} s")
        hit = _drive(driver, phones_file=hits_file, seconds=seconds, **drive)
        log(f"    {driver}: unknown phones, {seconds} s")
        miss = _drive(driver, phones_file=misses_file, seconds=seconds, **drive)
        # One connection: no queueing behind other clients, so this is the latency of a single screen-pop.
        log(f"    {driver}: existing phones, one connection, {seconds} s")
        single = _drive(driver, phones_file=hits_file, seconds=seconds, **{**drive, "connections": 1})
    finally:
        _stop(server)
        log_file.close()
    text = server_log.read_text(errors="replace")
    server_errors = {"internal_server_errors": text.count("Internal Server Error"),
                     "too_many_clients": text.count("too many clients already") // 2}  # psycopg + Django lines
    return {"driver": driver, "server": f"uvicorn {workers} workers", "workers": workers,
            "connections": connections, "seconds": seconds, "hit": hit, "miss": miss, "hit_one_connection": single,
            "server_errors": server_errors, "server_log": str(server_log)}


def _stop(server: subprocess.Popen) -> None:
    """Stop the uvicorn we started: its own process group (the supervisor and its workers)."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)

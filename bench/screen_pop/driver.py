"""Fallback load driver when wrk is not installed: keep-alive HTTP/1.1 clients in threads (http.client).

Same contract as wrk_lookup.lua: phones from $BENCH_PHONES, token from $BENCH_TOKEN, one "BENCH_JSON {...}"
line with latencies in microseconds. Python clients are slower than wrk and share the two cores with the
server, so requests/s from this driver is a lower bound; the report names the driver used.

    python -m bench.screen_pop.driver --port 8000 --connections 8 --seconds 15
"""

import argparse
import http.client
import json
import math
import os
import threading
import time

MAX_REQUESTS_PER_CONNECTION = 1_000_000  # bound on top of the time limit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    with open(os.environ["BENCH_PHONES"]) as f:
        phones = [line.strip() for line in f if line.strip()]
    headers = {"Authorization": f"Bearer {os.environ['BENCH_TOKEN']}"}
    latencies: list[list[int]] = [[] for _ in range(args.connections)]
    errors = {"status": 0, "connect": 0, "read": 0, "write": 0, "timeout": 0}
    lock = threading.Lock()
    started = time.perf_counter_ns()
    deadline = time.monotonic() + args.seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
        position = (n * 7919) % len(phones)
        mine = latencies[n]
        for _ in range(MAX_REQUESTS_PER_CONNECTION):
            if time.monotonic() >= deadline:
                break
            position = (position + 1) % len(phones)
            begin = time.perf_counter_ns()
            try:
                conn.request("GET", f"/api/v1/customers/lookup?phone={phones[position]}", headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                with lock:
                    errors["read"] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
                continue
            mine.append(time.perf_counter_ns() - begin)
            if response.status > 399:
                with lock:
                    errors["status"] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(args.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    duration_us = (time.perf_counter_ns() - started) // 1000
    values = sorted(v // 1000 for mine in latencies for v in mine)

    def pct(q: float) -> int:
        return values[max(1, math.ceil(q * len(values))) - 1] if values else 0

    print("BENCH_JSON " + json.dumps({
        "requests": len(values), "duration_us": duration_us, "p50_us": pct(0.5), "p90_us": pct(0.9),
        "p99_us": pct(0.99), "max_us": values[-1] if values else 0, "errors": errors,
    }))


if __name__ == "__main__":
    main()

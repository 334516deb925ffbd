"""bench/tickets keeps working: its generator gives the distribution it promises, the whole benchmark runs end to
end at a tiny scale (SQLite always, PostgreSQL too when the suite runs on it), and bench.report renders its
figures and carries over the sections a run did not measure. Nothing here looks at timings."""

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench import report
from bench.tickets import data

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--tickets", "3000", "--timers", "300", "--stopped-timers", "100", "--customers", "100", "--branches", "6",
        "--requests", "2", "--warmup", "1", "--sweeps", "2", "--due", "10", "--fire-runs", "1", "--quiet-wait", "0"]


def tiny_org() -> data.Org:
    branches = (11, 12, 13, 14)
    return data.Org(branch_ids=branches, branch_weights=data.branch_weights(len(branches)),
                    branch_staff={b: (b * 10, b * 10 + 1) for b in branches}, agents=(1, 2, 3),
                    customers={b: tuple(range(b * 100, b * 100 + 20)) for b in branches},
                    categories={code: i for i, code in enumerate(data.CATEGORY_CODES, start=1)})


def test_it_generates_the_promised_mix_of_tickets() -> None:
    plan = data.Plan(tickets=20_000, now=datetime(2026, 11, 22, 3, 0, tzinfo=UTC))
    rows = list(data.ticket_rows(plan, tiny_org()))
    assert all(len(row) == len(data.TICKET_COLUMNS) for row in rows)
    column = {name: i for i, name in enumerate(data.TICKET_COLUMNS)}
    assert len({row[column["number"]] for row in rows}) == len(rows)
    assert all(row[column["number"]].startswith("TK") for row in rows)
    kinds = Counter(row[column["kind"]] for row in rows)
    assert 0.32 < kinds["complaint"] / len(rows) < 0.38
    assert 0.37 < kinds["consultation"] / len(rows) < 0.43
    open_statuses = {s for s, _ in data.OPEN_STATUSES}
    opened = [row for row in rows if row[column["status"]] in open_statuses]
    assert 0.08 < len(opened) / len(rows) < 0.12
    assert len(opened) == len(plan.counts["open"])
    assert all(row[column["resolution_due"]] is not None for row in rows)
    assert 0.003 < sum(row[column["is_major"]] for row in rows) / len(rows) < 0.02
    branches = Counter(row[column["branch_id"]] for row in rows)
    assert branches[11] > branches[14]  # skewed towards the first branches


def test_it_spreads_the_running_clocks_over_the_next_thirty_days() -> None:
    now = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
    plan = data.Plan(tickets=5_000, now=now)
    list(data.ticket_rows(plan, tiny_org()))
    running = data.running_timer_rows(plan, 1_000)
    assert len(running) == 1_000
    fire = data.TIMER_COLUMNS.index("next_fire_at")
    assert all(now < row[fire] <= now + timedelta(days=30) for row in running)
    due = data.due_timer_rows([(t, c) for t, c, _ in plan.counts["open"]], 20, now, seed=1)
    due_fire = data.DUE_TIMER_COLUMNS.index("next_fire_at")
    assert len(due) == 20 and all(row[due_fire] <= now for row in due)


def _run(db: str, tmp_path: Path, env: dict) -> dict:
    out = tmp_path / f"tickets-{db}.json"
    done = subprocess.run([sys.executable, "-m", "bench.tickets", "--db", db, *TINY, "--out", str(out)], cwd=ROOT,
                          env={**env, "BROKERDESK_VAR_DIR": str(tmp_path)}, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text())


def _assert_complete(result: dict, db_label: str) -> None:
    assert result["db"] == db_label
    assert result["data"]["tickets"] == 3000
    for label in ("hq_agent", "branch_staff"):
        assert set(result["queue"]["latency"][label]) == {"open", "all", "overdue", "complaint", "page_20", "number"}
        assert all(n > 0 for n in result["queue"]["queries_per_request"][label].values())
        assert "open" in result["queue"]["plans"][label]
    assert result["sweep"]["firing"]["fired"] == [10]
    assert set(result["verdicts"]) >= {"queue_hq_agent", "queue_branch_staff", "sweep_nothing_due", "sweep_firing"}
    text = report.render([], None, tickets=[result])
    assert f"## tickets on {db_label}" in text


def _environment() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_CURRENT_TEST")}
    env["DJANGO_SETTINGS_MODULE"] = "brokerdesk.settings"
    return env


def test_it_runs_end_to_end_on_sqlite(tmp_path: Path) -> None:
    _assert_complete(_run("sqlite", tmp_path, _environment()), "SQLite")


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="the suite runs on SQLite")
def test_it_runs_end_to_end_on_postgresql(tmp_path: Path) -> None:
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = f"{parts.path.lstrip('/') or 'brokerdesk'}_bench_tickets_test"
    url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))
    try:
        _assert_complete(_run("postgresql", tmp_path, {**_environment(), "BENCH_TICKETS_POSTGRES_URL": url,
                                                       "REQUIRE_POSTGRES": "1"}), "PostgreSQL")
    finally:
        import psycopg

        admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_report_carries_over_sections_a_run_did_not_measure() -> None:
    previous = ["# Benchmarks", "", "## synth: 3 clients", "", "| a |", "", "## intake on SQLite: x", "", "| b |", "",
                "## tickets on PostgreSQL: y", "", "| c |", "", "## How to reproduce"]
    text = report.render([], None, previous=previous)
    for heading in ("## synth: 3 clients", "## intake on SQLite: x", "## tickets on PostgreSQL: y"):
        assert text.count(heading) == 1
    assert text.count(report.CARRIED_NOTE) == 3
    assert report.render([], None, previous=text.splitlines()) == text  # stable from run to run

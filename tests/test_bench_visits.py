"""bench/visits keeps working: end to end on a tiny installation (synth, bench.intake, then bench.visits on
SQLite), and bench.report renders its figures and carries the section over when a run did not measure it.
Nothing here looks at timings."""

import json
import os
import subprocess
import sys
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parents[1]


def _environment(var_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_CURRENT_TEST")}
    return {**env, "DJANGO_SETTINGS_MODULE": "brokerdesk.settings", "BROKERDESK_VAR_DIR": str(var_dir)}


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_it_runs_end_to_end_on_a_tiny_installation(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    _run([sys.executable, "-m", "brokerdesk.cli", "synth", "--customers", "300", "--days", "40", "--seed", "5",
          "--out", str(tmp_path / "batches"), "--end-date", "2026-11-12"], env)
    _run([sys.executable, "-m", "bench.intake", "--db", "sqlite", "--batches", str(tmp_path / "batches"),
          "--out", str(tmp_path / "intake.json")], env)
    out = tmp_path / "visits.json"

    _run([sys.executable, "-m", "bench.visits", "--db", "sqlite", "--out", str(out)], env)

    result = json.loads(out.read_text())
    runs = {name: run["report"] for name, run in result["runs"].items()}
    initial, daily, repeat = runs["initial"], runs["daily"], runs["repeat"]
    assert result["db"] == "SQLite" and result["business_date"] == "2026-11-13"
    assert result["segmentation_before"]["exit_code"] == 0  # no segmentation run yet: the benchmark ran one
    assert initial["total"] == result["tasks"]["initial"] > 0
    assert sum(initial["created"].values()) == initial["total"]
    assert initial["created"]["annual_sample"] > 0 and initial["created"]["new_account"] > 0
    assert daily["total"] == result["tasks"]["daily"] and initial["total"] > daily["total"]
    assert repeat["total"] == 0 and result["verdicts"]["idempotent"] is True
    assert {"indexes", "annual_sample: draw"} <= set(initial["timings"])
    text = report.render([], None, visits=[result])
    assert "## visits on SQLite: " in text and "| repeat | 0 |" in text and "generation is idempotent" in text

    _run([sys.executable, "-m", "bench.visits", "--db", "sqlite", "--out", str(out)], env)  # again: same figures
    again = json.loads(out.read_text())
    assert again["segmentation_before"] is None
    assert {name: run["report"]["created"] for name, run in again["runs"].items()} == {
        name: run["created"] for name, run in runs.items()}


def test_the_report_carries_the_visits_section_over_when_not_measured() -> None:
    previous = ["# Benchmarks", "", "## visits on PostgreSQL: 3,000,000 clients, x", "", "| daily | 9 |", "",
                "## How to reproduce"]
    text = report.render([], None, previous=previous)
    assert text.count("## visits on PostgreSQL: 3,000,000 clients, x") == 1
    assert text.count(report.CARRIED_NOTE) == 1 and "| daily | 9 |" in text
    assert report.render([], None, previous=text.splitlines()) == text  # stable from run to run

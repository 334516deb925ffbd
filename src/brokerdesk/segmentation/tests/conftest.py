"""A small synthetic brokerage loaded through the real intake: a backfill date and the following daily date."""

import io
from dataclasses import dataclass
from datetime import date

import pytest
from django.core.management import call_command

from brokerdesk.intake.services import intake_run

BACKFILL_END = date(2026, 11, 12)  # a Thursday; the daily batch is Friday 2026-11-13


@dataclass(frozen=True)
class Brokerage:
    backfill_date: date
    daily_date: date


@pytest.fixture
def brokerage(db, settings, tmp_path) -> Brokerage:
    settings.LAKE_DIR = tmp_path / "lake"
    settings.INTAKE_DIR = tmp_path / "intake"
    # Through the command: the synth app sits above segmentation in the layers.
    call_command("synth", "--customers", "400", "--days", "70", "--seed", "11", "--out", str(tmp_path / "batches"),
                 "--end-date", BACKFILL_END.isoformat(), stdout=io.StringIO())
    results = intake_run(actor=None, path=tmp_path / "batches")
    assert [r.ok for r in results] == [True, True]
    return Brokerage(backfill_date=results[0].batch.business_date, daily_date=results[1].batch.business_date)


@pytest.fixture
def staff(db) -> dict:
    """Company-wide staff for the synthetic brokerage (its own organisation, so not the shared `users`)."""
    from brokerdesk.org.choices import Role, Scope
    from tests.factories import make_staff

    return {
        "agent": make_staff("s_agent", Role.AGENT, scope=Scope.COMPANY),
        "supervisor": make_staff("s_supervisor", Role.SUPERVISOR, scope=Scope.COMPANY),
        "reviewer": make_staff("s_reviewer", Role.REVIEWER, scope=Scope.COMPANY),
        "compliance": make_staff("s_compliance", Role.COMPLIANCE, scope=Scope.COMPANY),
    }

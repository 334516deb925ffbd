"""The daily generation job: once a working day, after the night's segmentation."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from brokerdesk.core.models import LakePartition
from brokerdesk.segmentation.models import RuleSet, SegmentRun
from brokerdesk.visits.generate import SHANGHAI, visit_tasks_generate
from brokerdesk.visits.models import GenerationRun
from brokerdesk.visits.tasks import daily_generation_due, visits_generate_daily

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 16)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI)


def loaded(day: date) -> None:
    LakePartition.objects.create(entity="asset_snapshots", date=day, path=f"asset_snapshots/{day}", rows=1,
                                 version="v1", published_at=timezone.now())


def segmented(day: date) -> None:
    rule_set = RuleSet.objects.create(version=902, name="test", status="retired")
    SegmentRun.objects.create(business_date=day, rule_set=rule_set, status="succeeded", trigger="nightly",
                              started_at=timezone.now())


def test_it_runs_on_working_day_mornings_once_segmentation_has_caught_up():
    loaded(date(2026, 11, 13))
    assert not daily_generation_due(at(date(2026, 11, 14), 8))  # a Saturday
    assert not daily_generation_due(at(MONDAY, 5, 50))
    assert not daily_generation_due(at(MONDAY, 8))  # Friday's data is loaded but not segmented yet
    segmented(date(2026, 11, 13))
    assert daily_generation_due(at(MONDAY, 8))


def test_it_runs_without_segmentation_after_the_deadline_or_when_nothing_is_loaded():
    assert daily_generation_due(at(MONDAY, 6))  # nothing loaded: nothing to wait for
    loaded(date(2026, 11, 13))
    assert not daily_generation_due(at(MONDAY, 9, 50))
    assert daily_generation_due(at(MONDAY, 10))


def test_it_runs_once_a_day(org):
    visit_tasks_generate(business_date=MONDAY, programme_codes=["new_account"])  # a receiver's run: not the daily
    assert daily_generation_due(at(MONDAY, 8))
    visit_tasks_generate(business_date=MONDAY)
    assert not daily_generation_due(at(MONDAY, 8))


def test_the_job_generates_when_due_and_then_not_again(org):
    due = daily_generation_due(timezone.now())

    first, second = visits_generate_daily.call_local(), visits_generate_daily.call_local()

    if due:
        assert GenerationRun.objects.get(pk=first).all_programmes and second is None
    else:
        assert first is None and second is None and not GenerationRun.objects.exists()

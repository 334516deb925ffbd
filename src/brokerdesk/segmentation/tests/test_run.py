"""`brokerdesk segment`: features and rules over the lake, write-back of changes only, history, events, runs."""

import json
import shutil
from collections import Counter

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from brokerdesk.core.errors import PermissionDenied
from brokerdesk.core.lake import lake_root
from brokerdesk.core.models import AuditEvent
from brokerdesk.customers.models import Customer
from brokerdesk.segmentation import events, writeback
from brokerdesk.segmentation.choices import RunStatus, RunTrigger
from brokerdesk.segmentation.models import Segment, SegmentMembership, SegmentRun
from brokerdesk.segmentation.run import NothingToSegment, run_dir, segmentation_run
from brokerdesk.segmentation.services import (
    RuleInput,
    ruleset_approve,
    ruleset_draft_create,
    ruleset_rules_save,
    ruleset_submit,
)
from brokerdesk.segmentation.tasks import segment_nightly

pytestmark = pytest.mark.django_db(transaction=False)


def _open_rows() -> set[tuple[int, str]]:
    return set(SegmentMembership.objects.filter(valid_to__isnull=True)
               .values_list("customer_id", "segment__code"))


def _publish_with(staff, change) -> None:
    """A second rule-set version, drafted by the reviewer and approved by compliance."""
    draft = ruleset_draft_create(actor=staff["reviewer"], name="v2")
    rules = [RuleInput(r.dimension, r.code, r.expression, r.label_zh, r.label_en, r.description)
             for r in draft.rules.order_by("position")]
    ruleset_rules_save(actor=staff["reviewer"], rule_set=draft, rules=[change(r) for r in rules])
    ruleset_submit(actor=staff["reviewer"], rule_set=draft)
    ruleset_approve(actor=staff["compliance"], rule_set=draft)


def test_it_puts_every_client_in_one_tier_style_and_class_on_the_first_run(brokerage):
    run = segmentation_run(actor=None, business_date=brokerage.daily_date)

    assert run.status == RunStatus.SUCCEEDED and run.clients == Customer.objects.count()
    per_dimension = Counter(SegmentMembership.objects.values_list("customer_id", "segment__dimension"))
    for dimension in ("tier", "style", "class"):
        holders = [n for (_, d), n in per_dimension.items() if d == dimension]
        assert len(holders) == run.clients and set(holders) == {1}
    assert sum(run.members.values()) == SegmentMembership.objects.count() == sum(run.entered.values())
    assert not SegmentMembership.objects.exclude(valid_from=brokerage.daily_date).exists()
    assert run.timings.keys() >= {"features and rules", "diff", "write back"}


def test_it_adds_no_history_rows_when_run_twice_on_the_same_data(brokerage):
    first = segmentation_run(actor=None, business_date=brokerage.daily_date)
    rows = list(SegmentMembership.objects.order_by("pk").values())

    second = segmentation_run(actor=None, business_date=brokerage.daily_date)

    assert list(SegmentMembership.objects.order_by("pk").values()) == rows
    assert second.entered == {} and second.left == {} and second.members == first.members


def test_it_writes_only_the_changes_and_closes_the_periods_clients_left(brokerage):
    segmentation_run(actor=None, business_date=brokerage.backfill_date)
    before = _open_rows()
    rows_before = SegmentMembership.objects.count()

    run = segmentation_run(actor=None, business_date=brokerage.daily_date)

    after = _open_rows()
    entered, left = after - before, before - after
    assert entered or left  # a trading day later some clients moved (newly opened ones at least)
    assert SegmentMembership.objects.count() == rows_before + len(entered)
    closed = SegmentMembership.objects.filter(valid_to__isnull=False)
    assert set(closed.values_list("customer_id", "segment__code")) == left
    assert set(closed.values_list("valid_to", "left_run_id")) <= {(brokerage.daily_date, run.pk)}
    assert sum(run.entered.values()) == len(entered) and sum(run.left.values()) == len(left)


def test_the_next_day_steps_from_the_previous_runs_aggregates_to_the_same_segments(brokerage):
    segmentation_run(actor=None, business_date=brokerage.backfill_date)
    stepped = segmentation_run(actor=None, business_date=brokerage.daily_date)
    assert "stepped from run" in stepped.message
    features = pq.read_table(lake_root() / stepped.features).sort_by("customer_no")

    shutil.rmtree(run_dir(stepped) / "state")  # no state: the same date again, aggregated in full
    full = segmentation_run(actor=None, business_date=brokerage.daily_date)

    assert "computed in full" in full.message
    assert full.entered == {} and full.left == {}
    assert pq.read_table(lake_root() / full.features).sort_by("customer_no").equals(features)


def test_it_keeps_history_with_the_rule_version_when_the_rules_change(brokerage, staff):
    first = segmentation_run(actor=None, business_date=brokerage.daily_date)
    gold = Segment.objects.get(dimension="tier", code="gold")

    def lower_diamond(rule: RuleInput) -> RuleInput:
        if rule.code == "diamond":
            return RuleInput(rule.dimension, rule.code, "avg_assets_20d >= 100000", rule.label_zh, rule.label_en)
        return rule

    _publish_with(staff, lower_diamond)
    second = segmentation_run(actor=None, business_date=brokerage.daily_date)

    moved = SegmentMembership.objects.filter(segment=gold, left_run=second)
    assert moved.exists() and not SegmentMembership.objects.filter(segment=gold, valid_to__isnull=True).exists()
    diamond_rows = SegmentMembership.objects.filter(segment__code="diamond", entered_run=second)
    assert set(diamond_rows.values_list("rule_set__version", flat=True)) == {second.rule_set.version}
    assert second.rule_set.version == first.rule_set.version + 1
    assert set(moved.values_list("customer_id", flat=True)) <= set(diamond_rows.values_list("customer_id", flat=True))


def test_it_announces_upgrades_and_new_group_members_after_the_commit(brokerage, staff,
                                                                      django_capture_on_commit_callbacks):
    segmentation_run(actor=None, business_date=brokerage.daily_date)
    received: list[events.SegmentChange] = []

    def receiver(sender, change, **kwargs):
        received.append(change)

    events.segment_changed.connect(receiver)
    try:
        _publish_with(staff, lambda r: RuleInput(r.dimension, r.code, "avg_assets_20d >= 100000", r.label_zh)
                      if r.code == "diamond" else r)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            run = segmentation_run(actor=None, business_date=brokerage.daily_date)
        assert received == []  # nothing before the commit
        for callback in callbacks:
            callback()
    finally:
        events.segment_changed.disconnect(receiver)

    upgrades = [c for c in received if c.kind == events.UPGRADED]
    assert {(c.segment_code, c.from_segment_code) for c in upgrades} >= {("diamond", "gold")}
    to_diamond = next(c for c in upgrades if c.from_segment_code == "gold")
    ids = [i for page in to_diamond.customer_ids(page_size=7) for i in page]
    assert len(ids) == to_diamond.clients == len(set(ids))
    assert "钻石" in to_diamond.summary and not to_diamond.initial and to_diamond.run_id == run.pk


def test_it_leaves_everything_as_it_was_when_the_write_back_fails(brokerage, monkeypatch,
                                                                  django_capture_on_commit_callbacks):
    segmentation_run(actor=None, business_date=brokerage.backfill_date)
    rows = list(SegmentMembership.objects.order_by("pk").values())

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(writeback.bulk, "insert_batches", broken)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError, match="disk full"):
        segmentation_run(actor=None, business_date=brokerage.daily_date)

    assert callbacks == []  # no events
    assert list(SegmentMembership.objects.order_by("pk").values()) == rows
    failed = SegmentRun.objects.order_by("-pk").first()
    assert failed.status == RunStatus.FAILED and "disk full" in failed.message
    assert not run_dir(failed).exists()
    monkeypatch.undo()
    assert segmentation_run(actor=None, business_date=brokerage.daily_date).status == RunStatus.SUCCEEDED


def test_it_diffs_against_the_database_when_the_snapshot_file_is_lost(brokerage,
                                                                     django_capture_on_commit_callbacks):
    first = segmentation_run(actor=None, business_date=brokerage.daily_date)
    (lake_root() / first.snapshot).unlink()

    with django_capture_on_commit_callbacks(execute=True):
        second = segmentation_run(actor=None, business_date=brokerage.daily_date)

    assert second.entered == {} and second.left == {}
    assert (lake_root() / second.snapshot).exists() and not run_dir(first).exists()


def test_it_refuses_to_go_back_to_an_earlier_date(brokerage):
    segmentation_run(actor=None, business_date=brokerage.daily_date)
    with pytest.raises(NothingToSegment):
        segmentation_run(actor=None, business_date=brokerage.backfill_date)


def test_it_runs_only_for_staff_allowed_to(brokerage, staff):
    with pytest.raises(PermissionDenied):
        segmentation_run(actor=staff["agent"])
    assert not SegmentRun.objects.exists()
    run = segmentation_run(actor=staff["reviewer"], trigger=RunTrigger.ON_DEMAND)
    assert run.started_by == staff["reviewer"].username and run.business_date == brokerage.daily_date
    assert AuditEvent.objects.filter(action="segmentation.run", object_id=str(run.pk)).exists()


def test_it_segments_nightly_once_the_intake_has_loaded_a_newer_date(brokerage):
    segmentation_run(actor=None, business_date=brokerage.backfill_date)

    run_id = segment_nightly.call_local()
    again = segment_nightly.call_local()

    run = SegmentRun.objects.get(pk=run_id)
    assert run.trigger == RunTrigger.NIGHTLY and run.business_date == brokerage.daily_date
    assert again is None


def test_the_command_prints_counts_and_durations_as_json(brokerage, capsys):
    call_command("segment", "--date", brokerage.daily_date.isoformat(), "--json")

    report = json.loads(capsys.readouterr().out)
    assert report["business_date"] == brokerage.daily_date.isoformat()
    assert report["members"]["tier:silver"] > 0 and "total" in report["durations_seconds"]
    assert sum(v for k, v in report["members"].items() if k.startswith("tier:")) == report["clients"]


def test_the_membership_table_name_used_in_bulk_sql_is_the_models():
    assert SegmentMembership._meta.db_table == writeback.MEMBERSHIP_TABLE


def test_a_business_date_comes_from_the_lake_when_none_is_given(brokerage):
    run = segmentation_run(actor=None)
    assert run.business_date == brokerage.daily_date

"""Rule sets under maker-checker: drafts, checks with the error's position, four-eyes publishing, audit."""

import pytest

from brokerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.segmentation.choices import RuleSetStatus
from brokerdesk.segmentation.models import RuleSet, Segment, SegmentRule
from brokerdesk.segmentation.services import (
    RuleInput,
    ruleset_approve,
    ruleset_draft_create,
    ruleset_return,
    ruleset_rules_save,
    ruleset_submit,
    ruleset_withdraw,
)

pytestmark = pytest.mark.django_db


def _rules(rule_set: RuleSet) -> list[RuleInput]:
    return [RuleInput(r.dimension, r.code, r.expression, r.label_zh, r.label_en, r.description)
            for r in rule_set.rules.order_by("position")]


def _snapshot() -> list:
    return [list(RuleSet.objects.order_by("pk").values()), list(SegmentRule.objects.order_by("pk").values()),
            list(Segment.objects.order_by("pk").values())]


def test_it_starts_with_the_seed_rules_published(db):
    published = RuleSet.objects.get(status=RuleSetStatus.PUBLISHED)
    codes = {(r.dimension, r.code) for r in published.rules.all()}
    assert {("tier", "diamond"), ("tier", "silver"), ("group", "core"), ("group", "dormant"),
            ("group", "never_traded"), ("group", "churn_risk"), ("class", "institutional")} <= codes
    assert Segment.objects.filter(active=True).count() == len(codes)


def test_a_draft_copies_the_published_rules(users):
    draft = ruleset_draft_create(actor=users["reviewer"], name="2027 tiers")

    published = RuleSet.objects.get(status=RuleSetStatus.PUBLISHED)
    assert draft.status == RuleSetStatus.DRAFT and draft.version == published.version + 1
    assert _rules(draft) == _rules(published) and draft.based_on == published


@pytest.mark.parametrize(("expression", "message", "offset"), [
    ("avg_assets_20d >= 500000 and months_since_opening >= 6", "months_since_opening", 29),
    ("client_kind > 5", "cannot compare a text with an integer", 12),
    ("avg_assets_20d >= 1; DROP TABLE customers_customer", "';' is not allowed", 19),
    ("avg_assets_20d >= 1 or 1=1) --", "comments are not allowed", 28),
    ("(SELECT max(total_assets) FROM customers_customer) > 0", "subqueries are not allowed", 1),
    ("avg_assets_20d >=", "incomplete", 15),
])
def test_it_rejects_a_bad_rule_with_its_position_and_saves_nothing(users, expression, message, offset):
    draft = ruleset_draft_create(actor=users["reviewer"], name="bad")
    rules = _rules(draft)
    rules[2] = RuleInput("tier", "gold", expression, "黄金")
    before = _snapshot()

    with pytest.raises(ValidationFailed) as raised:
        ruleset_rules_save(actor=users["reviewer"], rule_set=draft, rules=rules)

    (problem,) = raised.value.details["rules"]
    assert problem["rule"] == 3 and problem["segment"] == "gold" and problem["field"] == "expression"
    assert message in problem["message"]
    assert problem["offset"] == offset and problem["line"] == 1 and problem["column"] == offset + 1
    assert _snapshot() == before


def test_it_rejects_duplicate_segments_and_bad_codes(users):
    draft = ruleset_draft_create(actor=users["reviewer"], name="dupes")
    rules = [*_rules(draft), RuleInput("tier", "gold", "true", "黄金"), RuleInput("tag", "Bad Code", "true", "x")]

    with pytest.raises(ValidationFailed) as raised:
        ruleset_rules_save(actor=users["reviewer"], rule_set=draft, rules=rules)

    fields = sorted((p["segment"], p["field"]) for p in raised.value.details["rules"])
    assert fields == [("Bad Code", "code"), ("gold", "code")]


def test_publishing_needs_a_second_person(users):
    author, checker = users["reviewer"], users["compliance"]
    previous = RuleSet.objects.get(status=RuleSetStatus.PUBLISHED)
    draft = ruleset_draft_create(actor=author, name="new tag")
    ruleset_rules_save(actor=author, rule_set=draft,
                       rules=[*_rules(draft), RuleInput("tag", "young_trader", "age < 30 and trades_3m >= 10",
                                                        "年轻活跃交易者", "Young active trader")])
    ruleset_submit(actor=author, rule_set=draft)

    with pytest.raises(PermissionDenied):
        ruleset_approve(actor=author, rule_set=draft)
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.SUBMITTED

    ruleset_approve(actor=checker, rule_set=draft, note="ok")

    draft.refresh_from_db()
    previous.refresh_from_db()
    assert draft.status == RuleSetStatus.PUBLISHED and draft.decided_by == checker
    assert previous.status == RuleSetStatus.RETIRED
    assert Segment.objects.get(code="young_trader").label_en == "Young active trader"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"segmentation.ruleset_draft_create", "segmentation.ruleset_rules_save", "segmentation.ruleset_submit",
            "segmentation.ruleset_publish"} <= actions


def test_a_removed_rule_makes_its_segment_inactive(users):
    draft = ruleset_draft_create(actor=users["reviewer"], name="no tags")
    ruleset_rules_save(actor=users["reviewer"], rule_set=draft,
                       rules=[r for r in _rules(draft) if r.dimension != "tag"])
    ruleset_submit(actor=users["reviewer"], rule_set=draft)
    ruleset_approve(actor=users["compliance"], rule_set=draft)

    assert not Segment.objects.filter(dimension="tag", active=True).exists()


def test_only_drafts_are_edited_and_only_submitted_sets_approved(users):
    draft = ruleset_draft_create(actor=users["reviewer"], name="flow")
    with pytest.raises(Conflict):
        ruleset_approve(actor=users["compliance"], rule_set=draft)
    ruleset_submit(actor=users["reviewer"], rule_set=draft)
    with pytest.raises(Conflict):
        ruleset_rules_save(actor=users["reviewer"], rule_set=draft, rules=_rules(draft))

    ruleset_return(actor=users["compliance"], rule_set=draft, note="tighten the dormant rule")
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.DRAFT and draft.decision_note == "tighten the dormant rule"

    ruleset_withdraw(actor=users["reviewer"], rule_set=draft)
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.WITHDRAWN
    with pytest.raises(Conflict):
        ruleset_submit(actor=users["reviewer"], rule_set=draft)


def test_a_stale_transition_loses_to_the_one_that_happened(users):
    draft = ruleset_draft_create(actor=users["reviewer"], name="race")
    stale = RuleSet.objects.get(pk=draft.pk)
    ruleset_withdraw(actor=users["reviewer"], rule_set=draft)

    with pytest.raises(Conflict):
        ruleset_submit(actor=users["reviewer"], rule_set=stale)
    assert RuleSet.objects.get(pk=draft.pk).status == RuleSetStatus.WITHDRAWN


def test_staff_without_the_permission_cannot_draft_or_approve(users):
    with pytest.raises(PermissionDenied):
        ruleset_draft_create(actor=users["agent"], name="x")
    draft = ruleset_draft_create(actor=users["supervisor"], name="x")
    ruleset_submit(actor=users["supervisor"], rule_set=draft)
    with pytest.raises(PermissionDenied):
        ruleset_approve(actor=users["branch_a"], rule_set=draft)
    assert AuditEvent.objects.filter(action="access.denied").count() == 2

"""Rule sets under maker-checker: draft (edit, preview) -> submitted -> published by a second person.

    draft --submit--> submitted --approve (another person)--> published --(next one published)--> retired
      ^                   |
      +-----return--------+          draft or submitted --withdraw--> withdrawn

Every rule is checked against the feature catalogue when it is saved and again when the set is submitted
and approved; a rule set with a bad rule is never saved, so it can never be published.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.analytics.engine.rules import Dimension, Rule, RuleError, RuleSet, compile_rule_set
from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from brokerdesk.core.permissions import require_permission
from brokerdesk.segmentation.choices import RuleSetStatus
from brokerdesk.segmentation.models import RuleSet as RuleSetModel
from brokerdesk.segmentation.models import Segment, SegmentRule

TRANSITIONS: dict[str, set[str]] = {
    RuleSetStatus.DRAFT: {RuleSetStatus.SUBMITTED, RuleSetStatus.WITHDRAWN},
    RuleSetStatus.SUBMITTED: {RuleSetStatus.PUBLISHED, RuleSetStatus.DRAFT, RuleSetStatus.WITHDRAWN},
    RuleSetStatus.PUBLISHED: {RuleSetStatus.RETIRED},
    RuleSetStatus.RETIRED: set(),
    RuleSetStatus.WITHDRAWN: set(),
}


# The stored columns' lengths (models.SegmentRule), checked before anything is written.
FIELD_LIMITS = {"code": 64, "label_zh": 60, "label_en": 60, "expression": 2000}
NAME_LIMIT = 120


@dataclass(frozen=True)
class RuleInput:
    dimension: str
    code: str
    expression: str
    label_zh: str
    label_en: str = ""
    description: str = ""


def check_rules(rules: list[RuleInput]) -> None:
    """Raise ValidationFailed naming each bad rule: its position (1-based), segment and, for a bad expression,
    the message with line, column and offset of the offending token. Checks the whole list, not just the first."""
    problems: list[dict] = []
    if not rules:
        raise ValidationFailed(_("A rule set needs at least one rule."), details={"rules": []})
    for position, item in enumerate(rules, start=1):
        where = {"rule": position, "segment": item.code}
        for name, limit in FIELD_LIMITS.items():
            if len(getattr(item, name)) > limit:
                problems.append(where | {"field": name, "message": _("At most %(n)d characters.") % {"n": limit}})
        if item.dimension not in Dimension.__members__.values():
            problems.append(where | {"field": "dimension", "message": _("Unknown dimension.")})
            continue
        if not item.label_zh.strip():
            problems.append(where | {"field": "label_zh", "message": _("A Chinese name is required.")})
        try:
            compile_rule_set(RuleSet(rules=(Rule(Dimension(item.dimension), item.code, item.expression),)))
        except RuleError as error:
            problems.append(where | {"field": "expression", "message": error.message, "line": error.line,
                                     "column": error.column, "offset": error.offset})
        except ValueError as error:
            problems.append(where | {"field": "code", "message": str(error)})
    seen: set[tuple[str, str]] = set()
    for position, item in enumerate(rules, start=1):
        key = (item.dimension, item.code)
        if key in seen:
            problems.append({"rule": position, "segment": item.code, "field": "code",
                             "message": _("This segment already has a rule in this dimension.")})
        seen.add(key)
    if problems:
        raise ValidationFailed(_("%(count)d rule(s) cannot be accepted.") % {"count": len(problems)},
                               details={"rules": problems})


def _rule_inputs(rule_set: RuleSetModel) -> list[RuleInput]:
    return [RuleInput(r.dimension, r.code, r.expression, r.label_zh, r.label_en, r.description)
            for r in rule_set.rules.order_by("position")]


def ruleset_draft_create(*, actor, name: str, based_on: RuleSetModel | None = None, note: str = "") -> RuleSetModel:
    """A new draft holding a copy of `based_on`'s rules (default: the published set)."""
    require_permission(actor, "segmentation.draft_ruleset", "segmentation.ruleset_draft_create")
    with transaction.atomic():
        source = based_on or RuleSetModel.objects.filter(status=RuleSetStatus.PUBLISHED).first()
        version = (RuleSetModel.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
        draft = RuleSetModel.objects.create(version=version, name=name, note=note, based_on=source,
                                            created_by=actor)
        if source is not None:
            _replace_rules(draft, _rule_inputs(source))
        audit_record(actor=actor, action="segmentation.ruleset_draft_create", object_type="rule_set",
                     object_id=draft.pk, after={"version": version, "name": name,
                                                "based_on": source.version if source else None})
    return draft


def ruleset_rules_save(*, actor, rule_set: RuleSetModel, rules: list[RuleInput], name: str | None = None,
                       note: str | None = None) -> RuleSetModel:
    """Replace a draft's rules (in the given order). Nothing is saved when any rule is bad."""
    require_permission(actor, "segmentation.draft_ruleset", "segmentation.ruleset_rules_save")
    check_rules(rules)
    if name is not None and not 0 < len(name.strip()) <= NAME_LIMIT:
        raise ValidationFailed(_("The name must be 1 to %(n)d characters.") % {"n": NAME_LIMIT},
                               details={"name": [_("1 to %(n)d characters") % {"n": NAME_LIMIT}]})
    with transaction.atomic():
        locked = RuleSetModel.objects.select_for_update().get(pk=rule_set.pk)
        if locked.status != RuleSetStatus.DRAFT:
            raise Conflict(_("Only a draft can be edited; this rule set is %(status)s.")
                           % {"status": locked.get_status_display()})
        before = [r.__dict__ for r in _rule_inputs(locked)]
        _replace_rules(locked, rules)
        if name is not None:
            locked.name = name
        if note is not None:
            locked.note = note
        locked.save(update_fields=["name", "note"])
        audit_record(actor=actor, action="segmentation.ruleset_rules_save", object_type="rule_set",
                     object_id=locked.pk, before={"rules": before}, after={"rules": [r.__dict__ for r in rules]})
    return locked


def _replace_rules(rule_set: RuleSetModel, rules: list[RuleInput]) -> None:
    rule_set.rules.all().delete()
    SegmentRule.objects.bulk_create(
        SegmentRule(rule_set=rule_set, position=position, dimension=r.dimension, code=r.code,
                    expression=r.expression, label_zh=r.label_zh, label_en=r.label_en, description=r.description)
        for position, r in enumerate(rules, start=1))


def _transition(rule_set: RuleSetModel, target: str, **fields) -> None:
    """Compare-and-set: only moves the row if it is still in the state the caller saw."""
    if target not in TRANSITIONS[rule_set.status]:
        raise Conflict(_("A rule set that is %(status)s cannot be moved to %(target)s.")
                       % {"status": rule_set.get_status_display(), "target": RuleSetStatus(target).label})
    moved = RuleSetModel.objects.filter(pk=rule_set.pk, status=rule_set.status).update(status=target, **fields)
    if not moved:
        raise Conflict(_("Someone else changed this rule set meanwhile; reload it."))


def ruleset_submit(*, actor, rule_set: RuleSetModel) -> RuleSetModel:
    require_permission(actor, "segmentation.draft_ruleset", "segmentation.ruleset_submit")
    check_rules(_rule_inputs(rule_set))
    with transaction.atomic():
        _transition(rule_set, RuleSetStatus.SUBMITTED, submitted_by=actor, submitted_at=timezone.now())
        audit_record(actor=actor, action="segmentation.ruleset_submit", object_type="rule_set",
                     object_id=rule_set.pk, after={"version": rule_set.version})
    rule_set.refresh_from_db()
    return rule_set


def ruleset_return(*, actor, rule_set: RuleSetModel, note: str) -> RuleSetModel:
    """The checker sends a submitted draft back to its author with a note."""
    require_permission(actor, "segmentation.approve_ruleset", "segmentation.ruleset_return")
    with transaction.atomic():
        _transition(rule_set, RuleSetStatus.DRAFT, decided_by=actor, decided_at=timezone.now(), decision_note=note)
        audit_record(actor=actor, action="segmentation.ruleset_return", object_type="rule_set",
                     object_id=rule_set.pk, details={"note": note})
    rule_set.refresh_from_db()
    return rule_set


def ruleset_withdraw(*, actor, rule_set: RuleSetModel) -> RuleSetModel:
    require_permission(actor, "segmentation.draft_ruleset", "segmentation.ruleset_withdraw")
    with transaction.atomic():
        _transition(rule_set, RuleSetStatus.WITHDRAWN)
        audit_record(actor=actor, action="segmentation.ruleset_withdraw", object_type="rule_set",
                     object_id=rule_set.pk)
    rule_set.refresh_from_db()
    return rule_set


def ruleset_approve(*, actor, rule_set: RuleSetModel, note: str = "") -> RuleSetModel:
    """Publish a submitted rule set. The checker must be neither its author nor its submitter."""
    require_permission(actor, "segmentation.approve_ruleset", "segmentation.ruleset_approve")
    if actor.pk in (rule_set.created_by_id, rule_set.submitted_by_id):
        audit_record(actor=actor, action="access.denied", object_type="rule_set", object_id=rule_set.pk,
                     details={"attempted": "segmentation.ruleset_approve", "reason": "four_eyes"})
        raise PermissionDenied(_("A rule set must be approved by someone other than its author and submitter."))
    check_rules(_rule_inputs(rule_set))
    with transaction.atomic():
        previous = RuleSetModel.objects.select_for_update().filter(status=RuleSetStatus.PUBLISHED).first()
        if previous is not None:
            _transition(previous, RuleSetStatus.RETIRED)
        now = timezone.now()
        _transition(rule_set, RuleSetStatus.PUBLISHED, decided_by=actor, decided_at=now, decision_note=note,
                    published_at=now)
        rule_set.refresh_from_db()
        sync_segments(rule_set)
        audit_record(actor=actor, action="segmentation.ruleset_publish", object_type="rule_set",
                     object_id=rule_set.pk, before={"published": previous.version if previous else None},
                     after={"published": rule_set.version}, details={"note": note})
    return rule_set


def sync_segments(rule_set: RuleSetModel) -> None:
    """Make the segment catalogue match a published rule set: a Segment per rule (labels and order from the
    rule), and segments it no longer defines marked inactive (their members leave at the next run)."""
    defined = set()
    for rank, rule in enumerate(rule_set.rules.order_by("position")):
        Segment.objects.update_or_create(
            dimension=rule.dimension, code=rule.code,
            defaults={"label_zh": rule.label_zh, "label_en": rule.label_en, "rank": rank, "active": True})
        defined.add((rule.dimension, rule.code))
    for segment in Segment.objects.filter(active=True):
        if (segment.dimension, segment.code) not in defined:
            segment.active = False
            segment.save(update_fields=["active"])

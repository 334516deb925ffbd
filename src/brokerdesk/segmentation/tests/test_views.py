"""The segment pages: catalogue, members (scoped, masked), the rule editor (errors in place, preview), maker-checker
steps, and the segments section of the customer 360, over a demo brokerage segmented for real."""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils.html import escape

from brokerdesk.core.masking import mask_id_number, mask_phone
from brokerdesk.core.models import AuditEvent
from brokerdesk.customers.models import Customer
from brokerdesk.org.models import Staff
from brokerdesk.segmentation import forms
from brokerdesk.segmentation.choices import RuleSetStatus, RunStatus, RunTrigger
from brokerdesk.segmentation.models import RuleSet, Segment, SegmentMembership, SegmentRun
from brokerdesk.segmentation.run import segmentation_run
from brokerdesk.segmentation.services import (
    RuleInput,
    ruleset_approve,
    ruleset_draft_create,
    ruleset_rules_save,
    ruleset_submit,
)

pytestmark = pytest.mark.django_db

# v2 of the rules moves the gold/silver boundary from 10万 to 5万: the second run moves clients between tiers.
GOLD_V2 = "avg_assets_20d >= 50000 and avg_assets_20d < 500000"
SILVER_V2 = "avg_assets_20d < 50000"


def rule_inputs(rule_set, **expressions) -> list[RuleInput]:
    return [RuleInput(r.dimension, r.code, expressions.get(r.code, r.expression), r.label_zh, r.label_en,
                      r.description) for r in rule_set.rules.order_by("position")]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo brokerage (300 clients, 25 trading days) segmented under v1 (by the demo), then under v2.

    Loading it takes seconds, so this module shares it: it is built in a transaction that is rolled back after
    the module's last test, and each test runs in a savepoint inside that transaction (pytest-django's db)."""
    root = tmp_path_factory.mktemp("segment-pages")
    with (override_settings(LAKE_DIR=root / "lake", INTAKE_DIR=root / "intake"), django_db_blocker.unblock(),
          transaction.atomic()):
        call_command("demo", clients=300, days=25, seed=3, stdout=io.StringIO())
        supervisor, reviewer = Staff.objects.get(username="supervisor"), Staff.objects.get(username="reviewer")
        draft = ruleset_draft_create(actor=supervisor, name="v2: gold from 5万")
        ruleset_rules_save(actor=supervisor, rule_set=draft,
                           rules=rule_inputs(draft, gold=GOLD_V2, silver=SILVER_V2))
        ruleset_submit(actor=supervisor, rule_set=draft)
        ruleset_approve(actor=reviewer, rule_set=draft)
        second = segmentation_run(actor=None)
        assert second.left and second.entered, "v2 must move some clients between tiers"
        yield {"first": SegmentRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("pk").first(),
               "second": second, "v2": draft}
        transaction.set_rollback(True)


@pytest.fixture
def as_user(login):
    return lambda username: login(Staff.objects.get(username=username))


def branch_members(segment, username) -> list[Customer]:
    branch = Staff.objects.get(username=username).branch
    current = SegmentMembership.objects.filter(segment=segment, valid_to__isnull=True).values("customer_id")
    return list(Customer.objects.filter(pk__in=current, home_branch=branch).order_by("customer_no"))


@pytest.fixture
def shared_segment(demo):
    """A segment with current members in both demo branches, and the first member of each (page 1)."""
    for segment in Segment.objects.filter(active=True).order_by("dimension", "rank"):
        in_a, in_b = branch_members(segment, "branch_a"), branch_members(segment, "branch_b")
        if in_a and in_b:
            return segment, in_a[0], in_b[0]
    raise AssertionError("no segment has members in both demo branches")


def fieldset_of(body: str, code: str) -> str:
    """The editor row (fieldset) of a segment code."""
    start = body.index(f'data-code="{code}"')
    return body[start : body.index("</fieldset>", start)]


def editor_post(rule_set, **changes) -> dict:
    """The editor's form as the browser posts it for the saved rules, with some fields changed."""
    data = {"name": rule_set.name, "note": rule_set.note}
    for row in forms.rows_from_rule_set(rule_set):
        for field in forms.FIELDS:
            data[f"rule-{row.key}-{field}"] = getattr(row, field)
    data.update(changes)
    return data


def row_key(rule_set, code: str) -> str:
    return next(row.key for row in forms.rows_from_rule_set(rule_set) if row.code == code)


def saved_rules(rule_set) -> list[tuple]:
    return list(rule_set.rules.order_by("position").values_list("position", "dimension", "code", "expression"))


# --- Catalogue -------------------------------------------------------------------------------------------


def test_it_renders_the_catalogue_with_counts_and_trend_data(demo, as_user):
    response = as_user("agent").get("/segments/")
    body = response.content.decode()

    assert response.status_code == 200
    assert "客户分群" in body and 'aria-current="page"' in body
    second, first = demo["second"], demo["first"]
    for segment in Segment.objects.filter(active=True):
        row = re.search(rf'<tr data-segment="{segment.code}">(.*?)</tr>', body, re.S).group(1)
        assert f'href="/segments/{segment.pk}/members/"' in row
        members = re.search(r'data-testid="members">([\d,]+)<', row).group(1)
        assert int(members.replace(",", "")) == second.members.get(str(segment.pk), 0)
    tiers = list(Segment.objects.filter(dimension="tier", active=True).order_by("rank"))
    trend = json.loads(re.search(r'<script id="trend-tier" type="application/json">(.*?)</script>', body).group(1))
    assert first.business_date == second.business_date  # a rerun after the rule change: numbered on the chart
    assert trend["dates"] == [first.business_date.isoformat(), f"{second.business_date.isoformat()} (2)"]
    assert trend["series"] == [{"name": s.label, "data": [first.members.get(str(s.pk), 0),
                                                         second.members.get(str(s.pk), 0)]} for s in tiers]
    assert trend["series"][-1]["data"][0] != trend["series"][-1]["data"][1], "v2 moved clients out of silver"
    runs = body[body.index('data-testid="runs"'):]
    assert f">{sum(second.entered.values()):,}<" in runs and ">v2</a>" in runs and ">v1</a>" in runs
    assert 'data-testid="run-now"' not in body  # agents may not run segmentation


def test_it_queues_a_run_for_staff_allowed_to_run_it(demo, as_user):
    runs = SegmentRun.objects.count()

    assert as_user("branch_a").post("/segments/run/").status_code == 403
    assert SegmentRun.objects.count() == runs

    client = as_user("reviewer")
    assert 'data-testid="run-now"' in client.get("/segments/").content.decode()
    response = client.post("/segments/run/", follow=True)

    assert response.status_code == 200
    assert "已加入队列" in response.content.decode()
    run = SegmentRun.objects.latest("pk")  # the worker runs at once in tests (Huey immediate mode)
    assert (run.trigger, run.started_by, run.status) == (RunTrigger.ON_DEMAND, "reviewer", RunStatus.SUCCEEDED)


def test_it_shows_the_segments_entry_in_the_menu_to_staff_who_see_clients(demo, as_user):
    assert 'href="/segments/"' in as_user("branch_b").get("/").content.decode()
    assert 'href="/segments/"' not in as_user("admin").get("/").content.decode()
    assert as_user("admin").get("/segments/").status_code == 403


# --- Members ---------------------------------------------------------------------------------------------


def test_it_lists_a_segments_members_scoped_to_the_branch_and_masked(demo, as_user, shared_segment):
    segment, client_a, client_b = shared_segment

    body_a = as_user("branch_a").get(f"/segments/{segment.pk}/members/").content.decode()
    body_b = as_user("branch_b").get(f"/segments/{segment.pk}/members/").content.decode()

    assert f'href="/customers/{client_a.pk}/"' in body_a and client_a.customer_no in body_a
    assert f'href="/customers/{client_b.pk}/"' not in body_a and client_b.customer_no not in body_a
    assert f'href="/customers/{client_b.pk}/"' in body_b
    assert f'href="/customers/{client_a.pk}/"' not in body_b and client_a.customer_no not in body_b
    # Masked exactly as the customer search shows them.
    assert client_a.id_number not in body_a and mask_id_number(client_a.id_number) in body_a
    phone = client_a.phones.first().number
    assert phone not in body_a and mask_phone(phone) in body_a
    count = len(branch_members(segment, "branch_a"))
    assert f"{count} 名" in body_a


def test_it_pages_through_the_members(demo, as_user):
    segment = max(Segment.objects.filter(active=True), key=lambda s: demo["second"].members.get(str(s.pk), 0))
    client = as_user("reviewer")
    first = client.get(f"/segments/{segment.pk}/members/").content.decode()
    second = client.get(f"/segments/{segment.pk}/members/", {"page": 2}).content.decode()

    links = re.compile(r'href="/customers/(\d+)/"')
    assert len(links.findall(first)) == 50
    assert second.count("/customers/") and not set(links.findall(first)) & set(links.findall(second))


def test_it_answers_404_for_a_missing_segment_or_to_staff_who_see_no_clients(demo, as_user, shared_segment):
    segment = shared_segment[0]
    missing = Segment.objects.order_by("-pk").first().pk + 1000

    assert as_user("branch_b").get(f"/segments/{missing}/members/").status_code == 404
    assert as_user("branch_b").get(f"/segments/{2**63}/members/").status_code == 404
    assert as_user("admin").get(f"/segments/{segment.pk}/members/").status_code == 404


# --- Rule sets: the editor -------------------------------------------------------------------------------


def test_it_creates_a_draft_from_the_published_rules(demo, as_user):
    client = as_user("supervisor")
    assert 'data-testid="new-draft"' in client.get("/segments/rules/").content.decode()
    assert 'data-testid="new-draft"' not in as_user("agent").get("/segments/rules/").content.decode()

    response = client.post("/segments/rules/new/", {"name": "季度调整"})

    draft = RuleSet.objects.get(name="季度调整")
    assert response.status_code == 302 and response["Location"] == f"/segments/rules/{draft.pk}/"
    assert (draft.status, draft.based_on, draft.created_by.username) == (RuleSetStatus.DRAFT, demo["v2"],
                                                                          "supervisor")
    assert [r[1:] for r in saved_rules(draft)] == [r[1:] for r in saved_rules(demo["v2"])]
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="editor"' in page and 'data-testid="features"' in page and "avg_assets_20d" in page


@pytest.mark.parametrize(
    ("expression", "message", "column", "marked"),
    [
        ("foo > 1", "unknown feature 'foo'", 1, "<mark>f</mark>oo &gt; 1"),
        ("client_kind > 5", "cannot compare a text with an integer", 13, "client_kind <mark>&gt;</mark> 5"),
        ("1=1; DROP TABLE customers_customer", "';' is not allowed", 4, "1=1<mark>;</mark> DROP TABLE"),
    ],
)
def test_it_shows_a_bad_rule_next_to_it_with_its_position_and_saves_nothing(demo, as_user, expression, message,
                                                                           column, marked):
    supervisor = Staff.objects.get(username="supervisor")
    draft = ruleset_draft_create(actor=supervisor, name="bad rule")
    before = saved_rules(draft)
    clients = Customer.objects.count()
    data = editor_post(draft, name="renamed", **{f"rule-{row_key(draft, 'gold')}-expression": expression})

    response = as_user("supervisor").post(f"/segments/rules/{draft.pk}/", data)
    body = response.content.decode()

    assert response.status_code == 422
    row = fieldset_of(body, "gold")
    assert "has-problems" in body[body.rindex("<fieldset", 0, body.index('data-code="gold"')):][:80]
    assert escape(message) in row
    assert f"第 1 行，第 {column} 列：" in row
    assert marked in row
    assert f"\n{' ' * (column - 1)}^</pre>" in row
    assert row.count('data-testid="rule-problem"') == 1
    assert 'data-testid="rule-problem"' not in fieldset_of(body, "silver")
    assert escape(expression) in row  # the typed text stays in the editor
    draft.refresh_from_db()
    assert (draft.name, saved_rules(draft)) == ("bad rule", before)
    assert Customer.objects.count() == clients
    assert not AuditEvent.objects.filter(action="segmentation.ruleset_rules_save", object_id=str(draft.pk)).exists()


def test_it_saves_an_edit_in_the_order_of_the_numbers_with_rows_added_and_removed(demo, as_user):
    client = as_user("supervisor")
    draft = ruleset_draft_create(actor=Staff.objects.get(username="supervisor"), name="reorder")
    new_row = client.get("/segments/rules/row/").content.decode()
    key = re.search(r'name="rule-(n[0-9a-f]+)-expression"', new_row).group(1)
    data = editor_post(draft, name="reordered", note="tags first", **{
        f"rule-{row_key(draft, 'gold')}-position": "5",  # before diamond (10)
        f"rule-{row_key(draft, 'silver')}-remove": "on",
        f"rule-{key}-position": "", f"rule-{key}-dimension": "tag", f"rule-{key}-code": "young_trader",
        f"rule-{key}-label_zh": "年轻活跃交易者", f"rule-{key}-label_en": "Young active trader",
        f"rule-{key}-expression": "age < 30 and\r\ntrades_3m >= 10", f"rule-{key}-description": "",
    })

    response = client.post(f"/segments/rules/{draft.pk}/", data)

    assert response.status_code == 302
    draft.refresh_from_db()
    codes = [code for _, _, code, _ in saved_rules(draft)]
    assert (draft.name, draft.note) == ("reordered", "tags first")
    assert codes[:2] == ["gold", "diamond"] and "silver" not in codes and codes[-1] == "young_trader"
    assert saved_rules(draft)[-1][3] == "age < 30 and\ntrades_3m >= 10"
    assert [p for p, *_ in saved_rules(draft)] == list(range(1, len(codes) + 1))


def test_it_refuses_edits_to_a_submitted_set_or_by_staff_who_may_not_draft(demo, as_user):
    supervisor = Staff.objects.get(username="supervisor")
    draft = ruleset_draft_create(actor=supervisor, name="locked")
    before = saved_rules(draft)
    data = editor_post(draft, **{f"rule-{row_key(draft, 'gold')}-expression": "true"})

    refused = as_user("agent").post(f"/segments/rules/{draft.pk}/", data)
    ruleset_submit(actor=supervisor, rule_set=draft)
    conflict = as_user("supervisor").post(f"/segments/rules/{draft.pk}/", data)

    assert refused.status_code == 403
    assert conflict.status_code == 409 and "只能编辑草稿" in conflict.content.decode()
    assert 'data-testid="editor"' not in conflict.content.decode()
    assert escape(GOLD_V2) in conflict.content.decode()  # the saved rules, not the posted ones
    assert saved_rules(draft) == before


def test_it_previews_a_draft_with_counts_against_the_published_rules(demo, as_user):
    supervisor = Staff.objects.get(username="supervisor")
    draft = ruleset_draft_create(actor=supervisor, name="back to 10万")
    ruleset_rules_save(actor=supervisor, rule_set=draft, rules=rule_inputs(
        draft, gold="avg_assets_20d >= 100000 and avg_assets_20d < 500000", silver="avg_assets_20d < 100000"))

    response = as_user("supervisor").post(f"/segments/rules/{draft.pk}/preview/", HTTP_HX_REQUEST="true")
    body = response.content.decode()

    assert response.status_code == 200 and 'data-testid="preview"' in body
    members = demo["second"].members

    def counts(code: str) -> list[int]:
        row = re.search(rf'<tr data-segment="tier:{code}"[^>]*>(.*?)</tr>', body, re.S).group(1)
        cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)
        return [int(c.replace(",", "").replace("+", "").replace("−", "-")) for c in cells]

    gold, silver = counts("gold"), counts("silver")  # published, draft, change, entering, leaving
    assert gold[0] == members[str(Segment.objects.get(code="gold").pk)]
    assert gold[4] > 0 and gold[3] == 0 and gold[2] == gold[1] - gold[0] == -gold[4]
    assert silver[3] == gold[4] and silver[4] == 0 and silver[2] == gold[4]  # 5万..10万 goes back to silver
    assert counts("diamond")[2] == 0
    silver_row = re.search(r'<tr data-segment="tier:silver"[^>]*>(.*?)</tr>', body, re.S).group(1)
    assert re.search(r'href="/customers/\d+/"', silver_row)


# --- Rule sets: maker-checker ----------------------------------------------------------------------------


def test_it_publishes_after_submission_and_a_second_persons_approval(demo, as_user):
    draft = ruleset_draft_create(actor=Staff.objects.get(username="supervisor"), name="four eyes")

    response = as_user("supervisor").post(f"/segments/rules/{draft.pk}/submit/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.SUBMITTED
    page = as_user("reviewer").get(f"/segments/rules/{draft.pk}/").content.decode()
    assert 'data-testid="approve"' in page and 'data-testid="editor"' not in page

    response = as_user("reviewer").post(f"/segments/rules/{draft.pk}/approve/", {"decision_note": "同意"})

    assert response.status_code == 302
    draft.refresh_from_db()
    demo["v2"].refresh_from_db()
    assert (draft.status, draft.decided_by.username, draft.decision_note) == (RuleSetStatus.PUBLISHED, "reviewer",
                                                                            "同意")
    assert demo["v2"].status == RuleSetStatus.RETIRED
    listing = as_user("agent").get("/segments/rules/").content.decode()
    assert re.search(rf'>v{draft.version}</a>.*?已发布', listing, re.S)


def test_it_shows_the_four_eyes_refusal_when_the_author_approves(demo, as_user):
    reviewer = Staff.objects.get(username="reviewer")  # may draft and approve, but not their own rules
    draft = ruleset_draft_create(actor=reviewer, name="my own")
    ruleset_submit(actor=reviewer, rule_set=draft)

    response = as_user("reviewer").post(f"/segments/rules/{draft.pk}/approve/")
    body = response.content.decode()

    assert response.status_code == 403
    refusal = re.search(r'data-testid="action-error">(.*?)</p>', body).group(1)
    assert "作者和提交人以外" in refusal
    assert 'data-testid="approve"' in body  # shown in place, on the rule set page
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.SUBMITTED
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(draft.pk)).exists()


def test_it_returns_a_submitted_set_to_its_author_with_a_note(demo, as_user):
    supervisor = Staff.objects.get(username="supervisor")
    draft = ruleset_draft_create(actor=supervisor, name="to return")
    ruleset_submit(actor=supervisor, rule_set=draft)
    client = as_user("compliance")

    assert client.post(f"/segments/rules/{draft.pk}/return/", {"decision_note": " "}).status_code == 422
    response = client.post(f"/segments/rules/{draft.pk}/return/", {"decision_note": "钻石门槛请再斟酌"})

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.decision_note) == (RuleSetStatus.DRAFT, "钻石门槛请再斟酌")
    page = as_user("supervisor").get(f"/segments/rules/{draft.pk}/").content.decode()
    assert 'data-testid="returned"' in page and "钻石门槛请再斟酌" in page and 'data-testid="editor"' in page

    assert as_user("supervisor").post(f"/segments/rules/{draft.pk}/withdraw/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == RuleSetStatus.WITHDRAWN


def test_it_shows_published_rules_read_only(demo, as_user):
    body = as_user("supervisor").get(f"/segments/rules/{demo['v2'].pk}/").content.decode()

    assert 'data-testid="rules"' in body and 'data-testid="editor"' not in body
    assert escape(GOLD_V2) in body
    assert 'data-testid="submit"' not in body and 'data-testid="preview-button"' not in body


# --- Customer 360 ----------------------------------------------------------------------------------------


def test_it_shows_the_clients_segments_and_their_history_on_the_360(demo, as_user):
    moved = SegmentMembership.objects.filter(left_run=demo["second"], segment__dimension="tier").first()
    customer = moved.customer
    current = SegmentMembership.objects.filter(customer=customer, valid_to__isnull=True).select_related("segment")

    body = as_user("reviewer").get(f"/customers/{customer.pk}/").content.decode()

    section = body[body.index('data-testid="segments"'):]
    section = section[: section.index("</section>")]
    for membership in current:
        assert f'href="/segments/{membership.segment_id}/members/">{membership.segment.label}</a>' in section
    history = section[section.index('data-testid="segment-history"'):]
    left_on = demo["second"].business_date.isoformat()
    assert re.search(rf"{moved.segment.label}.*?{moved.valid_from.isoformat()}.*?{left_on}.*?v1", history, re.S)
    entered = SegmentMembership.objects.get(customer=customer, entered_run=demo["second"],
                                            segment__dimension="tier")
    assert re.search(rf"{entered.segment.label}.*?{left_on}.*?当前.*?v2", history, re.S)

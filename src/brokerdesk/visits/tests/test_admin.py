"""The return-visit admin: a programme's audience parameters, retries and attempts are checked with a clear error
on the field; questions that report findings say which answers do; changes (questions included) are audited;
evidence is read-only."""

import json

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import translation

from brokerdesk.core.models import AuditEvent
from brokerdesk.org.choices import Role, Scope
from brokerdesk.visits import admin as visits_admin
from brokerdesk.visits.admin import ProgrammeForm, ScriptQuestionForm
from brokerdesk.visits.models import (
    AnnualSampleStratum,
    CenterCapacity,
    GenerationRun,
    Programme,
    ScriptQuestion,
    VisitAttempt,
    VisitFinding,
    VisitTask,
)
from brokerdesk.visits.tests.report_data import build
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

JSON_FIELDS = ("event_kinds", "exclude_statuses", "retry_hours")


def _data(programme: Programme | None = None, **overrides) -> dict:
    """The admin form's POST data for a programme (by default a copy of the seed new-account programme)."""
    programme = programme or Programme.objects.get(code="new_account")
    data = {name: getattr(programme, name) for name in ProgrammeForm.Meta.fields}
    data.update(code=f"{programme.code}_copy" if programme.pk else programme.code)
    data.update(overrides)
    for name in JSON_FIELDS:
        if not isinstance(data[name], str):
            data[name] = json.dumps(data[name])
    return {k: ("" if v is None else v) for k, v in data.items()}


def _errors(**overrides) -> dict:
    """The form's errors, in English (the messages' content is checked; zh-hans is the default language)."""
    with translation.override("en"):
        form = ProgrammeForm(data=_data(**overrides))
        assert not form.is_valid()
        return {field: [str(message) for message in messages] for field, messages in form.errors.items()}


def test_it_accepts_every_seed_programme():
    for programme in Programme.objects.all():
        form = ProgrammeForm(data=_data(programme), instance=programme)
        assert form.is_valid(), (programme.code, form.errors)


def test_it_wants_the_days_of_a_new_account_programme():
    assert "opened_within_days" in _errors(opened_within_days=None)


@pytest.mark.parametrize(("ratio", "ok"), [(None, False), ("0", False), ("1.5", False), ("0.100", True),
                                           ("1", True)])
def test_it_wants_a_sample_ratio_above_0_and_at_most_1(ratio, ok):
    form = ProgrammeForm(data=_data(audience="annual_sample", sample_ratio=ratio))
    assert form.is_valid() is ok
    if not ok:
        assert list(form.errors) == ["sample_ratio"]


@pytest.mark.parametrize(("dimension", "code", "field"), [
    ("group", "no_such_segment", "segment_code"), ("", "dormant", "segment_dimension"), ("group", "", "segment_code"),
    ("tier", "dormant", "segment_code")])
def test_it_wants_an_existing_segment(dimension, code, field):
    for audience in ("segment_entered", "segment_members"):
        errors = _errors(audience=audience, segment_dimension=dimension, segment_code=code)
        assert list(errors) == [field]
    assert ProgrammeForm(data=_data(audience="segment_members", segment_dimension="group",
                                    segment_code="dormant")).is_valid()


def test_it_compiles_the_feature_rule_with_the_engine():
    errors = _errors(audience="feature_rule", rule_expression="agee >= 65")
    assert list(errors) == ["rule_expression"] and "agee" in errors["rule_expression"][0]
    assert "line 1, column 1" in errors["rule_expression"][0]
    errors = _errors(audience="feature_rule", rule_expression="age >= 65 and")
    assert list(errors) == ["rule_expression"]
    assert "rule_expression" in _errors(audience="feature_rule", rule_expression="  ")
    assert ProgrammeForm(data=_data(audience="feature_rule", rule_expression="age >= 65")).is_valid()


@pytest.mark.parametrize(("kinds", "message"), [([], "permission_granted"), (["dividend_paid"], "dividend_paid"),
                                                ("permission_granted", "list")])
def test_it_wants_known_service_events(kinds, message):
    errors = _errors(audience="service_event", event_kinds=json.dumps(kinds))
    assert list(errors) == ["event_kinds"] and message in errors["event_kinds"][0]
    assert ProgrammeForm(data=_data(audience="service_event",
                                    event_kinds=["high_risk_sale", "permission_granted"])).is_valid()


@pytest.mark.parametrize("hours", ["[]", "[0]", "[2, -1]", '["2"]', "[2.5]", "true", "2", "{}"])
def test_it_wants_retry_hours_as_a_list_of_positive_whole_hours(hours):
    assert list(_errors(retry_hours=hours)) == ["retry_hours"]


def test_it_wants_at_least_one_attempt_and_known_client_statuses():
    assert list(_errors(max_attempts=0)) == ["max_attempts"]
    assert list(_errors(exclude_statuses=["sleeping"])) == ["exclude_statuses"]
    assert ProgrammeForm(data=_data(max_attempts=1, retry_hours=[4], exclude_statuses=["dormant"])).is_valid()


def test_it_reports_every_problem_at_once():
    errors = _errors(audience="annual_sample", sample_ratio=None, retry_hours="[]", max_attempts=0)
    assert set(errors) == {"sample_ratio", "retry_hours", "max_attempts"}


@pytest.mark.parametrize(("fields", "field"), [
    ({"kind": "yes_no", "finding_kind": "staff_traded", "finding_answers": "[]"}, "finding_answers"),
    ({"kind": "yes_no", "finding_kind": "", "finding_answers": '["yes"]'}, "finding_kind"),
    ({"kind": "yes_no", "finding_kind": "staff_traded", "finding_answers": '["maybe"]'}, "finding_answers"),
    ({"kind": "choice", "choices": "[]"}, "choices"),
    ({"kind": "choice", "choices": '["A", "B"]', "finding_kind": "other_misconduct", "finding_answers": '["C"]'},
     "finding_answers"),
    ({"kind": "text", "finding_kind": "other_misconduct", "finding_answers": '["x"]'}, "finding_answers"),
    ({"kind": "rating", "finding_kind": "other_misconduct", "finding_answers": '["6"]'}, "finding_answers"),
])
def test_it_checks_which_answers_of_a_question_are_findings(fields, field):
    data = {"position": 10, "text": "问题", "required": "on", "choices": "[]", "finding_kind": "",
            "finding_answers": "[]"} | fields
    form = ScriptQuestionForm(data=data)
    assert not form.is_valid() and list(form.errors) == [field]


def test_it_accepts_a_question_whose_findings_match_its_kind():
    data = {"position": 10, "text": "问题", "kind": "choice", "required": "on", "choices": '["A", "B"]',
            "finding_kind": "other_misconduct", "finding_answers": '["B"]'}
    assert ScriptQuestionForm(data=data).is_valid()


# --- Through the admin site --------------------------------------------------------------------------------


def _admin_post(programme_data: dict, questions: list[dict]) -> dict:
    data = dict(programme_data)
    data.update({"questions-TOTAL_FORMS": str(len(questions)), "questions-INITIAL_FORMS": "0",
                 "questions-MIN_NUM_FORMS": "0", "questions-MAX_NUM_FORMS": "1000"})
    for i, question in enumerate(questions):
        data.update({f"questions-{i}-{k}": v for k, v in question.items()})
    return data


def test_it_audits_a_programme_and_its_questions_added_in_the_admin(users, login):
    client = login(users["admin"])
    data = _admin_post(_data(code="senior_care", name="高龄客户回访", audience="feature_rule",
                             rule_expression="age >= 80"),
                       [{"position": 10, "text": "是否有人代您操作账户？", "kind": "yes_no", "required": "on",
                         "choices": "[]", "finding_kind": "staff_traded", "finding_answers": '["yes"]'}])
    response = client.post("/admin/visits/programme/add/", data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    programme = Programme.objects.get(code="senior_care")
    question = programme.questions.get()
    assert question.finding_answers == ["yes"]
    assert AuditEvent.objects.filter(action="admin.programme.create", object_id=str(programme.pk)).exists()
    event = AuditEvent.objects.get(action="admin.scriptquestion.create")
    assert event.object_id == str(question.pk) and event.actor_id == users["admin"].pk


def test_it_shows_the_errors_on_the_admin_form_and_saves_nothing(users, login):
    client = login(users["admin"])
    data = _admin_post(_data(code="broken", audience="segment_entered", segment_dimension="group",
                             segment_code="nobody", retry_hours="[0]"),
                       [{"position": 10, "text": "问题", "kind": "yes_no", "required": "on", "choices": "[]",
                         "finding_kind": "staff_traded", "finding_answers": "[]"}])
    response = client.post("/admin/visits/programme/add/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "nobody" in html and html.count('class="errorlist') >= 3
    assert not Programme.objects.filter(code="broken").exists() and not AuditEvent.objects.filter(
        action__startswith="admin.").exists()


def test_it_shows_the_programme_pages_to_administrators(users, login):
    client = login(users["admin"])
    programme = Programme.objects.get(code="annual_sample")
    assert client.get("/admin/visits/programme/").status_code == 200
    page = client.get(f"/admin/visits/programme/{programme.pk}/change/")
    assert page.status_code == 200 and programme.questions.first().text in page.content.decode()
    assert client.get("/admin/visits/centercapacity/").status_code == 200
    assert client.get("/admin/visits/visittask/").status_code == 403  # administrators see no client data


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def test_it_keeps_the_evidence_read_only_and_programmes_undeleted(users):
    request = _request(users["admin"])
    for model in (VisitTask, VisitAttempt, VisitFinding, GenerationRun, AnnualSampleStratum):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request) and not model_admin.has_delete_permission(request)
    assert not admin.site._registry[Programme].has_delete_permission(request)


def test_it_lets_questions_and_capacities_follow_the_programme_permissions(users, org):
    capacity = admin.site._registry[CenterCapacity]
    inline = visits_admin.ScriptQuestionInline(Programme, admin.site)
    admin_request, compliance = _request(users["admin"]), _request(users["compliance"])
    assert capacity.has_change_permission(admin_request) and inline.has_change_permission(admin_request)
    assert capacity.has_view_permission(compliance) and inline.has_view_permission(compliance)
    assert not capacity.has_change_permission(compliance) and not inline.has_add_permission(compliance)
    assert not capacity.has_view_permission(_request(users["agent"]))
    assert ScriptQuestion.objects.exists()


def test_it_renders_the_read_only_lists_with_data(org, users, login):
    build(org, users)
    root = make_staff("t_root", Role.ADMIN, scope=Scope.COMPANY)
    root.is_superuser = True
    root.save()
    client = login(root)
    for name in ("visittask", "visitattempt", "visitfinding", "generationrun", "annualsamplestratum"):
        response = client.get(f"/admin/visits/{name}/")
        assert response.status_code == 200, name
        assert f'href="/admin/visits/{name}/add/"' not in response.content.decode()
    task = VisitTask.objects.first()
    assert client.get(f"/admin/visits/visittask/{task.pk}/change/").status_code == 200

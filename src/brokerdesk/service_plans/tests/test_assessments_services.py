"""Recording risk assessments, questionnaire versions and the announcement of expired assessments."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brokerdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.customers.models import Customer
from brokerdesk.service_plans import rules
from brokerdesk.service_plans.choices import ServiceEventKind
from brokerdesk.service_plans.models import Question, Questionnaire, RiskAssessment, RiskBand, ServiceEvent
from brokerdesk.service_plans.selectors.assessments import assessments_expiring
from brokerdesk.service_plans.services.assessments import (
    NoQuestionnaire,
    assessments_expired_announce,
    questionnaire_copy_as_new_version,
    questionnaire_make_current,
    risk_assessment_record,
)
from tests.factories import make_customer

pytestmark = pytest.mark.django_db

SECOND_ANSWERS = {p: [2] for p in range(1, 11)}  # 42 points: C3
THIRD_ANSWERS = {p: [3] for p in range(1, 11)}  # 71 points: C4


@pytest.fixture
def questionnaire():
    questionnaire = Questionnaire.objects.get(is_current=True)
    assert questionnaire.questions.count() == 10
    return questionnaire


def record(actor, customer, answers=None, **overrides):
    arguments = {"answers": answers or THIRD_ANSWERS, "lacks_civil_capacity": False, "channel": "branch",
                 "signer_name": customer.name} | overrides
    return risk_assessment_record(actor=actor, customer_id=customer.pk, **arguments)


def test_it_records_the_assessment_and_the_clients_new_profile_in_one_go(users, customer_a, questionnaire):
    assessment = record(users["branch_a"], customer_a)
    today = timezone.localdate()
    assert (assessment.score, assessment.level, assessment.previous_level) == (71, "C4", "C3")
    assert assessment.answers == {str(p): [3] for p in range(1, 11)}
    assert assessment.questionnaire == questionnaire and assessment.recorded_by == users["branch_a"]
    assert assessment.expires_on == today + timedelta(days=730) and not assessment.is_lowest_category
    customer_a.refresh_from_db()
    assert (customer_a.risk_level, customer_a.risk_score, customer_a.risk_assessed_on, customer_a.risk_expires_on,
            customer_a.is_lowest_category) == ("C4", 71, today, assessment.expires_on, False)
    audit = AuditEvent.objects.get(action="suitability.assessment_record")
    assert audit.object_id == str(assessment.pk) and audit.after["level"] == "C4"
    assert audit.before == {"risk_level": "C3"} and audit.actor_id == users["branch_a"].pk
    assert AuditEvent.objects.filter(action="customer.risk_profile", object_id=str(customer_a.pk)).exists()


def test_it_hashes_what_the_client_signed(users, customer_a, questionnaire):
    assessment = record(users["branch_a"], customer_a, channel="phone")
    expected = rules.signature_hash({
        "customer_no": customer_a.customer_no, "questionnaire_version": questionnaire.version,
        "answers": assessment.answers, "score": 71, "level": "C4", "lacks_civil_capacity": False,
        "assessed_at": assessment.assessed_at.isoformat(), "channel": "phone", "signer_name": customer_a.name})
    assert assessment.signature_hash == expected


def test_it_limits_validity_to_the_firms_maximum(users, customer_a, questionnaire, settings):
    settings.RISK_ASSESSMENT_VALIDITY_DAYS = 365
    assessment = record(users["branch_a"], customer_a)
    assert assessment.expires_on == timezone.localdate() + timedelta(days=365)


def test_it_makes_a_client_who_accepts_no_loss_c1_and_lowest_category(users, customer_a, questionnaire):
    assessment = record(users["branch_a"], customer_a, THIRD_ANSWERS | {9: [1]})
    assert assessment.level == "C1" and assessment.score == 64 and assessment.accepts_no_loss
    customer_a.refresh_from_db()
    assert customer_a.is_lowest_category and customer_a.risk_level == "C1"


def test_it_lets_a_guardian_sign_for_a_client_lacking_full_civil_capacity(users, customer_a, questionnaire):
    assessment = record(users["branch_a"], customer_a, lacks_civil_capacity=True, signer_name="监护人王某")
    assert assessment.level == "C1" and assessment.lacks_civil_capacity and assessment.is_lowest_category


def test_it_reports_every_problem_per_question_and_changes_nothing(users, customer_a, questionnaire):
    answers = dict(SECOND_ANSWERS)
    del answers[3]
    answers[4] = [1, 2]
    answers[5] = [9]
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        record(users["branch_a"], customer_a, answers, channel="fax", signer_name="别人")
    assert set(caught.value.details) == {"q3", "q4", "q5", "channel", "signer_name"}
    assert not RiskAssessment.objects.exists() and AuditEvent.objects.count() == before
    customer_a.refresh_from_db()
    assert customer_a.risk_level == "C3" and customer_a.risk_score == 45


def test_it_accepts_posted_style_answers(users, customer_a, questionnaire):
    answers = {f"q{p}": str(2) for p in range(1, 11)}
    assert record(users["branch_a"], customer_a, answers).score == 42
    with pytest.raises(ValidationFailed) as caught:
        record(users["branch_a"], customer_a, answers | {"q7": "x"})
    assert caught.value.details == {"q7": [caught.value.details["q7"][0]]}


def test_it_hides_another_branchs_client_and_refuses_roles_without_the_permission(users, customer_a, questionnaire):
    with pytest.raises(NotFound):
        record(users["branch_b"], customer_a)
    with pytest.raises(PermissionDenied):
        record(users["reviewer"], customer_a)
    assert not RiskAssessment.objects.exists()
    assert AuditEvent.objects.filter(action="access.denied", actor_id=users["reviewer"].pk).exists()


def test_it_refuses_without_a_questionnaire_in_use(users, customer_a, questionnaire):
    Questionnaire.objects.update(is_current=False)
    with pytest.raises(NoQuestionnaire):
        record(users["branch_a"], customer_a)


def test_it_records_the_previous_level_from_the_last_assessment(users, customer_a, questionnaire):
    record(users["branch_a"], customer_a)
    second = record(users["manager_a"], customer_a, SECOND_ANSWERS)
    assert (second.previous_level, second.level) == ("C4", "C3")


# --- Questionnaire versions ----------------------------------------------------------------------------------


def test_it_copies_a_version_and_puts_the_copy_in_use_only_when_valid(users, questionnaire):
    compliance = users["compliance"]
    copy = questionnaire_copy_as_new_version(actor=compliance, questionnaire_id=questionnaire.pk)
    assert copy.version == questionnaire.version + 1 and not copy.is_current
    assert copy.questions.count() == 10 and copy.bands.count() == 5
    assert sum(q.choices.count() for q in copy.questions.all()) == sum(
        q.choices.count() for q in questionnaire.questions.all())
    RiskBand.objects.filter(questionnaire=copy, level="C2").update(min_score=22)
    with pytest.raises(ValidationFailed) as caught:
        questionnaire_make_current(actor=compliance, questionnaire_id=copy.pk)
    assert "20–21" in caught.value.message
    assert Questionnaire.objects.get(is_current=True) == questionnaire
    RiskBand.objects.filter(questionnaire=copy, level="C2").update(min_score=20)
    Question.objects.filter(questionnaire=copy, position=1).update(text="您的年收入为？")
    questionnaire_make_current(actor=compliance, questionnaire_id=copy.pk)
    assert list(Questionnaire.objects.filter(is_current=True)) == [copy]
    assert AuditEvent.objects.filter(action="suitability.questionnaire_make_current", object_id=str(copy.pk),
                                     after={"current_version": copy.version}).exists()


def test_it_refuses_questionnaire_changes_to_front_line_staff(users, questionnaire):
    with pytest.raises(PermissionDenied):
        questionnaire_copy_as_new_version(actor=users["branch_a"], questionnaire_id=questionnaire.pk)
    with pytest.raises(PermissionDenied):
        questionnaire_make_current(actor=users["branch_a"], questionnaire_id=questionnaire.pk)


# --- Expiry ----------------------------------------------------------------------------------------------------


def test_it_lists_expired_and_expiring_clients_within_the_actors_scope(users, org, settings):
    today = timezone.localdate()
    expired = make_customer(org["branch_a"], risk_expires_on=today - timedelta(days=1))
    expiring = make_customer(org["branch_a"], risk_expires_on=today + timedelta(days=10))
    later = make_customer(org["branch_a"], risk_expires_on=today + timedelta(days=200))
    elsewhere = make_customer(org["branch_b"], risk_expires_on=today - timedelta(days=5))
    mine = list(assessments_expiring(users["branch_a"], within_days=30, include_expired=True))
    assert mine == [expired, expiring]
    assert list(assessments_expiring(users["branch_a"], within_days=30, include_expired=False)) == [expiring]
    assert list(assessments_expiring(users["branch_a"], within_days=30, only_expired=True)) == [expired]
    everyone = list(assessments_expiring(users["reviewer"], within_days=30))
    assert everyone == [elsewhere, expired, expiring] and later not in everyone


def test_it_announces_each_expired_assessment_once_in_pages(org, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    expired = [make_customer(org["branch_a"], risk_expires_on=today - timedelta(days=d)) for d in (1, 2, 30)]
    make_customer(org["branch_b"], risk_expires_on=today)  # expires today: still valid
    make_customer(org["branch_b"], risk_expires_on=today - timedelta(days=3), status="closed")
    with django_capture_on_commit_callbacks(execute=True):
        assert assessments_expired_announce(today=today, batch_size=2) == 3
    events = ServiceEvent.objects.filter(kind=ServiceEventKind.ASSESSMENT_EXPIRED)
    assert sorted(e.customer_id for e in events) == sorted(c.pk for c in expired)
    first = events.get(customer=expired[0])
    assert first.key == expired[0].risk_expires_on.isoformat()
    assert first.payload["customer_no"] == expired[0].customer_no and first.announced_at is not None
    assert assessments_expired_announce(today=today, batch_size=2) == 0
    assert events.count() == 3
    assert AuditEvent.objects.filter(action="suitability.assessments_expired").count() == 2  # one per page


def test_it_announces_again_when_a_later_assessment_expires(org):
    today = timezone.localdate()
    customer = make_customer(org["branch_a"], risk_expires_on=today - timedelta(days=400))
    assert assessments_expired_announce(today=today) == 1
    Customer.objects.filter(pk=customer.pk).update(risk_expires_on=today - timedelta(days=1))
    assert assessments_expired_announce(today=today) == 1
    assert ServiceEvent.objects.filter(customer=customer, kind=ServiceEventKind.ASSESSMENT_EXPIRED).count() == 2


def test_it_runs_the_daily_task(org):
    from brokerdesk.service_plans.tasks import risk_assessments_expired_announce

    make_customer(org["branch_a"], risk_expires_on=timezone.localdate() - timedelta(days=1))
    result = risk_assessments_expired_announce.call_local()
    assert result == 1

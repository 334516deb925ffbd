"""Risk-assessment pages (the questionnaire, the result, a client's history, the expiring list) and the
questionnaire admin's guards."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.utils import timezone

from brokerdesk.service_plans import admin_assessments
from brokerdesk.service_plans.models import Question, Questionnaire, RiskAssessment, RiskBand
from brokerdesk.service_plans.services.assessments import questionnaire_copy_as_new_version, risk_assessment_record
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def form_data(customer, choice=3, **overrides):
    data = {f"q{p}": str(choice) for p in range(1, 11)}
    return data | {"customer": customer.pk, "signer_name": customer.name, "channel": "branch"} | overrides


def test_it_shows_every_question_and_records_the_answers_then_the_result(users, customer_a, login):
    client = login(users["branch_a"])
    page = client.get(f"/plans/assessments/new/?customer={customer_a.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert all(f'name="q{p}"' in html for p in range(1, 11)) and 'type="radio"' in html
    assert 'name="lacks_civil_capacity"' in html and 'name="signer_name"' in html
    response = client.post(f"/plans/assessments/new/?customer={customer_a.pk}", form_data(customer_a))
    assert response.status_code == 302, response.content.decode()[-3000:]
    assessment = RiskAssessment.objects.get()
    assert response["Location"] == f"/plans/assessments/{assessment.pk}/"
    result = client.get(response["Location"]).content.decode()
    assert 'data-testid="assessment-level">C4<' in result and "71" in result
    assert 'data-testid="assessment-lowest"' not in result


def test_it_shows_the_lowest_category_on_the_result(users, customer_a, login):
    client = login(users["branch_a"])
    response = client.post("/plans/assessments/new/", form_data(customer_a, q9="1"))
    assert response.status_code == 302
    result = client.get(response["Location"]).content.decode()
    assert 'data-testid="assessment-level">C1<' in result and 'data-testid="assessment-lowest"' in result


def test_it_shows_the_problems_per_question_and_records_nothing(users, customer_a, login):
    data = form_data(customer_a, signer_name="别人")
    del data["q4"]
    response = login(users["branch_a"]).post("/plans/assessments/new/", data)
    assert response.status_code == 422
    html = response.content.decode()
    q4 = html.split('data-testid="question-q4"')[1].split("</fieldset>")[0]
    assert 'class="error"' in q4
    assert 'class="error"' not in html.split('data-testid="question-q3"')[1].split("</fieldset>")[0]
    assert not RiskAssessment.objects.exists()


def test_it_lists_a_clients_assessments(users, customer_a, login):
    assessment = risk_assessment_record(actor=users["branch_a"], customer_id=customer_a.pk,
                                        answers={p: [2] for p in range(1, 11)}, lacks_civil_capacity=False,
                                        channel="phone", signer_name=customer_a.name)
    html = login(users["manager_a"]).get(f"/plans/assessments/customer/{customer_a.pk}/").content.decode()
    assert f"/plans/assessments/{assessment.pk}/" in html and "C3" in html and "42" in html


def test_it_gives_another_branch_404_on_every_assessment_page(users, customer_a, login):
    assessment = risk_assessment_record(actor=users["branch_a"], customer_id=customer_a.pk,
                                        answers={p: [2] for p in range(1, 11)}, lacks_civil_capacity=False,
                                        channel="phone", signer_name=customer_a.name)
    client = login(users["branch_b"])
    assert client.get(f"/plans/assessments/new/?customer={customer_a.pk}").status_code == 404
    assert client.post("/plans/assessments/new/", form_data(customer_a)).status_code == 404
    assert client.get(f"/plans/assessments/customer/{customer_a.pk}/").status_code == 404
    assert client.get(f"/plans/assessments/{assessment.pk}/").status_code == 404
    assert RiskAssessment.objects.count() == 1
    assert login(users["reviewer"]).get(f"/plans/assessments/new/?customer={customer_a.pk}").status_code == 403


def test_it_lists_expired_and_expiring_assessments_with_links(users, org, login):
    today = timezone.localdate()
    expired = make_customer(org["branch_a"], risk_expires_on=today - timedelta(days=3))
    expiring = make_customer(org["branch_a"], risk_expires_on=today + timedelta(days=5))
    valid = make_customer(org["branch_a"], risk_expires_on=today + timedelta(days=300))
    other = make_customer(org["branch_b"], risk_expires_on=today - timedelta(days=3))
    client = login(users["branch_a"])
    html = client.get("/plans/assessments/expiring/").content.decode()
    assert f"/customers/{expired.pk}/" in html and f"/customers/{expiring.pk}/" in html
    assert f"/customers/{valid.pk}/" not in html and f"/customers/{other.pk}/" not in html
    assert f"/plans/assessments/new/?customer={expired.pk}" in html
    only_expired = client.get("/plans/assessments/expiring/?show=expired").content.decode()
    assert f"/customers/{expired.pk}/" in only_expired and f"/customers/{expiring.pk}/" not in only_expired
    soon = client.get("/plans/assessments/expiring/?show=expiring").content.decode()
    assert f"/customers/{expiring.pk}/" in soon and f"/customers/{expired.pk}/" not in soon


def test_it_pages_the_expiring_list(users, org, login, monkeypatch):
    from brokerdesk.service_plans.selectors import assessments as selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    today = timezone.localdate()
    customers = [make_customer(org["branch_a"], risk_expires_on=today - timedelta(days=10 - i)) for i in range(3)]
    client = login(users["branch_a"])
    first = client.get("/plans/assessments/expiring/").content.decode()
    assert all(f"/customers/{c.pk}/" in first for c in customers[:2]) and "page=2" in first
    second = client.get("/plans/assessments/expiring/?page=2").content.decode()
    assert f"/customers/{customers[2].pk}/" in second and f"/customers/{customers[0].pk}/" not in second


# --- The admin -------------------------------------------------------------------------------------------------


def _request(user):
    request = RequestFactory().post("/admin/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_the_admin_locks_a_version_in_use_or_used_and_edits_a_copy(users):
    current = Questionnaire.objects.get(is_current=True)
    questionnaire_admin = admin_assessments.QuestionnaireAdmin(Questionnaire, admin.site)
    question_admin = admin_assessments.QuestionAdmin(Question, admin.site)
    request = _request(users["admin"])
    inline = admin_assessments.QuestionInline(Questionnaire, admin.site)
    assert not inline.has_change_permission(request, current) and not inline.has_add_permission(request, current)
    assert "is_current" in questionnaire_admin.get_readonly_fields(request, current)
    assert "name" in questionnaire_admin.get_readonly_fields(request, current)
    assert not question_admin.has_change_permission(request, current.questions.first())
    assert not questionnaire_admin.has_delete_permission(request, current)

    questionnaire_admin.copy_as_new_version(request, Questionnaire.objects.filter(pk=current.pk))
    copy = Questionnaire.objects.get(version=current.version + 1)
    assert inline.has_change_permission(request, copy) and inline.has_add_permission(request, copy)
    assert question_admin.has_change_permission(request, copy.questions.first())
    assert "name" not in questionnaire_admin.get_readonly_fields(request, copy)
    assert not inline.has_change_permission(_request(users["branch_a"]), copy)


def test_the_admin_refuses_putting_an_invalid_version_in_use_with_a_clear_message(users):
    request = _request(users["admin"])
    copy = questionnaire_copy_as_new_version(actor=users["admin"],
                                             questionnaire_id=Questionnaire.objects.get(is_current=True).pk)
    RiskBand.objects.filter(questionnaire=copy, level="C5").update(min_score=85)
    questionnaire_admin = admin_assessments.QuestionnaireAdmin(Questionnaire, admin.site)
    questionnaire_admin.make_current(request, Questionnaire.objects.filter(pk=copy.pk))
    shown = [str(m) for m in request._messages]
    assert any("83–84" in m for m in shown), shown
    assert not Questionnaire.objects.get(pk=copy.pk).is_current
    RiskBand.objects.filter(questionnaire=copy, level="C5").update(min_score=83)
    questionnaire_admin.make_current(request, Questionnaire.objects.filter(pk=copy.pk))
    assert Questionnaire.objects.get(pk=copy.pk).is_current


def test_the_admin_refuses_adding_a_question_to_a_used_version(users, customer_a):
    current = Questionnaire.objects.get(is_current=True)
    form = admin_assessments.QuestionForm(data={"questionnaire": current.pk, "position": 11, "topic": "other",
                                                "text": "新问题"})
    assert not form.is_valid() and "questionnaire" in form.errors

"""Professional-investor applications: recording with evidence, maker-checker review, approval on the client
master, and the pages (apply with upload, queue, detail, decision, evidence download)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from brokerdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.service_plans.models import ProfessionalApplication
from brokerdesk.service_plans.services.professional import (
    CriteriaNotMet,
    evidence_path,
    professional_apply,
    professional_decide,
)
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _attachments(settings, tmp_path):
    settings.ATTACHMENT_DIR = tmp_path / "attachments"


def certificate(name="资产证明.pdf", content=b"%PDF-1.4 asset certificate"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def apply(actor, customer, **overrides):
    arguments = {"basis": "person_assets", "financial_assets": Decimal("5000000.00"), "experience_years": "2",
                 "evidence_files": [certificate()]} | overrides
    return professional_apply(actor=actor, customer_id=customer.pk, **arguments)


def test_it_records_an_application_with_its_evidence_and_the_criteria_result(users, customer_a):
    application = apply(users["branch_a"], customer_a)
    assert application.status == "pending" and application.criteria_met
    assert application.reasons == ["financial_assets_met", "experience_met"]
    assert application.financial_assets == Decimal("5000000.00") and application.experience_years == Decimal("2")
    evidence = application.evidence.get()
    assert evidence.file_name == "资产证明.pdf" and evidence.size == len(b"%PDF-1.4 asset certificate")
    assert evidence_path(evidence.sha256).read_bytes() == b"%PDF-1.4 asset certificate"
    audit = AuditEvent.objects.get(action="suitability.professional_apply")
    assert audit.object_id == str(application.pk) and audit.after["criteria_met"] is True
    assert audit.details["evidence"][0]["sha256"] == evidence.sha256


def test_it_records_but_marks_an_application_one_cent_short(users, customer_a):
    application = apply(users["branch_a"], customer_a, financial_assets="4,999,999.99")
    assert not application.criteria_met and application.reasons == ["financial_assets_below", "experience_met"]


def test_it_requires_evidence_from_an_individual_and_reports_every_problem(users, customer_a):
    with pytest.raises(ValidationFailed) as caught:
        apply(users["branch_a"], customer_a, evidence_files=[], financial_assets="-1", experience_years="1.95",
              net_assets="abc")
    assert set(caught.value.details) == {"evidence", "financial_assets", "experience_years", "net_assets"}
    assert not ProfessionalApplication.objects.exists()
    assert not AuditEvent.objects.filter(action="suitability.professional_apply").exists()


def test_it_refuses_a_basis_that_does_not_fit_the_client(users, customer_a):
    with pytest.raises(ValidationFailed) as caught:
        apply(users["branch_a"], customer_a, basis="institution")
    assert "basis" in caught.value.details


def test_it_lets_an_institution_apply_without_figures(users, org):
    fund = make_customer(org["branch_a"], kind="institution", id_type="other", id_number="INST-0001")
    application = professional_apply(actor=users["branch_a"], customer_id=fund.pk, basis="institution")
    assert application.criteria_met and application.reasons == ["financial_institution"]


def test_it_allows_one_pending_application_per_client(users, customer_a):
    apply(users["branch_a"], customer_a)
    with pytest.raises(ValidationFailed) as caught:
        apply(users["manager_a"], customer_a)
    assert "customer" in caught.value.details


def test_it_hides_another_branchs_client(users, customer_a):
    with pytest.raises(NotFound):
        apply(users["branch_b"], customer_a)
    with pytest.raises(PermissionDenied):
        apply(users["agent"], customer_a)


def test_it_refuses_the_requester_deciding_their_own_application(users, customer_a):
    application = apply(users["reviewer"], customer_a)
    with pytest.raises(PermissionDenied) as caught:
        professional_decide(actor=users["reviewer"], application_id=application.pk, approve=True)
    assert caught.value.code == "maker_checker"
    application.refresh_from_db()
    customer_a.refresh_from_db()
    assert application.status == "pending" and customer_a.investor_category == "ordinary"
    assert AuditEvent.objects.filter(action="access.denied", details__reason="maker_checker").exists()


def test_it_approves_and_makes_the_client_professional(users, customer_a):
    application = apply(users["reviewer"], customer_a)
    decided = professional_decide(actor=users["compliance"], application_id=application.pk, approve=True,
                                  note="资产证明核实无误")
    assert decided.status == "approved" and decided.decided_by == users["compliance"]
    customer_a.refresh_from_db()
    assert customer_a.investor_category == "professional"
    assert AuditEvent.objects.filter(action="suitability.professional_decide", object_id=str(application.pk)).exists()
    assert AuditEvent.objects.filter(action="customer.investor_category", object_id=str(customer_a.pk)).exists()
    with pytest.raises(Conflict):
        professional_decide(actor=users["compliance"], application_id=application.pk, approve=False, note="x")


def test_it_refuses_approving_when_the_criteria_are_not_met_but_allows_rejecting(users, customer_a):
    application = apply(users["branch_a"], customer_a, experience_years="1.9")
    with pytest.raises(CriteriaNotMet):
        professional_decide(actor=users["reviewer"], application_id=application.pk, approve=True)
    with pytest.raises(ValidationFailed):
        professional_decide(actor=users["reviewer"], application_id=application.pk, approve=False, note="")
    rejected = professional_decide(actor=users["reviewer"], application_id=application.pk, approve=False,
                                   note="投资经验不足2年")
    assert rejected.status == "rejected"
    customer_a.refresh_from_db()
    assert customer_a.investor_category == "ordinary"


def test_it_rechecks_the_criteria_when_they_were_tightened_since(users, customer_a, settings):
    application = apply(users["branch_a"], customer_a)
    settings.PROFESSIONAL_INVESTOR_CRITERIA = {"person_financial_assets": "6000000"}
    with pytest.raises(CriteriaNotMet):
        professional_decide(actor=users["reviewer"], application_id=application.pk, approve=True)


def test_it_refuses_deciding_to_staff_without_the_review_permission(users, customer_a):
    application = apply(users["branch_a"], customer_a)
    with pytest.raises(PermissionDenied):
        professional_decide(actor=users["manager_a"], application_id=application.pk, approve=True)


# --- Pages -----------------------------------------------------------------------------------------------------


def test_it_applies_through_the_form_with_uploads(users, customer_a, login):
    client = login(users["branch_a"])
    url = f"/plans/professional/new/?customer={customer_a.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "customer": customer_a.pk, "basis": "person_income", "average_income_3y": "500000", "experience_years": "3",
        "evidence": [certificate("收入证明.pdf"), certificate("流水.png", b"\x89PNG...")]})
    assert response.status_code == 302, response.content.decode()[:3000]
    application = ProfessionalApplication.objects.get()
    assert application.basis == "person_income" and application.evidence.count() == 2
    assert response["Location"] == f"/plans/professional/{application.pk}/"


def test_it_shows_the_errors_in_place(users, customer_a, login):
    response = login(users["branch_a"]).post(f"/plans/professional/new/?customer={customer_a.pk}", {
        "customer": customer_a.pk, "basis": "person_assets", "financial_assets": "5000000"})
    assert response.status_code == 422
    assert 'class="error"' in response.content.decode()
    assert not ProfessionalApplication.objects.exists()


def test_it_lists_pending_first_and_decides_from_the_detail_page(users, customer_a, org, login):
    decided = apply(users["branch_a"], make_customer(org["branch_a"]))
    professional_decide(actor=users["reviewer"], application_id=decided.pk, approve=False, note="材料不全")
    pending = apply(users["branch_a"], customer_a)
    reviewer = login(users["reviewer"])
    page = reviewer.get("/plans/professional/").content.decode()
    assert page.index(f"/plans/professional/{pending.pk}/") < page.index(f"/plans/professional/{decided.pk}/")
    detail = reviewer.get(f"/plans/professional/{pending.pk}/").content.decode()
    assert 'data-action="approve"' in detail and pending.evidence.get().file_name in detail
    response = reviewer.post(f"/plans/professional/{pending.pk}/decide/", {"decision": "approve", "note": ""})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "approved"


def test_it_shows_the_maker_checker_refusal_on_the_page(users, customer_a, login):
    application = apply(users["reviewer"], customer_a)
    client = login(users["reviewer"])
    assert 'data-action="approve"' not in client.get(f"/plans/professional/{application.pk}/").content.decode()
    response = client.post(f"/plans/professional/{application.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 403 and 'data-testid="action-error"' in response.content.decode()
    application.refresh_from_db()
    assert application.status == "pending"


def test_it_serves_evidence_as_a_sandboxed_audited_download(users, customer_a, login):
    application = apply(users["branch_a"], customer_a, evidence_files=[
        SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")])
    evidence = application.evidence.get()
    url = f"/plans/professional/{application.pk}/evidence/{evidence.pk}/"
    response = login(users["reviewer"]).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"
    assert AuditEvent.objects.filter(action="suitability.professional_evidence_read").exists()


def test_it_gives_another_branch_404_on_every_professional_page(users, customer_a, login):
    application = apply(users["branch_a"], customer_a)
    evidence = application.evidence.get()
    client = login(users["branch_b"])
    assert client.get(f"/plans/professional/new/?customer={customer_a.pk}").status_code == 404
    assert client.get(f"/plans/professional/{application.pk}/").status_code == 404
    assert client.get(f"/plans/professional/{application.pk}/evidence/{evidence.pk}/").status_code == 404
    assert f"/plans/professional/{application.pk}/" not in client.get("/plans/professional/").content.decode()
    assert login(users["agent"]).get("/plans/professional/").status_code == 403

"""The work screen of a return visit: the client masked, the script filled in, claiming, calling and recording the
outcome with the problems in place, retries, reassignment and cancellation, the number to dial (audited), and
404 for every id URL outside the user's branch."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from brokerdesk.core.masking import mask_name, mask_phone
from brokerdesk.core.models import AuditEvent
from brokerdesk.org.choices import DepartmentKind
from brokerdesk.org.models import Department
from brokerdesk.tickets import services as ticket_services
from brokerdesk.visits import services
from brokerdesk.visits.choices import Outcome, TaskStatus
from brokerdesk.visits.models import VisitFinding, VisitTask
from brokerdesk.visits.tests.views_support import answers_for, make_task

pytestmark = pytest.mark.django_db

ACTIONS = ("claim", "start_call", "release", "outcome", "reassign", "cancel", "recording")


def _url(task, action=""):
    return f"/visits/{task.pk}/{action + '/' if action else ''}"


def _in_call(task, user):
    services.visit_task_claim(actor=user, task_id=task.pk)
    services.visit_call_start(actor=user, task_id=task.pk)
    task.refresh_from_db()
    return task


def _buttons(html: str) -> list[str]:
    return re.findall(r'<button[^>]*data-action="(\w+)"', html)


def _phone(customer) -> str:
    return customer.phones.get().number


def test_it_shows_the_client_masked_and_the_script_filled_in(users, org, customer_a, login):
    staff = users["branch_a"]
    staff.employee_no = "A0731"
    staff.save(update_fields=["employee_no"])
    task = make_task(customer_a)
    services.visit_task_claim(actor=staff, task_id=task.pk)
    response = login(staff).get(_url(task))
    assert response.status_code == 200
    html = response.content.decode()
    masked = mask_name(customer_a.name)
    assert masked in html and customer_a.customer_no in html and org["branch_a"].name in html
    assert customer_a.name not in html
    assert _phone(customer_a) not in html and mask_phone(_phone(customer_a)) in html
    assert customer_a.id_number not in html
    script = html.split('data-testid="visit-script"')[1].split("</section>")[0]
    assert "测试证券" in script and "A0731" in script and "{" not in script
    assert f"请问您是{masked}本人吗？" in script
    assert "C3" in html  # the risk level
    assert _buttons(html) == ["show_phone", "start_call", "release"]


def test_it_fills_in_the_ticket_number_of_a_complaint_callback(users, org, customer_a, login):
    ticket = ticket_services.ticket_create(actor=users["agent"], accept=True, data=ticket_services.TicketInput(
        kind="complaint", channel="phone", subject="回访测试", description="内容", customer_id=customer_a.pk))
    task = make_task(customer_a, "complaint_callback", center=org["center"], source_ref=f"ticket:{ticket.pk}")
    html = login(users["agent"]).get(_url(task)).content.decode()
    script = html.split('data-testid="visit-script"')[1].split("</section>")[0]
    assert f"（{ticket.number}）" in script


def test_it_carries_a_visit_from_claim_to_completed(users, customer_a, login):
    staff = users["branch_a"]
    task = make_task(customer_a)
    client = login(staff)
    assert client.post(_url(task, "claim")).status_code == 302
    assert client.post(_url(task, "start_call")).status_code == 302
    page = client.get(_url(task)).content.decode()
    assert 'data-testid="outcome-form"' in page
    for question in task.programme.questions.all():
        assert f'name="q{question.pk}"' in page
    response = client.post(_url(task, "outcome"), {"outcome": "completed", "note": "顺利", **answers_for(task)})
    assert response.status_code == 302, response.content.decode()[:3000]
    task.refresh_from_db()
    assert (task.status, task.outcome, task.attempts) == (TaskStatus.COMPLETED, Outcome.COMPLETED, 1)
    attempt = task.calls.get()
    assert set(attempt.answers) == {str(q.pk) for q in task.programme.questions.all()}
    page = client.get(_url(task)).content.decode()
    history = re.findall(r'<li data-action="(\w+)"', page.split('data-testid="visit-history"')[1])
    assert history == ["generate", "claim", "start_call", "complete"]
    assert 'data-testid="outcome-form"' not in page and 'data-outcome="completed"' in page
    assert not VisitFinding.objects.exists()


def test_it_shows_missing_answers_next_to_their_questions_and_keeps_the_others(users, customer_a, login):
    staff = users["branch_a"]
    task = _in_call(make_task(customer_a), staff)
    questions = list(task.programme.questions.order_by("position"))
    answers = answers_for(task)
    missing = questions[2]
    answers.pop(f"q{missing.pk}")
    response = login(staff).post(_url(task, "outcome"), {"outcome": "completed", **answers})
    assert response.status_code == 422
    html = response.content.decode()
    assert f'data-testid="error-q{missing.pk}"' in html
    assert f'data-testid="error-q{questions[0].pk}"' not in html
    assert 'data-testid="action-error"' in html
    kept = re.search(rf'<input[^>]*name="q{questions[0].pk}"[^>]*value="yes"[^>]*>', html).group(0)
    assert "checked" in kept
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_CALL and task.calls.get().ended_at is None


def test_it_refuses_an_answer_the_question_does_not_offer_in_place(users, customer_a, login):
    staff = users["branch_a"]
    task = _in_call(make_task(customer_a), staff)
    first = task.programme.questions.order_by("position").first()
    response = login(staff).post(_url(task, "outcome"), {"outcome": "completed", **answers_for(task),
                                                          f"q{first.pk}": "maybe"})
    assert response.status_code == 422
    assert f'data-testid="error-q{first.pk}"' in response.content.decode()
    assert VisitTask.objects.get(pk=task.pk).status == TaskStatus.IN_CALL


def test_it_asks_why_a_client_refused_next_to_the_note(users, customer_a, login):
    staff = users["branch_a"]
    task = _in_call(make_task(customer_a), staff)
    response = login(staff).post(_url(task, "outcome"), {"outcome": "refused", "note": ""})
    assert response.status_code == 422
    assert 'data-testid="error-note"' in response.content.decode()
    response = login(staff).post(_url(task, "outcome"), {"outcome": "refused", "note": "客户称没有时间"})
    assert response.status_code == 302
    assert VisitTask.objects.get(pk=task.pk).status == TaskStatus.REFUSED


def test_it_schedules_a_retry_for_an_unreachable_client_and_says_when(users, customer_a, login):
    staff = users["branch_a"]
    task = _in_call(make_task(customer_a), staff)
    client = login(staff)
    response = client.post(_url(task, "outcome"), {"outcome": "unreachable", "note": "无人接听"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.PENDING and task.not_before > timezone.now() + timedelta(minutes=100)
    when = timezone.localtime(task.not_before).strftime("%Y-%m-%d %H:%M")
    page = client.get(_url(task)).content.decode()
    notice = page.split('data-testid="retry-notice"')[1].split("</p>")[0]
    assert when in notice
    assert "claim" not in _buttons(page) and 'data-testid="not-claimable"' in page
    refused = client.post(_url(task, "claim"))
    assert refused.status_code == 409 and when in refused.content.decode()
    assert VisitTask.objects.get(pk=task.pk).status == TaskStatus.PENDING


def test_it_lets_only_the_holder_start_the_call(users, customer_a, login):
    task = make_task(customer_a)
    services.visit_task_claim(actor=users["manager_a"], task_id=task.pk)
    response = login(users["branch_a"]).post(_url(task, "start_call"))
    assert response.status_code == 403 and 'data-testid="action-error"' in response.content.decode()
    assert VisitTask.objects.get(pk=task.pk).status == TaskStatus.CLAIMED


def test_it_releases_a_claimed_task(users, customer_a, login):
    task = make_task(customer_a)
    services.visit_task_claim(actor=users["branch_a"], task_id=task.pk)
    response = login(users["branch_a"]).post(_url(task, "release"), {"note": "改日再打"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.assignee_id) == (TaskStatus.PENDING, None)


def test_it_reassigns_and_cancels_for_supervisors_with_reasons_in_place(users, org, customer_a, login):
    task = make_task(customer_a)
    client = login(users["supervisor"])
    page = client.get(_url(task)).content.decode()
    assert 'data-testid="reassign-form"' in page and 'data-testid="cancel-form"' in page
    no_reason = client.post(_url(task, "reassign"), {"target": "agent", "agent": users["agent"].pk, "note": ""})
    assert no_reason.status_code == 422 and 'data-testid="error-reassign-note"' in no_reason.content.decode()
    no_agent = client.post(_url(task, "reassign"), {"target": "agent", "agent": "", "note": "x"})
    assert no_agent.status_code == 422 and 'data-testid="error-agent"' in no_agent.content.decode()
    moved = client.post(_url(task, "reassign"), {"target": "agent", "agent": users["agent"].pk, "note": "支援"})
    assert moved.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.assignee_id, task.center_id) == (TaskStatus.CLAIMED, users["agent"].pk,
                                                                org["center"].pk)
    to_center = client.post(_url(task, "reassign"), {"target": "center", "center": org["hq"].pk, "note": "总部"})
    assert to_center.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.assignee_id, task.center_id) == (TaskStatus.PENDING, None, org["hq"].pk)
    back = client.post(_url(task, "reassign"), {"target": "branch", "note": "回营业部"})
    assert back.status_code == 302
    assert VisitTask.objects.get(pk=task.pk).center_id is None
    no_cancel_reason = client.post(_url(task, "cancel"), {"note": " "})
    assert no_cancel_reason.status_code == 422 and 'data-testid="error-cancel-note"' in \
        no_cancel_reason.content.decode()
    assert client.post(_url(task, "cancel"), {"note": "客户已销户"}).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    actions = list(task.events.order_by("at", "id").values_list("action", flat=True))
    assert actions == ["generate", "reassign", "reassign", "reassign", "cancel"]


def test_it_keeps_reassignment_and_cancellation_from_agents(users, customer_a, login):
    task = make_task(customer_a)
    client = login(users["branch_a"])
    page = client.get(_url(task)).content.decode()
    assert 'data-testid="reassign-form"' not in page and 'data-testid="cancel-form"' not in page
    assert client.post(_url(task, "cancel"), {"note": "x"}).status_code == 403
    assert client.post(_url(task, "reassign"), {"target": "branch", "note": "x"}).status_code == 403
    assert VisitTask.objects.get(pk=task.pk).status == TaskStatus.PENDING


def test_it_shows_the_number_to_the_agent_working_the_visit_and_audits_it(users, org, customer_a, login):
    agent = users["agent"]
    task = make_task(customer_a, "annual_sample", center=org["center"])
    client = login(agent)
    assert 'data-action="show_phone"' not in client.get(_url(task)).content.decode()
    refused = client.post(_url(task, "phone"), HTTP_HX_REQUEST="true")
    assert refused.status_code == 403 and _phone(customer_a) not in refused.content.decode()
    assert AuditEvent.objects.filter(action="access.denied", object_type="visit_task",
                                     object_id=str(task.pk)).exists()
    services.visit_task_claim(actor=agent, task_id=task.pk)
    assert 'data-action="show_phone"' in client.get(_url(task)).content.decode()
    shown = client.post(_url(task, "phone"), HTTP_HX_REQUEST="true")
    assert shown.status_code == 200 and _phone(customer_a) in shown.content.decode()
    assert "<html" not in shown.content.decode()
    event = AuditEvent.objects.get(action="pii.unmask", object_type="customer", object_id=str(customer_a.pk))
    assert event.actor_id == agent.pk and event.details["fields"] == ["phones"]
    assert event.details["visit_task"] == task.pk
    page = client.post(_url(task, "phone"))  # without htmx: the whole page with the number
    assert page.status_code == 200 and _phone(customer_a) in page.content.decode()


def test_it_shows_branch_staff_the_number_through_the_customers_unmask(users, customer_a, login):
    task = make_task(customer_a)
    shown = login(users["branch_a"]).post(_url(task, "phone"), HTTP_HX_REQUEST="true")
    assert shown.status_code == 200 and _phone(customer_a) in shown.content.decode()
    event = AuditEvent.objects.get(action="pii.unmask", object_id=str(customer_a.pk))
    assert event.actor_id == users["branch_a"].pk and "phones" in event.details["fields"]


def test_it_links_a_finding_to_its_compliance_ticket(users, org, customer_a, login):
    Department.objects.create(company=org["company"], code="CMP", name="合规部", kind=DepartmentKind.COMPLIANCE)
    staff = users["branch_a"]
    task = _in_call(make_task(customer_a), staff)
    staff_traded = task.programme.questions.get(finding_kind="staff_traded")
    answers = answers_for(task) | {f"q{staff_traded.pk}": "yes"}
    client = login(staff)
    response = client.post(_url(task, "outcome"), {"outcome": "completed", **answers})
    assert response.status_code == 302, response.content.decode()[:3000]
    finding = VisitFinding.objects.get(task=task)
    assert finding.kind == "staff_traded" and finding.ticket is not None
    page = client.get(_url(task)).content.decode()
    findings = page.split('data-testid="visit-findings"')[1].split("</ul>")[0]
    assert f'href="/tickets/{finding.ticket_id}/"' in findings and finding.ticket.number in findings


def test_it_hides_every_task_url_from_other_branches(users, customer_a, login):
    task = make_task(customer_a)
    services.visit_task_claim(actor=users["branch_a"], task_id=task.pk)
    outsider = login(users["branch_b"])
    missing = VisitTask.objects.order_by("-pk").first().pk + 1000
    assert outsider.get(_url(task)).status_code == 404
    assert outsider.post(_url(task, "phone")).status_code == 404
    for action in ACTIONS:
        assert outsider.post(_url(task, action), {"note": "x", "outcome": "completed"}).status_code == 404, action
    assert outsider.get(f"/visits/{task.pk}/calls/1/recording/").status_code == 404
    not_there = outsider.get(f"/visits/{missing}/")
    assert not_there.status_code == 404
    task.refresh_from_db()
    assert (task.status, task.assignee_id) == (TaskStatus.CLAIMED, users["branch_a"].pk)
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


def test_it_answers_unknown_actions_and_gets_on_actions_as_errors(users, customer_a, login):
    task = make_task(customer_a)
    client = login(users["branch_a"])
    assert client.post(_url(task, "explode")).status_code == 404
    assert client.get(_url(task, "claim")).status_code == 405
    assert client.get(_url(task, "phone")).status_code == 405


WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32


def test_it_attaches_an_offline_calls_recording_and_serves_it_to_the_branch(users, customer_a, login, settings,
                                                                            tmp_path):
    settings.ATTACHMENT_DIR = tmp_path / "attachments"
    staff = users["branch_a"]
    task = _in_call(make_task(customer_a), staff)
    client = login(staff)
    client.post(_url(task, "outcome"), {"outcome": "unreachable", "note": "营业部座机拨打"})
    page = client.get(_url(task)).content.decode()
    assert 'data-testid="recording-form"' in page
    wrong = client.post(_url(task, "recording"), {
        "attempt_number": 1, "file": SimpleUploadedFile("call.txt", b"not audio", content_type="text/plain")})
    assert wrong.status_code == 422 and 'data-testid="error-file"' in wrong.content.decode()
    sent = client.post(_url(task, "recording"), {
        "attempt_number": 1, "file": SimpleUploadedFile("call-1.wav", WAV, content_type="audio/wav")})
    assert sent.status_code == 302, sent.content.decode()[:3000]
    page = client.get(_url(task)).content.decode()
    link = f"/visits/{task.pk}/calls/1/recording/"
    assert f'href="{link}"' in page and "call-1.wav" in page
    assert 'data-testid="recording-form"' not in page  # the only call has its recording
    download = client.get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content) == WAV
    assert "sandbox" in download["Content-Security-Policy"]
    assert AuditEvent.objects.filter(action="visits.recording_read", object_id=str(task.pk)).exists()
    assert login(users["branch_b"]).get(link).status_code == 404
    assert client.get(f"/visits/{task.pk}/calls/2/recording/").status_code == 404


def test_it_shows_reviewers_and_compliance_the_task_without_the_agents_buttons(users, customer_a, login):
    task = make_task(customer_a)
    reviewer_page = login(users["reviewer"]).get(_url(task))
    assert reviewer_page.status_code == 200
    html = reviewer_page.content.decode()
    assert "claim" not in _buttons(html) and "reassign" in _buttons(html) and "cancel" in _buttons(html)
    assert login(users["reviewer"]).post(_url(task, "claim")).status_code == 403
    compliance_page = login(users["compliance"]).get(_url(task)).content.decode()
    assert not {"claim", "start_call", "reassign", "cancel"} & set(_buttons(compliance_page))
    assert login(users["admin"]).get(_url(task)).status_code == 403
    assert VisitTask.objects.get(pk=task.pk).status == TaskStatus.PENDING

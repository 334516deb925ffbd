"""Return-visit journeys in Chromium, as branch staff of branch A working their branch's queue in Chinese:
a new account's visit from generation to "completed"; an unreachable client scheduled for a retry that cannot be
claimed before its time; a client who says staff traded for them, which opens a compliance ticket.

Elements are found by data-testid, name attributes and data-action, not by label text: the interface is
Chinese by default. Status labels and notices are compared with what the zh-hans catalog makes of them.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from tests.browser.conftest import zh

pytestmark = pytest.mark.browser

STAFF_TRADED = "是否有我司工作人员代您操作账户或代为下单？"


@pytest.fixture
def compliance_department(org):
    from brokerdesk.org.choices import DepartmentKind
    from brokerdesk.org.models import Department

    return Department.objects.create(company=org["company"], code="CMP", name="合规管理部",
                                     kind=DepartmentKind.COMPLIANCE)


@pytest.fixture
def new_client(org):
    """A client who opened an account at branch A two days ago, with the new-account visit generated for them
    by the real generation (the nightly job's function), into branch A's queue."""
    from brokerdesk.visits.generate import visit_tasks_generate
    from brokerdesk.visits.models import VisitTask
    from tests.factories import make_customer

    customer = make_customer(org["branch_a"], opened_on=timezone.localdate() - timedelta(days=2))
    run = visit_tasks_generate(actor=None, programme_codes=["new_account"])
    assert run.created == {"new_account": 1}, run.created
    task = VisitTask.objects.select_related("programme").get(customer=customer)
    assert (task.branch_id, task.center_id, task.status) == (org["branch_a"].pk, None, "pending")
    return customer, task


def _history(page) -> list[str]:
    return [li.get_attribute("data-action") for li in page.get_by_test_id("visit-history").locator(":scope > li").all()]


def _answer_every_question(page, task, overrides: dict[str, str] | None = None) -> None:
    """Answer the script as a client with nothing to report would (overrides: question text -> answer)."""
    from brokerdesk.visits.tests.views_support import answers_for

    overrides = overrides or {}
    form = page.get_by_test_id("outcome-form")
    for question in task.programme.questions.order_by("position"):
        value = overrides.get(question.text, answers_for(task)[f"q{question.pk}"])
        if question.kind == "text":
            form.locator(f"textarea[name=q{question.pk}]").fill(value)
        else:
            form.locator(f"input[name=q{question.pk}][value='{value}']").check()


def _open_from_the_queue(page, live_server, task) -> None:
    page.goto("/visits/")
    row = page.get_by_test_id("claimable-queue").locator(f"tr[data-task='{task.pk}']")
    expect(row).to_contain_text(task.customer.customer_no)
    row.locator("button[data-action=claim]").click()
    expect(page).to_have_url(f"{live_server.url}/visits/{task.pk}/")


def _start_call(page):
    from brokerdesk.visits.choices import TaskStatus

    expect(page.get_by_test_id("task-status")).to_have_text(zh(TaskStatus.CLAIMED.label))
    page.locator("button[data-action=start_call]").click()
    expect(page.get_by_test_id("task-status")).to_have_text(zh(TaskStatus.IN_CALL.label))


def test_it_works_a_new_account_visit_from_the_queue_to_completed(page, sign_in, live_server, users, new_client,
                                                                  screenshot):
    from brokerdesk.core.masking import mask_name
    from brokerdesk.core.models import AuditEvent
    from brokerdesk.visits.choices import Outcome, TaskStatus
    from brokerdesk.visits.models import VisitTask

    customer, task = new_client
    staff = users["branch_a"]
    phone = customer.phones.get().number
    sign_in(staff)

    # The home panel points to it; the queue lists it masked, and "claim" opens the work screen.
    panel = page.get_by_test_id("panel-my-visits")
    expect(panel.locator(f"a[href='/visits/{task.pk}/']")).to_have_text(mask_name(customer.name))
    _open_from_the_queue(page, live_server, task)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_test_id("visit-customer-no")).to_have_text(customer.customer_no)
    expect(page.get_by_test_id("visit-client-name")).to_have_text(mask_name(customer.name))
    assert customer.name not in page.content() and phone not in page.content()
    expect(page.get_by_test_id("visit-script")).to_contain_text(f"请问您是{mask_name(customer.name)}本人吗？")
    expect(page.get_by_test_id("visit-script")).to_contain_text("测试证券")

    # The number to dial, on request (htmx, audited).
    page.locator("button[data-action=show_phone]").click()
    expect(page.get_by_test_id("phone-full")).to_have_text(phone)
    assert AuditEvent.objects.filter(action="pii.unmask", actor_id=staff.pk, object_id=str(customer.pk)).exists()

    _start_call(page)
    _answer_every_question(page, task)
    page.locator("input[name=outcome][value=completed]").check()
    page.locator("textarea[name=note]").fill("客户确认本人开户，已告知风险。")
    screenshot("visit-answered")
    page.locator("button[data-action=outcome]").click()

    expect(page.get_by_test_id("task-status")).to_have_text(zh(TaskStatus.COMPLETED.label))
    expect(page.get_by_test_id("outcome-form")).to_have_count(0)
    assert _history(page)[-3:] == ["claim", "start_call", "complete"]
    history = page.get_by_test_id("visit-history").locator(":scope > li")
    expect(history.last).to_contain_text(str(staff))
    calls = page.get_by_test_id("visit-calls").locator("tbody[data-attempt]")
    expect(calls).to_have_count(1)
    expect(calls.first).to_have_attribute("data-outcome", "completed")
    expect(calls.first).to_contain_text(zh(Outcome.COMPLETED.label))
    expect(calls.first).to_contain_text("客户确认本人开户")
    expect(calls.first.locator("ol.call-answers > li")).to_have_count(task.programme.questions.count())
    screenshot("visit-completed")

    task = VisitTask.objects.get(pk=task.pk)
    assert (task.status, task.outcome, task.assignee_id, task.attempts) == (
        TaskStatus.COMPLETED, Outcome.COMPLETED, staff.pk, 1)
    assert len(task.calls.get().answers) == task.programme.questions.count()
    assert not task.findings.exists()

    # The client's 360 lists the visit and its timeline has it.
    page.goto(f"/customers/{customer.pk}/")
    section = page.get_by_test_id("customer-visits-section")
    expect(section.locator(f"tr[data-task='{task.pk}']")).to_contain_text(zh(TaskStatus.COMPLETED.label))
    expect(page.locator("#timeline li.kind-visit")).to_contain_text(task.programme.name)


def test_it_schedules_a_retry_for_an_unreachable_client_that_waits_for_its_time(page, sign_in, live_server, users,
                                                                                new_client, screenshot):
    from brokerdesk.visits.choices import TaskStatus
    from brokerdesk.visits.models import VisitTask

    _customer, task = new_client
    sign_in(users["branch_a"])
    page.goto("/visits/")
    page.locator("button[data-action=claim_next]").click()
    expect(page).to_have_url(f"{live_server.url}/visits/{task.pk}/")
    _start_call(page)
    page.locator("input[name=outcome][value=unreachable]").check()
    page.locator("textarea[name=note]").fill("无人接听")
    page.locator("button[data-action=outcome]").click()

    expect(page.get_by_test_id("task-status")).to_have_text(zh(TaskStatus.PENDING.label))
    task = VisitTask.objects.get(pk=task.pk)
    assert task.status == TaskStatus.PENDING and task.assignee_id is None and task.attempts == 1
    assert task.not_before > timezone.now() + timedelta(hours=1)
    when = timezone.localtime(task.not_before).strftime("%Y-%m-%d %H:%M")
    with translation.override("zh-hans"):
        notice = translation.gettext("Retry scheduled: %(at)s") % {"at": when}
    expect(page.get_by_test_id("retry-notice")).to_contain_text(notice)
    expect(page.get_by_test_id("not-claimable")).to_contain_text(when)
    expect(page.locator("button[data-action=claim]")).to_have_count(0)
    assert _history(page)[-1] == "retry"
    screenshot("visit-retry-scheduled")

    # Back in the branch's queue, waiting for its time: not claimable, not even by "claim next".
    page.goto("/visits/")
    expect(page.get_by_test_id("claimable-queue").locator(f"tr[data-task='{task.pk}']")).to_have_count(0)
    waiting = page.get_by_test_id("waiting-retries").locator(f"tr[data-task='{task.pk}']")
    expect(waiting).to_contain_text(when)
    expect(waiting).to_contain_text("1/")
    screenshot("visit-queue-waiting")
    page.locator("button[data-action=claim_next]").click()
    expect(page).to_have_url(f"{live_server.url}/visits/")
    expect(page.locator("ul.messages")).to_be_visible()
    assert VisitTask.objects.get(pk=task.pk).status == TaskStatus.PENDING


def test_it_reports_staff_trading_for_the_client_to_compliance(page, sign_in, live_server, users, new_client,
                                                               compliance_department, screenshot):
    from brokerdesk.tickets.choices import TicketKind
    from brokerdesk.tickets.models import Ticket
    from brokerdesk.visits.choices import TaskStatus
    from brokerdesk.visits.models import VisitFinding

    customer, task = new_client
    staff = users["branch_a"]
    sign_in(staff)
    _open_from_the_queue(page, live_server, task)
    _start_call(page)
    question = task.programme.questions.get(text=STAFF_TRADED)
    expect(page.locator(f"fieldset[data-question='{question.pk}'] legend")).to_contain_text(STAFF_TRADED)
    _answer_every_question(page, task, {STAFF_TRADED: "yes"})
    page.locator("input[name=outcome][value=completed]").check()
    page.locator("button[data-action=outcome]").click()

    expect(page.get_by_test_id("task-status")).to_have_text(zh(TaskStatus.COMPLETED.label))
    finding = VisitFinding.objects.get(task=task)
    ticket = Ticket.objects.get(pk=finding.ticket_id)
    assert (finding.kind, finding.question_id, finding.answer) == ("staff_traded", question.pk, "yes")
    assert (ticket.kind, ticket.customer_id) == (TicketKind.VISIT_FINDING, customer.pk)
    order = ticket.supervision_orders.get()
    assert order.target_department_id == compliance_department.pk
    link = page.get_by_test_id("visit-findings").get_by_test_id("finding-ticket")
    expect(link).to_have_text(ticket.number)
    expect(link).to_have_attribute("href", f"/tickets/{ticket.pk}/")
    assert "finding" in _history(page)
    screenshot("visit-finding")

    link.click()
    expect(page).to_have_url(re.compile(rf"{re.escape(live_server.url)}/tickets/{ticket.pk}/$"))
    expect(page.get_by_test_id("ticket-number")).to_have_text(ticket.number)
    expect(page.get_by_test_id("supervision-orders")).to_contain_text(compliance_department.name)

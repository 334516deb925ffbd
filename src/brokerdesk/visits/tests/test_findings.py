"""Findings of a completed visit: recorded, put in one compliance ticket per visit, dispatched to compliance by the
system, all in the visit's transaction."""

import pytest

from brokerdesk.core.errors import ValidationFailed
from brokerdesk.core.masking import mask_name
from brokerdesk.core.models import AuditEvent
from brokerdesk.org.models import Department, Notification
from brokerdesk.tickets.models import SupervisionOrder, Ticket
from brokerdesk.tickets.services import ticket_close, ticket_reply, ticket_resolve
from brokerdesk.visits.models import ScriptQuestion, VisitFinding, VisitTask
from brokerdesk.visits.tests.lifecycle_support import clean_answers, make_task, question_at, work

pytestmark = pytest.mark.django_db


@pytest.fixture
def compliance_department(org, users):
    department = Department.objects.create(company=org["company"], code="COMP", name="合规部", kind="compliance")
    users["compliance"].department = department
    users["compliance"].save()
    return department


def test_it_sends_the_findings_of_a_visit_to_compliance_in_one_dispatched_ticket(users, customer_a,
                                                                               compliance_department):
    task = make_task("new_account", customer_a)  # the branch's visit: branch staff may not dispatch themselves
    answers = clean_answers(task, p40="yes", p50="yes")  # staff traded for the client; promised returns
    work(users["branch_a"], task, answers=answers, note="客户称客户经理帮其下单", call_ref="PBX-7")
    task.refresh_from_db()
    assert task.status == "completed"
    findings = list(task.findings.order_by("id"))
    assert [(f.kind, f.question.position, f.answer) for f in findings] == [("staff_traded", 40, "yes"),
                                                                          ("promised_returns", 50, "yes")]
    ticket = Ticket.objects.get()
    assert all(f.ticket == ticket and f.attempt == task.calls.get() for f in findings)
    assert (ticket.kind, ticket.channel, ticket.customer, ticket.branch) == ("visit_finding", "return_visit",
                                                                            customer_a, customer_a.home_branch)
    assert (ticket.source_ref, ticket.interaction_ref, ticket.priority) == (f"visit_task:{task.pk}", "PBX-7", "high")
    assert ticket.status == "dispatched" and ticket.department == compliance_department
    assert mask_name(customer_a.name) in ticket.subject and customer_a.name not in ticket.subject
    for position in (40, 50):
        assert question_at(task, position).text in ticket.description
    assert "客户称客户经理帮其下单" in ticket.description
    order = SupervisionOrder.objects.get(ticket=ticket)
    assert (order.target_department, order.dispatched_by, order.status) == (compliance_department, None, "open")
    assert list(ticket.events.values_list("action", "actor")) == [("create", None), ("accept", None),
                                                                  ("dispatch", None)]
    assert Notification.objects.filter(recipient=users["compliance"], kind="ticket_dispatched").exists()
    events = list(task.events.filter(action="finding").order_by("id"))
    assert [e.details["kind"] for e in events] == ["staff_traded", "promised_returns"]
    assert all(e.details["ticket"] == ticket.pk and e.actor == users["branch_a"] for e in events)
    assert AuditEvent.objects.filter(action="visits.finding", object_id=str(task.pk)).count() == 2
    assert AuditEvent.objects.filter(action="tickets.dispatch", object_id=str(ticket.pk), actor_id=None).exists()


def test_it_lets_compliance_answer_the_finding_and_hq_close_it(users, customer_a, compliance_department):
    task = make_task("new_account", customer_a)
    work(users["branch_a"], task, answers=clean_answers(task, p40="yes"))
    ticket = Ticket.objects.get()
    ticket_reply(actor=users["compliance"], ticket_id=ticket.pk, findings="经核查，员工违规代客下单",
                 measures="已暂停其执业并上报")
    ticket_resolve(actor=users["compliance"], ticket_id=ticket.pk)
    closed = ticket_close(actor=users["compliance"], ticket_id=ticket.pk)
    assert closed.status == "closed"  # no satisfaction callback for a finding


def test_it_reports_a_finding_by_the_answers_each_question_names(users, org, customer_a, compliance_department):
    task = make_task("special_business", customer_a, center=org["center"])
    # "applied yourself?" no -> not own account; "understood the risks?" no -> risk not understood.
    work(users["agent"], task, answers=clean_answers(task, p20="no", p30="no"))
    assert sorted(task.findings.values_list("kind", flat=True)) == ["not_own_account", "risk_not_understood"]
    assert Ticket.objects.count() == 1


def test_it_opens_no_ticket_when_the_visit_finds_nothing(users, org, customer_a, compliance_department):
    task = make_task("new_account", customer_a)
    work(users["branch_a"], task)
    other = make_task("annual_sample", customer_a, center=org["center"])
    work(users["agent"], other, "refused", note="客户拒绝")  # only a completed visit reports findings
    assert not VisitFinding.objects.exists() and not Ticket.objects.exists()
    assert not task.events.filter(action="finding").exists()


def test_it_leaves_the_ticket_in_the_queue_when_no_compliance_department_exists(users, customer_a):
    task = make_task("new_account", customer_a)
    work(users["branch_a"], task, answers=clean_answers(task, p40="yes"))
    ticket = Ticket.objects.get()
    assert ticket.status == "new" and ticket.department is None
    assert not SupervisionOrder.objects.exists()
    assert task.findings.get().ticket == ticket
    assert ticket.first_response_due is not None  # on the seeded visit-finding policy's clock


def test_it_records_nothing_of_the_visit_when_a_later_step_fails(users, org, customer_a, compliance_department):
    """The findings, their ticket and the outcome are one transaction: a complaint callback that cannot close
    its ticket (no rating given) leaves no finding, no ticket and the call still open."""
    task = make_task("complaint_callback", customer_a, center=org["center"], source_ref="ticket:1")
    rating = question_at(task, 30)
    rating.required = False
    rating.save()
    ScriptQuestion.objects.filter(pk=question_at(task, 20).pk).update(finding_kind="other_misconduct",
                                                                    finding_answers=["no"])
    from brokerdesk.tickets.choices import TicketStatus
    from brokerdesk.tickets.services import TicketInput, ticket_create

    complaint = ticket_create(actor=users["agent"], data=TicketInput(kind="complaint", channel="phone",
                                                                     subject="投诉", description="服务态度差",
                                                                     customer_id=customer_a.pk))
    Ticket.objects.filter(pk=complaint.pk).update(status=TicketStatus.SATISFACTION_CALLBACK)
    VisitTask.objects.filter(pk=task.pk).update(source_ref=f"ticket:{complaint.pk}")
    with pytest.raises(ValidationFailed) as raised:
        work(users["agent"], task, answers=clean_answers(task, p20="no", p30=None))
    assert f"q{rating.pk}" in raised.value.details
    task.refresh_from_db()
    assert task.status == "in_call" and task.calls.get().ended_at is None
    assert not VisitFinding.objects.exists()
    assert list(Ticket.objects.values_list("pk", flat=True)) == [complaint.pk]
    assert not task.events.filter(action__in=["complete", "finding"]).exists()


def test_it_seeds_the_visit_finding_sla_policy_before_the_catch_all_one_again_after_a_flush():
    from brokerdesk.tickets.apps import seed_if_empty
    from brokerdesk.tickets.models import MajorComplaintRule, SlaPolicy, TicketCategory

    def policies():
        return list(SlaPolicy.objects.order_by("position").values_list("kind", "first_response_minutes",
                                                                       "resolution_mode", "resolution_amount"))

    seeded = policies()
    assert ("visit_finding", 240, "working_days", 5) in seeded
    assert seeded.index(("visit_finding", 240, "working_days", 5)) < [k for k, *_ in seeded].index("")
    for model in (SlaPolicy, TicketCategory, MajorComplaintRule):  # as the test runner's flush leaves them
        model.objects.all().delete()
    seed_if_empty()
    assert policies() == seeded

"""The ticket workflow through the services: ownership, dispatch to a branch, scoping, resolution, callback."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brokerdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.tickets import services
from brokerdesk.tickets.choices import SupervisionStatus, TicketStatus, TimerKind, TimerState
from brokerdesk.tickets.models import Ticket
from brokerdesk.tickets.selectors import supervision_queue, tickets_visible_to
from brokerdesk.tickets.workflow import TRANSITIONS, TransitionNotAllowed, actions_from, next_status

pytestmark = pytest.mark.django_db


def complaint(actor, customer=None, **overrides) -> Ticket:
    data = {"kind": "complaint", "channel": "phone", "subject": "交易系统卡顿", "description": "开盘时下单失败",
            "customer_id": customer.pk if customer else None} | overrides
    return services.ticket_create(actor=actor, data=services.TicketInput(**data), accept=True)


def test_it_makes_the_recording_agent_the_first_contact_owner(users, customer_a):
    ticket = complaint(users["agent"], customer_a)
    assert ticket.owner == users["agent"]
    assert ticket.status == TicketStatus.ACCEPTED
    assert ticket.branch == customer_a.home_branch
    assert ticket.number.startswith("TK")
    assert [e.action for e in ticket.events.all()] == ["create", "accept"]
    assert AuditEvent.objects.filter(action="tickets.create", object_id=str(ticket.pk)).exists()


def test_it_runs_the_whole_journey_from_call_to_closed(users, org, customer_a):
    agent, branch_a, branch_b = users["agent"], users["branch_a"], users["branch_b"]
    ticket = complaint(agent, customer_a)
    services.ticket_dispatch(actor=agent, ticket_id=ticket.pk, instructions="请核实并回复",
                             branch_id=org["branch_a"].pk)
    assert list(supervision_queue(branch_a).values_list("ticket_id", flat=True)) == [ticket.pk]
    assert not supervision_queue(branch_b).exists()
    with pytest.raises(NotFound):
        services.ticket_reply(actor=branch_b, ticket_id=ticket.pk, findings="x", measures="y")
    services.ticket_reply(actor=branch_a, ticket_id=ticket.pk, findings="系统升级导致", measures="已补偿手续费")
    services.ticket_resolve(actor=agent, ticket_id=ticket.pk)
    services.ticket_callback_start(actor=agent, ticket_id=ticket.pk)
    services.ticket_satisfaction_record(actor=agent, ticket_id=ticket.pk, satisfaction=4, comment="满意")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.CLOSED and ticket.satisfaction == 4
    assert [e.action for e in ticket.events.all()] == [
        "create", "accept", "dispatch", "reply", "resolve", "callback", "record_satisfaction"]
    order = ticket.supervision_orders.get()
    assert order.status == SupervisionStatus.ACCEPTED and order.replied_by == branch_a
    assert not ticket.timers.filter(next_fire_at__isnull=False).exists()


def test_it_keeps_other_branches_out(users, customer_a):
    ticket = complaint(users["agent"], customer_a)
    assert tickets_visible_to(users["branch_a"]).filter(pk=ticket.pk).exists()
    assert not tickets_visible_to(users["branch_b"]).filter(pk=ticket.pk).exists()
    with pytest.raises(NotFound):
        services.ticket_note_add(actor=users["branch_b"], ticket_id=ticket.pk, note="看看")


def test_it_refuses_dispatch_by_branch_staff(users, org, customer_a):
    ticket = complaint(users["branch_a"], customer_a)
    with pytest.raises(PermissionDenied):
        services.ticket_dispatch(actor=users["branch_a"], ticket_id=ticket.pk, instructions="x",
                                 branch_id=org["branch_b"].pk)


def test_it_refuses_a_transition_the_table_does_not_allow(users, customer_a):
    ticket = complaint(users["agent"], customer_a)
    with pytest.raises(Conflict):
        services.ticket_resolve(actor=users["agent"], ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.ACCEPTED


def test_it_closes_a_complaint_only_through_the_satisfaction_callback():
    with pytest.raises(TransitionNotAllowed):
        next_status("close", TicketStatus.RESOLVED, kind="complaint")
    assert next_status("close", TicketStatus.RESOLVED, kind="consultation") == TicketStatus.CLOSED
    assert "close" not in actions_from(TicketStatus.RESOLVED, kind="complaint")


def test_it_lets_nothing_but_reopen_touch_a_closed_ticket():
    assert actions_from(TicketStatus.CLOSED) == ["reopen"]
    assert set(TRANSITIONS) >= {"accept", "dispatch", "reply", "resolve", "callback", "reopen", "escalate"}


def test_it_hands_over_only_with_a_reason_to_someone_who_may_see_the_ticket(users, customer_a):
    ticket = complaint(users["agent"], customer_a)
    with pytest.raises(ValidationFailed):
        services.ticket_handover(actor=users["agent"], ticket_id=ticket.pk, to_staff_id=users["supervisor"].pk,
                                 reason="")
    with pytest.raises(ValidationFailed):  # branch B staff cannot see branch A's ticket
        services.ticket_handover(actor=users["agent"], ticket_id=ticket.pk, to_staff_id=users["branch_b"].pk,
                                 reason="转交")
    services.ticket_handover(actor=users["agent"], ticket_id=ticket.pk, to_staff_id=users["branch_a"].pk,
                             reason="客户要求营业部处理")
    ticket.refresh_from_db()
    assert ticket.owner == users["branch_a"]
    event = ticket.events.get(action="handover")
    assert event.note == "客户要求营业部处理" and event.details["from"] == users["agent"].pk


def test_it_reports_every_bad_field_at_once_and_writes_nothing(users):
    before = Ticket.objects.count()
    with pytest.raises(ValidationFailed) as raised:
        services.ticket_create(actor=users["agent"], data=services.TicketInput(
            kind="regulator_referral", channel="fax", subject="", description="x" * 10001, amount_involved="-5"))
    assert {"channel", "subject", "description", "regulator_source", "regulator_ref", "regulator_deadline",
            "amount_involved"} <= set(raised.value.details)
    assert Ticket.objects.count() == before


def test_it_escalates_a_lawyer_complaint_at_once_to_operations_risk_and_compliance(users, org, customer_a):
    from brokerdesk.org.models import Department, Notification
    from tests.factories import make_staff

    departments = {kind: Department.objects.create(company=org["company"], code=kind[:8], name=kind, kind=kind)
                   for kind in ("operations", "risk_control", "compliance")}
    officer = make_staff("t_cmp_officer", "compliance", scope="company")
    officer.department = departments["compliance"]
    officer.save()
    ticket = complaint(users["agent"], customer_a, description="我已经委托律师，准备起诉你们公司")
    ticket.refresh_from_db()
    assert ticket.is_major and ticket.priority == "urgent"
    escalation = ticket.escalations.get()
    assert {r["kind"] for r in escalation.reasons} == {"keywords"}
    assert set(escalation.departments.values_list("kind", flat=True)) == set(departments)
    assert Notification.objects.filter(recipient=officer, kind="ticket_escalated").exists()
    # The major policy's clock, not the same-day one.
    assert ticket.timers.get(kind=TimerKind.RESOLUTION).policy.major_only


def test_it_does_not_escalate_on_characters_inside_an_unrelated_word(users, customer_a):
    ticket = complaint(users["agent"], customer_a, description="规律性的系统问题")  # 律 is not 律师
    ticket.refresh_from_db()
    assert not ticket.is_major


def test_it_links_a_web_complaint_to_the_client_found_by_phone(customer_a):
    phone = customer_a.phones.first()
    ticket = services.ticket_create(actor=None, data=services.TicketInput(
        kind="complaint", channel="web", subject="无法登录", description="登录一直失败", contact_phone=phone.number))
    assert ticket.customer == customer_a and ticket.owner is None and ticket.status == TicketStatus.NEW


def test_it_pauses_the_clock_while_waiting_on_the_client(users, customer_a):
    ticket = complaint(users["agent"], customer_a)
    services.ticket_pause(actor=users["agent"], ticket_id=ticket.pk, reason="等待客户提供交割单")
    timer = ticket.timers.get(kind=TimerKind.RESOLUTION)
    assert timer.state == TimerState.PAUSED and timer.next_fire_at is None and timer.remaining_seconds is not None
    services.ticket_resume(actor=users["agent"], ticket_id=ticket.pk)
    timer.refresh_from_db()
    assert timer.state == TimerState.RUNNING and timer.next_fire_at is not None


def test_it_reopens_with_a_fresh_resolution_clock(users, customer_a):
    ticket = services.ticket_create(actor=users["agent"], data=services.TicketInput(
        kind="consultation", channel="phone", subject="如何开通创业板", description="问询条件",
        customer_id=customer_a.pk), accept=True)
    services.ticket_propose(actor=users["agent"], ticket_id=ticket.pk, resolution="已告知条件")
    services.ticket_resolve(actor=users["agent"], ticket_id=ticket.pk)
    services.ticket_close(actor=users["agent"], ticket_id=ticket.pk)
    with pytest.raises(Conflict):
        services.ticket_note_add(actor=users["agent"], ticket_id=ticket.pk, note="closed")
    services.ticket_reopen(actor=users["agent"], ticket_id=ticket.pk, reason="客户仍有疑问")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.IN_PROGRESS and ticket.reopen_count == 1
    assert ticket.timers.filter(kind=TimerKind.RESOLUTION, state=TimerState.RUNNING).count() == 1


def test_it_requires_regulator_details_and_keeps_the_regulator_deadline(users, customer_a):
    deadline = timezone.now() + timedelta(days=10)
    ticket = services.ticket_create(actor=users["agent"], data=services.TicketInput(
        kind="regulator_referral", channel="regulator", subject="12386 转办", description="客户向12386投诉佣金",
        customer_id=customer_a.pk, regulator_source="12386", regulator_ref="2026-SZ-00123",
        regulator_deadline=deadline), accept=True)
    ticket.refresh_from_db()
    assert ticket.is_major  # a regulator referral is major by rule
    assert ticket.timers.get(kind=TimerKind.REGULATOR).due_at == deadline
    assert ticket.resolution_due <= deadline

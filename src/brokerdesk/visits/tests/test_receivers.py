"""Receivers: a ticket awaiting its satisfaction callback, a service event and a client entering a segment each
generate the visits of the programmes they concern (through generate.visit_tasks_generate), once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from brokerdesk.segmentation.events import ENTERED, LEFT, SegmentChange, segment_changed
from brokerdesk.segmentation.models import RuleSet, Segment, SegmentMembership, SegmentRun
from brokerdesk.service_plans.events import service_event_record
from brokerdesk.service_plans.models import ServiceEvent
from brokerdesk.tickets.models import Ticket
from brokerdesk.tickets.services import (
    TicketInput,
    ticket_callback_start,
    ticket_create,
    ticket_propose,
    ticket_resolve,
)
from brokerdesk.tickets.signals import ticket_callback_due
from brokerdesk.visits.models import GenerationRun, Programme, VisitTask
from brokerdesk.visits.receivers import (
    programmes_for_segment,
    programmes_for_service_event,
    programmes_for_ticket_callbacks,
)
from brokerdesk.visits.tests.lifecycle_support import clean_answers, work

pytestmark = pytest.mark.django_db


# --- Which programmes an event concerns ------------------------------------------------------------------------

def _change(kind=ENTERED, *, dimension="group", code="abnormal_activity", initial=False, run_id=1, segment_id=1):
    return SegmentChange(run_id=run_id, business_date=timezone.localdate(), kind=kind, dimension=dimension,
                         segment_code=code, segment_id=segment_id, from_segment_code=None, from_segment_id=None,
                         clients=1, initial=initial)


def test_it_picks_the_active_programmes_an_event_concerns():
    assert programmes_for_segment(_change()) == ["abnormal_activity"]
    assert programmes_for_segment(_change(initial=True)) == []  # the first run: everyone "entered"
    assert programmes_for_segment(_change(LEFT)) == []
    assert programmes_for_segment(_change(code="core")) == []  # core clients are visited as members, not on entry
    assert programmes_for_service_event("high_risk_sale") == ["special_business"]
    assert programmes_for_service_event("permission_granted") == ["special_business"]
    assert programmes_for_service_event("package_changed") == []
    assert programmes_for_ticket_callbacks() == ["complaint_callback"]
    Programme.objects.filter(code__in=["abnormal_activity", "special_business", "complaint_callback"]).update(
        is_active=False)
    assert programmes_for_segment(_change()) == programmes_for_service_event("high_risk_sale") == \
        programmes_for_ticket_callbacks() == []


def test_it_generates_nothing_for_an_event_no_programme_wants(customer_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        service_event_record(kind="package_changed", customer=customer_a, key="subscription:1")
    assert ServiceEvent.objects.get().announced_at is not None
    assert not GenerationRun.objects.exists() and not VisitTask.objects.exists()


# --- Through the real generation ---------------------------------------------------------------------------------

def _complaint(users, customer) -> Ticket:
    ticket = ticket_create(actor=users["agent"], accept=True, data=TicketInput(
        kind="complaint", channel="phone", subject="交易系统卡顿", description="开盘时无法下单",
        customer_id=customer.pk))
    ticket_propose(actor=users["agent"], ticket_id=ticket.pk, resolution="系统已扩容")
    ticket_resolve(actor=users["supervisor"], ticket_id=ticket.pk)
    return ticket


def test_it_opens_the_callback_visit_when_a_complaint_awaits_its_callback_and_closes_it_from_the_visit(
        users, org, customer_a, django_capture_on_commit_callbacks):
    ticket = _complaint(users, customer_a)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_callback_start(actor=users["supervisor"], ticket_id=ticket.pk)
    task = VisitTask.objects.get()
    assert (task.programme.code, task.customer, task.source_ref, task.status) == (
        "complaint_callback", customer_a, f"ticket:{ticket.pk}", "pending")
    assert GenerationRun.objects.get().created == {"complaint_callback": 1}

    ticket_callback_due.send(sender=Ticket, ticket_id=ticket.pk)  # announced again (a retried job): no new task
    assert VisitTask.objects.count() == 1 and GenerationRun.objects.count() == 2

    assert task.center == org["center"]  # a call-center programme: the client's branch's serving center
    worker = users["agent"]
    work(worker, task, answers=clean_answers(task, p30="5"))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction) == ("closed", 5)


def test_it_opens_the_special_business_visit_after_a_high_risk_sale_or_a_new_permission(
        customer_a, customer_b, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sale = service_event_record(kind="high_risk_sale", customer=customer_a, key="check:1", payload={"check_id": 1})
        permission = service_event_record(kind="permission_granted", customer=customer_b, key="application:9")
    tasks = {t.customer_id: t for t in VisitTask.objects.select_related("programme")}
    assert {c: (t.programme.code, t.source_ref) for c, t in tasks.items()} == {
        customer_a.pk: ("special_business", f"event:high_risk_sale:{sale.pk}"),
        customer_b.pk: ("special_business", f"event:permission_granted:{permission.pk}")}
    from brokerdesk.service_plans.events import announce

    ServiceEvent.objects.update(announced_at=None)
    assert announce(sale.pk)  # sent again: generation finds the task of that event's cycle
    assert VisitTask.objects.count() == 2


def test_it_visits_clients_who_entered_a_segment_but_not_on_the_first_run(org, customer_a, customer_b):
    rule_set = RuleSet.objects.filter(status="published").first()
    segment = Segment.objects.get(dimension="group", code="abnormal_activity")
    today = timezone.localdate()

    def run(day):
        return SegmentRun.objects.create(business_date=day, rule_set=rule_set, status="succeeded", trigger="manual",
                                         started_at=timezone.now())

    first = run(today - timedelta(days=3))
    SegmentMembership.objects.create(customer=customer_b, segment=segment, valid_from=today - timedelta(days=3),
                                     rule_set=rule_set, entered_run=first)
    segment_changed.send(sender=SegmentRun, change=_change(initial=True, run_id=first.pk, segment_id=segment.pk))
    assert not GenerationRun.objects.exists()

    second = run(today)
    membership = SegmentMembership.objects.create(customer=customer_a, segment=segment, valid_from=today,
                                                  rule_set=rule_set, entered_run=second)
    segment_changed.send(sender=SegmentRun, change=_change(run_id=second.pk, segment_id=segment.pk))
    task = VisitTask.objects.select_related("programme").get()
    assert (task.programme.code, task.customer, task.source_ref) == ("abnormal_activity", customer_a,
                                                                     f"membership:{membership.pk}")
    assert (task.branch, task.center) == (org["branch_a"], None)  # worked by the client's branch
    segment_changed.send(sender=SegmentRun, change=_change(run_id=second.pk, segment_id=segment.pk))
    assert VisitTask.objects.count() == 1

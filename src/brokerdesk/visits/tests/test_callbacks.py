"""What a visit's outcome does for the apps that asked for it: a complaint's satisfaction callback closes its
ticket; the extra visit of a high-risk sale ends the sale's cooling-off."""

import pytest

from brokerdesk.core.errors import ValidationFailed
from brokerdesk.service_plans.models import ServiceEvent, Subscription
from brokerdesk.service_plans.services.subscriptions import (
    SubscriptionRequest,
    subscription_approve,
    subscription_request,
)
from brokerdesk.service_plans.services.suitability import ConfirmationRequired, suitability_confirm
from brokerdesk.service_plans.tests.support import put_in_tier
from brokerdesk.tickets.models import Ticket
from brokerdesk.tickets.services import (
    TicketInput,
    ticket_callback_start,
    ticket_create,
    ticket_dispatch,
    ticket_propose,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
)
from brokerdesk.visits.callbacks import satisfaction_of
from brokerdesk.visits.models import VisitTask
from brokerdesk.visits.services import ReassignInput, visit_task_reassign
from brokerdesk.visits.tests.lifecycle_support import clean_answers, make_task, question_at, work

pytestmark = pytest.mark.django_db


def _complaint_awaiting_callback(users, customer, *, dispatch_to=None, replier=None) -> Ticket:
    """A complaint resolved by HQ and put to its satisfaction callback, as the ticket pages do it."""
    ticket = ticket_create(actor=users["agent"], accept=True, data=TicketInput(
        kind="complaint", channel="phone", subject="对营业部服务不满", description="客户投诉营业部服务态度差",
        customer_id=customer.pk))
    if dispatch_to is None:
        ticket_propose(actor=users["agent"], ticket_id=ticket.pk, resolution="已道歉并整改")
    else:  # a supervision ticket to the branch, which answers it
        ticket_dispatch(actor=users["supervisor"], ticket_id=ticket.pk, instructions="请核实", branch_id=dispatch_to.pk)
        ticket_reply(actor=replier, ticket_id=ticket.pk, findings="属实", measures="已道歉并整改")
    ticket_resolve(actor=users["supervisor"], ticket_id=ticket.pk)
    return ticket_callback_start(actor=users["agent"], ticket_id=ticket.pk)


def _callback_task(org, customer, ticket) -> VisitTask:
    return make_task("complaint_callback", customer, center=org["center"], source_ref=f"ticket:{ticket.pk}")


def test_it_takes_the_satisfaction_from_the_scripts_rating_question(org, customer_a):
    callback = make_task("complaint_callback", customer_a, center=org["center"])
    assert satisfaction_of(callback, clean_answers(callback, p30="2")) == 2
    assert satisfaction_of(callback, clean_answers(callback, p30=None)) is None
    sample = make_task("annual_sample", customer_a, center=org["center"])  # any programme asking a rating
    assert satisfaction_of(sample, clean_answers(sample, p60="5")) == 5
    new_account = make_task("new_account", customer_a)  # no rating question
    assert satisfaction_of(new_account, clean_answers(new_account)) is None


def test_it_closes_the_complaint_with_the_clients_rating_when_the_callback_is_completed(users, org, customer_a):
    ticket = _complaint_awaiting_callback(users, customer_a)
    task = _callback_task(org, customer_a, ticket)
    work(users["agent"], task, answers=clean_answers(task, p30="4"), note="客户认可处理结果")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction, ticket.satisfaction_note) == ("closed", 4, "客户认可处理结果")
    assert ticket.closed_at is not None
    event = ticket.events.get(action="record_satisfaction")
    assert event.actor == users["agent"]  # a center agent may work every ticket
    assert event.details == {"satisfaction": 4, "reached": True, "visit_task": task.pk, "attempt": 1,
                             "agent": users["agent"].pk}
    assert VisitTask.objects.get(pk=task.pk).satisfaction == 4


def test_it_closes_the_complaint_as_not_reached_only_after_the_last_attempt(users, org, customer_a):
    ticket = _complaint_awaiting_callback(users, customer_a)
    task = _callback_task(org, customer_a, ticket)
    task.programme.max_attempts = 2
    task.programme.save()
    work(users["agent"], task, "unreachable")
    ticket.refresh_from_db()
    assert ticket.status == "satisfaction_callback"  # tried again later
    VisitTask.objects.filter(pk=task.pk).update(not_before=None)
    work(users["agent"], task, "unreachable", note="关机")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction) == ("closed", None)
    assert "2" in ticket.satisfaction_note and "关机" in ticket.satisfaction_note
    assert ticket.events.get(action="record_satisfaction").details["reached"] is False


@pytest.mark.parametrize("outcome", ["refused", "wrong_number"])
def test_it_closes_the_complaint_as_not_reached_when_refused_or_a_wrong_number(users, org, customer_a, outcome):
    ticket = _complaint_awaiting_callback(users, customer_a)
    task = _callback_task(org, customer_a, ticket)
    work(users["agent"], task, outcome, note="客户不愿评价" if outcome == "refused" else "号码已停机")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction) == ("closed", None)
    assert ("客户不愿评价" if outcome == "refused" else "号码已停机") in ticket.satisfaction_note
    assert ticket.satisfaction_note.splitlines()[0]  # first the reason, in words


def test_it_leaves_tickets_alone_for_other_programmes_and_for_a_reopened_complaint(users, org, customer_a):
    ticket = _complaint_awaiting_callback(users, customer_a)
    other = make_task("annual_sample", customer_a, center=org["center"], source_ref=f"ticket:{ticket.pk}")
    work(users["agent"], other)
    ticket.refresh_from_db()
    assert ticket.status == "satisfaction_callback"

    task = _callback_task(org, customer_a, ticket)
    ticket_reopen(actor=users["supervisor"], ticket_id=ticket.pk, reason="客户再次来电")
    done = work(users["agent"], task, answers=clean_answers(task, p30="1"))
    ticket.refresh_from_db()
    assert done.status == "completed" and ticket.status == "in_progress"
    assert not ticket.events.filter(action="record_satisfaction").exists()


def test_it_closes_a_ticket_the_branch_cannot_see_as_a_step_of_the_system(users, org, customer_a):
    """The callback visit was moved to the client's branch, but the complaint was dispatched to branch B: branch
    A's staff record the visit they were given, and the ticket closes without them seeing it."""
    ticket = _complaint_awaiting_callback(users, customer_a, dispatch_to=org["branch_b"], replier=users["branch_b"])
    assert ticket.branch == org["branch_b"]
    task = _callback_task(org, customer_a, ticket)
    visit_task_reassign(actor=users["supervisor"], task_id=task.pk,
                        data=ReassignInput(to_branch=True, note="营业部回访"))
    work(users["branch_a"], task, answers=clean_answers(task, p30="3"))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction) == ("closed", 3)
    event = ticket.events.get(action="record_satisfaction")
    assert event.actor is None and event.details["agent"] == users["branch_a"].pk
    assert event.details["visit_task"] == task.pk


def test_it_refuses_to_complete_a_callback_without_a_rating(users, org, customer_a):
    ticket = _complaint_awaiting_callback(users, customer_a)
    task = _callback_task(org, customer_a, ticket)
    rating = question_at(task, 30)
    rating.required = False
    rating.save()
    with pytest.raises(ValidationFailed) as raised:
        work(users["agent"], task, answers=clean_answers(task, p30=None))
    assert f"q{rating.pk}" in raised.value.details
    ticket.refresh_from_db()
    task.refresh_from_db()
    assert ticket.status == "satisfaction_callback" and task.status == "in_call"


# --- High-risk sale: one extra return visit instead of the cooling-off ---------------------------------------------

@pytest.fixture
def cooling_off(users, customer_a, settings):
    """A high-risk package sold to an ordinary investor, approved and cooling off, and its sale's event."""
    settings.SUITABILITY_HIGH_RISK_LEVELS = ["R4", "R5"]
    customer_a.risk_level = "C4"
    customer_a.save()
    put_in_tier(customer_a, "diamond")

    def request(**kw):
        return subscription_request(actor=users["branch_a"], customer_id=customer_a.pk,
                                    data=SubscriptionRequest(package_code="diamond", channel="branch", **kw))

    with pytest.raises(ConfirmationRequired) as raised:
        request()
    check = suitability_confirm(actor=users["branch_a"], check_id=raised.value.details["check_id"],
                                channel="branch", signer_name=customer_a.name, declared_not_recommended=False)
    subscription = request(confirmed_check_id=check.pk)
    subscription_approve(actor=users["reviewer"], subscription_id=subscription.pk)
    subscription.refresh_from_db()
    assert subscription.status == "cooling_off"
    event = ServiceEvent.objects.get(kind="high_risk_sale", customer=customer_a)
    return {"subscription": subscription, "event": event}


def _sale_visit(org, customer, event) -> VisitTask:
    return make_task("special_business", customer, center=org["center"], source_ref=f"event:high_risk_sale:{event.pk}")


def test_it_ends_the_cooling_off_when_the_extra_visit_finds_nothing(users, org, customer_a, cooling_off):
    task = _sale_visit(org, customer_a, cooling_off["event"])
    work(users["agent"], task)
    subscription = Subscription.objects.get(pk=cooling_off["subscription"].pk)
    assert subscription.status == "active"
    last = subscription.events.order_by("-id").first()
    assert (last.action, last.actor) == ("activate", None) and str(task.pk) in last.note


def test_it_keeps_the_cooling_off_when_the_visit_finds_something_or_is_not_completed(users, org, customer_a,
                                                                                    cooling_off):
    task = _sale_visit(org, customer_a, cooling_off["event"])
    work(users["agent"], task, answers=clean_answers(task, p30="no"))  # risks not understood
    assert task.findings.exists()
    assert Subscription.objects.get(pk=cooling_off["subscription"].pk).status == "cooling_off"
    VisitTask.objects.filter(pk=task.pk).update(status="cancelled")
    refused = _sale_visit(org, customer_a, cooling_off["event"])
    work(users["agent"], refused, "refused", note="不方便")
    assert Subscription.objects.get(pk=cooling_off["subscription"].pk).status == "cooling_off"


def test_it_ends_no_cooling_off_for_a_permission_visit(users, org, customer_a, cooling_off):
    task = make_task("special_business", customer_a, center=org["center"],
                     source_ref=f"event:permission_granted:{cooling_off['event'].pk}")
    work(users["agent"], task)
    assert Subscription.objects.get(pk=cooling_off["subscription"].pk).status == "cooling_off"

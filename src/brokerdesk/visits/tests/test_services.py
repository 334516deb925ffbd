"""The task lifecycle (services.py): claiming, calls and their outcomes, retries, reassignment, cancellation, and
the history and audit rows every step writes."""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.utils import timezone

from brokerdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.models import AuditEvent
from brokerdesk.visits.models import VisitTask
from brokerdesk.visits.services import (
    OutcomeInput,
    ReassignInput,
    visit_call_start,
    visit_outcome_record,
    visit_task_cancel,
    visit_task_claim,
    visit_task_claim_next,
    visit_task_reassign,
    visit_task_release,
)
from brokerdesk.visits.tests.lifecycle_support import clean_answers, make_task, question_at, work

pytestmark = pytest.mark.django_db


def _actions(task) -> list[str]:
    return list(task.events.order_by("at", "id").values_list("action", flat=True))


def _outcome(actor, task, outcome, answers=None, note=""):
    return visit_outcome_record(actor=actor, task_id=task.pk,
                                data=OutcomeInput(outcome=outcome, answers=answers or {}, note=note))


# --- Claiming ------------------------------------------------------------------------------------------------

def test_it_claims_a_task_of_the_agents_queue_with_a_history_row_and_an_audit_event(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    claimed = visit_task_claim(actor=users["agent"], task_id=task.pk)
    task.refresh_from_db()
    assert claimed.status == task.status == "claimed"
    assert task.assignee == users["agent"] and task.claimed_at is not None
    event = task.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == ("claim", "pending", "claimed",
                                                                               users["agent"])
    audit = AuditEvent.objects.get(action="visits.claim", object_id=str(task.pk))
    assert audit.actor_id == users["agent"].pk
    assert (audit.before, audit.after) == ({"status": "pending"}, {"status": "claimed"})


def test_it_refuses_to_claim_a_task_twice(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    visit_task_claim(actor=users["agent"], task_id=task.pk)
    with pytest.raises(Conflict):
        visit_task_claim(actor=users["supervisor"], task_id=task.pk)
    task.refresh_from_db()
    assert task.assignee == users["agent"]


def test_it_keeps_agents_to_their_own_queue(users, org, customer_a):
    center_task = make_task("annual_sample", customer_a, center=org["hq"])  # another center's queue
    branch_task = make_task("new_account", customer_a)  # the branch's queue
    with pytest.raises(PermissionDenied):
        visit_task_claim(actor=users["agent"], task_id=center_task.pk)
    with pytest.raises(PermissionDenied):
        visit_task_claim(actor=users["agent"], task_id=branch_task.pk)
    from tests.factories import make_customer

    other_client = make_customer(org["branch_a"])
    with pytest.raises(PermissionDenied):  # branch A sees the center's task of its client, but may not work it
        visit_task_claim(actor=users["branch_a"], task_id=make_task("annual_sample", other_client,
                                                                   center=org["center"]).pk)
    assert visit_task_claim(actor=users["branch_a"], task_id=branch_task.pk).status == "claimed"
    assert VisitTask.objects.filter(pk=center_task.pk, status="pending").exists()


def test_it_answers_not_found_for_another_branchs_task_and_a_missing_one(users, customer_a):
    task = make_task("new_account", customer_a)
    for task_id in (task.pk, 999999, "x", -1):
        with pytest.raises(NotFound):
            visit_task_claim(actor=users["branch_b"], task_id=task_id)
    with pytest.raises(NotFound):
        visit_call_start(actor=users["branch_b"], task_id=task.pk)
    with pytest.raises(NotFound):
        _outcome(users["branch_b"], task, "completed")
    with pytest.raises(NotFound):
        visit_task_release(actor=users["branch_b"], task_id=task.pk)
    assert not task.events.exists()


def test_it_refuses_staff_without_the_permission(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    for role in ("reviewer", "compliance", "admin"):
        with pytest.raises(PermissionDenied):
            visit_task_claim(actor=users[role], task_id=task.pk)
        with pytest.raises(PermissionDenied):
            visit_task_claim_next(actor=users[role])
    assert AuditEvent.objects.filter(action="access.denied").count() >= 6


def test_it_hands_out_the_queue_most_urgent_first_and_only_the_agents_own(users, org, customer_a, customer_b):
    later = make_task("annual_sample", customer_a, center=org["center"], due_in_days=9)
    urgent = make_task("complaint_callback", customer_a, center=org["center"], due_in_days=2, priority=1)
    same_day_lower = make_task("r5_holders", customer_a, center=org["center"], due_in_days=2, priority=4)
    make_task("annual_sample", customer_b, center=org["hq"], due_in_days=1)  # HQ's queue
    make_task("new_account", customer_a, due_in_days=1)  # the branch's queue
    waiting = make_task("special_business", customer_a, center=org["center"], due_in_days=0,
                        not_before=timezone.now() + timedelta(hours=2))  # a retry not yet due
    got = [visit_task_claim_next(actor=users["agent"]) for _ in range(4)]
    assert [t.pk if t else None for t in got] == [urgent.pk, same_day_lower.pk, later.pk, None]
    assert all(t.assignee == users["agent"] and t.status == "claimed" for t in got[:3])
    assert VisitTask.objects.get(pk=waiting.pk).status == "pending"
    claim_events = [t.events.get() for t in got[:3]]
    assert all(e.action == "claim" and e.details == {"next_in_queue": True} for e in claim_events)


def test_it_returns_a_released_task_to_the_queue(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    visit_task_claim(actor=users["agent"], task_id=task.pk)
    released = visit_task_release(actor=users["agent"], task_id=task.pk, note="今天来不及")
    assert (released.status, released.assignee, released.claimed_at) == ("pending", None, None)
    assert _actions(task) == ["claim", "release"]
    assert task.events.last().note == "今天来不及"
    assert visit_task_claim_next(actor=users["agent"]).pk == task.pk


def test_it_lets_only_the_holder_or_a_supervisor_release(users, org, customer_a):
    from tests.factories import make_staff

    other_agent = make_staff("t_agent2", "agent", scope="center", center=org["center"])
    task = make_task("annual_sample", customer_a, center=org["center"])
    visit_task_claim(actor=users["agent"], task_id=task.pk)
    with pytest.raises(PermissionDenied):
        visit_task_release(actor=other_agent, task_id=task.pk)
    assert AuditEvent.objects.filter(action="access.denied", object_id=str(task.pk)).exists()
    assert visit_task_release(actor=users["supervisor"], task_id=task.pk).status == "pending"
    with pytest.raises(Conflict):  # pending: nothing to release
        visit_task_release(actor=users["supervisor"], task_id=task.pk)


# --- Calls and outcomes ----------------------------------------------------------------------------------------

def test_it_starts_a_call_only_for_the_holder(users, org, customer_a):
    from tests.factories import make_staff

    task = make_task("annual_sample", customer_a, center=org["center"])
    with pytest.raises(PermissionDenied):  # not claimed by anyone
        visit_call_start(actor=users["agent"], task_id=task.pk)
    visit_task_claim(actor=users["agent"], task_id=task.pk)
    with pytest.raises(PermissionDenied):
        visit_call_start(actor=make_staff("t_agent2", "agent", scope="center", center=org["center"]),
                         task_id=task.pk)
    attempt = visit_call_start(actor=users["agent"], task_id=task.pk, call_ref="  PBX-1  ")
    task.refresh_from_db()
    assert (task.status, task.attempts) == ("in_call", 1)
    assert (attempt.number, attempt.agent, attempt.call_ref, attempt.ended_at) == (1, users["agent"], "PBX-1", None)
    assert task.events.last().details == {"attempt": 1}
    with pytest.raises(Conflict):  # already in a call
        visit_call_start(actor=users["agent"], task_id=task.pk)


def test_it_completes_a_visit_with_the_answers_the_outcome_and_the_satisfaction(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    answers = clean_answers(task, p60="5")
    done = work(users["agent"], task, answers=answers, note="客户配合")
    task.refresh_from_db()
    assert (task.status, task.outcome, task.satisfaction, task.attempts) == ("completed", "completed", 5, 1)
    assert task.finished_at is not None and done.status == "completed"
    attempt = task.calls.get()
    assert (attempt.outcome, attempt.answers, attempt.note) == ("completed", answers, "客户配合")
    assert attempt.ended_at is not None
    assert _actions(task) == ["claim", "start_call", "complete"]
    assert task.events.last().details == {"attempt": 1, "outcome": "completed"}
    assert not task.findings.exists()
    assert AuditEvent.objects.filter(object_type="visit_task", object_id=str(task.pk)).count() == 3


def test_it_keeps_trying_an_unreachable_client_on_the_retry_schedule_until_the_attempts_are_used(
        users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])  # 3 attempts, retry after 2 h then 24 h
    before = timezone.now()
    first = work(users["agent"], task, "unreachable", note="无人接听")
    assert (first.status, first.assignee, first.attempts) == ("pending", None, 1)
    assert timedelta(hours=2) <= first.not_before - before < timedelta(hours=2, minutes=1)
    with pytest.raises(Conflict):  # waits for its next attempt
        visit_task_claim(actor=users["agent"], task_id=task.pk)
    assert visit_task_claim_next(actor=users["agent"]) is None

    VisitTask.objects.filter(pk=task.pk).update(not_before=timezone.now() - timedelta(seconds=1))
    assert visit_task_claim_next(actor=users["agent"]).pk == task.pk
    before = timezone.now()
    second = work(users["agent"], task, "unreachable", claim=False)
    assert second.status == "pending"
    assert timedelta(hours=24) <= second.not_before - before < timedelta(hours=24, minutes=1)

    VisitTask.objects.filter(pk=task.pk).update(not_before=timezone.now() - timedelta(seconds=1))
    last = work(users["agent"], task, "unreachable")
    task.refresh_from_db()
    assert (last.status, task.status, task.outcome, task.attempts) == ("unreachable", "unreachable",
                                                                      "unreachable", 3)
    assert task.finished_at is not None
    assert list(task.calls.values_list("number", "outcome")) == [(1, "unreachable"), (2, "unreachable"),
                                                                 (3, "unreachable")]
    assert _actions(task) == ["claim", "start_call", "retry", "claim", "start_call", "retry", "claim",
                              "start_call", "unreachable"]
    retry = task.events.filter(action="retry").first()
    assert retry.note == "无人接听" and "retry_at" in retry.details
    with pytest.raises(Conflict):
        visit_task_claim(actor=users["agent"], task_id=task.pk)


def test_it_follows_the_programmes_own_retry_hours_and_attempts(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    task.programme.max_attempts, task.programme.retry_hours = 2, [1]
    task.programme.save()
    before = timezone.now()
    first = work(users["agent"], task, "unreachable")
    assert timedelta(hours=1) <= first.not_before - before < timedelta(hours=1, minutes=1)
    VisitTask.objects.filter(pk=task.pk).update(not_before=None)
    assert work(users["agent"], task, "unreachable").status == "unreachable"


@pytest.mark.parametrize("outcome", ["refused", "wrong_number"])
def test_it_ends_a_refused_or_wrong_number_visit_only_with_a_note(users, org, customer_a, outcome):
    task = make_task("annual_sample", customer_a, center=org["center"])
    visit_task_claim(actor=users["agent"], task_id=task.pk)
    visit_call_start(actor=users["agent"], task_id=task.pk)
    with pytest.raises(ValidationFailed) as raised:
        _outcome(users["agent"], task, outcome, note="   ")
    assert "note" in raised.value.details
    task.refresh_from_db()
    assert task.status == "in_call" and task.calls.get().ended_at is None
    ended = _outcome(users["agent"], task, outcome, note="客户表示不需要回访" if outcome == "refused" else "空号")
    assert (ended.status, ended.outcome) == (outcome, outcome)
    assert _actions(task)[-1] == {"refused": "refuse", "wrong_number": "wrong_number"}[outcome]


def test_it_checks_every_answer_against_its_question_and_writes_nothing_when_one_is_wrong(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    visit_task_claim(actor=users["agent"], task_id=task.pk)
    visit_call_start(actor=users["agent"], task_id=task.pk)
    answers = clean_answers(task, p10=None, p20="不知道", p30="maybe", p60="6")
    answers["999999"] = "yes"
    with pytest.raises(ValidationFailed) as raised:
        _outcome(users["agent"], task, "completed", answers)
    details = raised.value.details
    q = {p: f"q{question_at(task, p).pk}" for p in (10, 20, 30, 60)}
    assert set(details) == {q[10], q[20], q[30], q[60], "answers"}  # every problem at once
    long_text = clean_answers(task)
    with pytest.raises(ValidationFailed):
        _outcome(users["agent"], task, "completed", {**long_text, str(question_at(task, 20).pk): "x" * 301})
    task.refresh_from_db()
    assert task.status == "in_call" and task.calls.get().ended_at is None
    assert _actions(task) == ["claim", "start_call"]


def test_it_requires_answers_only_of_a_completed_visit_and_keeps_what_was_said(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    identity = str(question_at(task, 10).pk)
    retried = work(users["agent"], task, "unreachable", answers={identity: "yes"})
    assert retried.status == "pending"
    assert task.calls.get().answers == {identity: "yes"}
    with pytest.raises(ValidationFailed):  # a wrong kind is wrong whatever the outcome
        VisitTask.objects.filter(pk=task.pk).update(not_before=None)
        work(users["agent"], task, "refused", answers={identity: "perhaps"}, note="拒绝")


def test_it_records_an_outcome_only_for_a_started_call_of_the_holder(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    visit_task_claim(actor=users["agent"], task_id=task.pk)
    with pytest.raises(Conflict):
        _outcome(users["agent"], task, "completed", clean_answers(task))
    visit_call_start(actor=users["agent"], task_id=task.pk)
    with pytest.raises(PermissionDenied):
        _outcome(users["supervisor"], task, "completed", clean_answers(task))
    with pytest.raises(ValidationFailed):
        _outcome(users["agent"], task, "answered")
    assert _outcome(users["agent"], task, "completed", clean_answers(task)).status == "completed"
    with pytest.raises(Conflict):  # already recorded
        _outcome(users["agent"], task, "completed", clean_answers(task))


# --- Supervision -----------------------------------------------------------------------------------------------

def test_it_reassigns_to_an_agent_a_center_or_the_clients_branch(users, org, customer_a):
    from tests.factories import make_staff

    task = make_task("annual_sample", customer_a, center=org["center"])
    hq_agent = make_staff("t_hq_agent", "agent", scope="center", center=org["hq"])
    to_agent = visit_task_reassign(actor=users["supervisor"], task_id=task.pk,
                                   data=ReassignInput(agent_id=hq_agent.pk, note="熟悉该客户"))
    assert (to_agent.status, to_agent.assignee, to_agent.center_id) == ("claimed", hq_agent, org["hq"].pk)
    assert visit_task_claim_next(actor=users["agent"]) is None  # no longer in the agent's queue

    to_center = visit_task_reassign(actor=users["supervisor"], task_id=task.pk,
                                    data=ReassignInput(center_id=org["center"].pk, note="退回分中心"))
    assert (to_center.status, to_center.assignee, to_center.center_id) == ("pending", None, org["center"].pk)
    to_branch = visit_task_reassign(actor=users["reviewer"], task_id=task.pk,
                                    data=ReassignInput(to_branch=True, note="由营业部回访"))
    assert (to_branch.status, to_branch.center_id, to_branch.branch_id) == ("pending", None, org["branch_a"].pk)
    assert visit_task_claim_next(actor=users["branch_a"]).pk == task.pk
    reassigns = task.events.filter(action="reassign").order_by("id")
    assert reassigns[0].details == {"from_center": org["center"].pk, "from_agent": None, "to_agent": hq_agent.pk}
    assert reassigns[1].details["to_center"] == org["center"].pk
    assert reassigns[2].details == {"from_center": org["center"].pk, "from_agent": None,
                                    "to_branch": org["branch_a"].pk}
    assert AuditEvent.objects.filter(action="visits.reassign", object_id=str(task.pk)).count() == 3


def test_it_checks_the_reassignment_target_the_note_and_who_asks(users, org, customer_a):
    task = make_task("new_account", customer_a)
    with pytest.raises(ValidationFailed):
        visit_task_reassign(actor=users["supervisor"], task_id=task.pk,
                            data=ReassignInput(agent_id=users["agent"].pk, to_branch=True, note="两个目标"))
    with pytest.raises(ValidationFailed):
        visit_task_reassign(actor=users["supervisor"], task_id=task.pk, data=ReassignInput(to_branch=True))
    with pytest.raises(ValidationFailed):  # branch B's staff cannot work branch A's client
        visit_task_reassign(actor=users["supervisor"], task_id=task.pk,
                            data=ReassignInput(agent_id=users["branch_b"].pk, note="换人"))
    with pytest.raises(ValidationFailed):  # a reviewer does not work visits
        visit_task_reassign(actor=users["supervisor"], task_id=task.pk,
                            data=ReassignInput(agent_id=users["reviewer"].pk, note="换人"))
    with pytest.raises(ValidationFailed):
        visit_task_reassign(actor=users["supervisor"], task_id=task.pk,
                            data=ReassignInput(center_id=999999, note="换中心"))
    for actor in (users["agent"], users["branch_a"], users["manager_a"]):
        with pytest.raises(PermissionDenied):
            visit_task_reassign(actor=actor, task_id=task.pk, data=ReassignInput(to_branch=True, note="换"))
    moved = visit_task_reassign(actor=users["supervisor"], task_id=task.pk,
                                data=ReassignInput(agent_id=users["manager_a"].pk, note="客户经理回访"))
    assert (moved.status, moved.assignee, moved.center_id) == ("claimed", users["manager_a"], None)
    assert _actions(task) == ["reassign"]


def test_it_reassigns_and_cancels_only_open_tasks_not_in_a_call(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    visit_task_claim(actor=users["agent"], task_id=task.pk)
    visit_call_start(actor=users["agent"], task_id=task.pk)
    with pytest.raises(Conflict):
        visit_task_reassign(actor=users["supervisor"], task_id=task.pk, data=ReassignInput(to_branch=True, note="x"))
    with pytest.raises(Conflict):
        visit_task_cancel(actor=users["supervisor"], task_id=task.pk, note="x")
    _outcome(users["agent"], task, "completed", clean_answers(task))
    with pytest.raises(Conflict):
        visit_task_cancel(actor=users["supervisor"], task_id=task.pk, note="x")


def test_it_cancels_with_a_reason_by_a_supervisor_only(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    with pytest.raises(PermissionDenied):
        visit_task_cancel(actor=users["agent"], task_id=task.pk, note="客户已销户")
    with pytest.raises(ValidationFailed):
        visit_task_cancel(actor=users["supervisor"], task_id=task.pk, note=" ")
    with pytest.raises(NotFound):  # a branch-scoped reviewer would not see it either; a missing id never
        visit_task_cancel(actor=users["supervisor"], task_id=999999, note="x")
    cancelled = visit_task_cancel(actor=users["supervisor"], task_id=task.pk, note="客户已销户")
    task.refresh_from_db()
    assert (cancelled.status, task.status) == ("cancelled", "cancelled")
    assert task.finished_at is not None
    event = task.events.get()
    assert (event.action, event.from_status, event.to_status, event.note) == ("cancel", "pending", "cancelled",
                                                                              "客户已销户")
    assert AuditEvent.objects.get(action="visits.cancel", object_id=str(task.pk)).details == {"note": "客户已销户"}


def test_it_writes_one_history_row_and_one_audit_event_per_step(users, org, customer_a):
    task = make_task("annual_sample", customer_a, center=org["center"])
    visit_task_claim(actor=users["agent"], task_id=task.pk)
    visit_task_release(actor=users["agent"], task_id=task.pk)
    work(users["agent"], task, "unreachable")
    VisitTask.objects.filter(pk=task.pk).update(not_before=None)
    work(users["agent"], task, "completed")
    actions = _actions(task)
    assert actions == ["claim", "release", "claim", "start_call", "retry", "claim", "start_call", "complete"]
    audited = list(AuditEvent.objects.filter(object_type="visit_task", object_id=str(task.pk)).order_by("seq")
                   .values_list("action", flat=True))
    assert audited == [f"visits.{a}" for a in actions]
    statuses = list(task.events.order_by("at", "id").values_list("from_status", "to_status"))
    assert statuses[0] == ("pending", "claimed") and statuses[-1] == ("in_call", "completed")
    assert all(prev[1] == nxt[0] for prev, nxt in pairwise(statuses))  # a gap-free chain

"""Return-visit writes: claiming (one task, or the next in the queue, safe under concurrency), calls and their
outcomes, retries, reassignment, cancellation and recordings.

Every function takes the acting staff member, checks permission and scope, moves the status compare-and-set by
workflow.TRANSITIONS, and writes a VisitTaskEvent (the history on the page) and an audit event in the same
transaction. Answers that are findings become compliance tickets (findings.py); a complaint callback's outcome
closes its ticket (callbacks.py) — both in the same transaction, so a visit is never half-recorded. A refusal
found inside a transaction (not the holder, another queue) is audited once that transaction has rolled back
(refusals_audited), or its access.denied row would roll back with it.
"""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from brokerdesk.core.permissions import require_permission
from brokerdesk.core.scoping import database_id
from brokerdesk.org.choices import Scope
from brokerdesk.org.models import ContactCenter, Staff
from brokerdesk.visits import callbacks, client_notices, findings
from brokerdesk.visits.choices import Outcome, QuestionKind, TaskAction, TaskStatus
from brokerdesk.visits.models import VisitAttempt, VisitTask, VisitTaskEvent
from brokerdesk.visits.selectors import claimable_tasks, may_work, tasks_visible_to
from brokerdesk.visits.workflow import TransitionNotAllowed, next_status

NOTE_LIMIT = 5000
ANSWER_LIMIT = 300
CLAIM_CANDIDATES = 20  # pending tasks looked at per try when claiming the next one
# Where each outcome leads (unreachable: "retry" or, once the attempts are used up, "unreachable").
OUTCOME_ACTIONS = {Outcome.COMPLETED: "complete", Outcome.REFUSED: "refuse", Outcome.WRONG_NUMBER: "wrong_number"}


def visit_event_record(task: VisitTask, actor, action: str, now: datetime, *, old: str = "", new: str = "",
                       note: str = "", details: dict | None = None) -> None:
    """One step of the task's history, and the same step in the audit chain."""
    VisitTaskEvent.objects.create(task=task, at=now, actor=actor if getattr(actor, "pk", None) else None,
                                  action=action, from_status=old, to_status=new, note=note, details=details or {})
    audit_record(actor=actor, action=f"visits.{action}", object_type="visit_task", object_id=task.pk,
                 before={"status": old} if old else None, after={"status": new} if new else None,
                 details={"note": note, **(details or {})} if note or details else None)


def _move(task: VisitTask, actor, action: str, now: datetime, *, note: str = "", details: dict | None = None,
          to_agent: bool = False, **changes) -> VisitTask:
    """Compare-and-set the status by the workflow table and write the history row."""
    try:
        new = next_status(action, task.status, to_agent=to_agent)
    except TransitionNotAllowed:
        raise Conflict(_("The visit is %(status)s: “%(action)s” is not possible now.")
                       % {"status": TaskStatus(task.status).label, "action": TaskAction(action).label}) from None
    old = task.status
    if not VisitTask.objects.filter(pk=task.pk, status=old).update(status=new, **changes):
        raise Conflict()
    for name, value in changes.items():
        setattr(task, name, value)
    task.status = new
    visit_event_record(task, actor, action, now, old=old, new=new, note=note, details=details)
    return task


class Refused(PermissionDenied):
    """A refusal found inside a service's transaction. Its access.denied audit row is written by
    @refusals_audited once the transaction has rolled back: written inside, it would roll back with it."""

    def __init__(self, message=None, *, actor, details: dict, task_id=None):
        super().__init__(message)
        self.actor, self.audit_details, self.task_id = actor, details, task_id


def refusals_audited(service):
    @functools.wraps(service)
    def audited(*args, **kwargs):
        try:
            return service(*args, **kwargs)
        except Refused as refused:
            audit_record(actor=refused.actor, action="access.denied",
                         object_type="visit_task" if refused.task_id else "", object_id=refused.task_id or "",
                         details=refused.audit_details)
            raise PermissionDenied(refused.message) from None
    return audited


def _task_for_work(actor, task_id, attempted: str, permission: str = "visits.work_visit") -> VisitTask:
    """The task, locked for this transaction, if the actor may act on it; "not yours" is NotFound."""
    if actor is None or not actor.has_perm(permission):
        raise Refused(actor=actor, details={"permission": permission, "attempted": attempted})
    task = (tasks_visible_to(actor).select_for_update().select_related("programme")
            .filter(pk=database_id(task_id)).first())
    if task is None:
        raise NotFound()
    return task


def _require_holder(actor, task: VisitTask, attempted: str) -> None:
    if task.assignee_id != actor.pk:
        raise Refused(_("This visit is assigned to someone else."), actor=actor, task_id=task.pk,
                       details={"attempted": attempted, "why": "not the task's holder"})


def _note(value: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    errors = FieldErrors()
    if required and not value:
        errors.add("note", _("Please say why."))
    if len(value) > NOTE_LIMIT:
        errors.add("note", _("At most %(n)d characters.") % {"n": NOTE_LIMIT})
    errors.raise_if_any()
    return value


# --- Claiming ------------------------------------------------------------------------------------------------

@refusals_audited
def visit_task_claim(*, actor, task_id) -> VisitTask:
    """Take one task from the actor's queue (the list's "claim" button)."""
    with transaction.atomic():
        task = _task_for_work(actor, task_id, "visits.visit_task_claim")
        now = timezone.now()
        if not may_work(actor, task):
            raise Refused(_("This visit is in another team's queue."), actor=actor, task_id=task.pk,
                           details={"attempted": "visits.visit_task_claim", "why": "another queue"})
        if task.status == TaskStatus.PENDING and task.not_before and task.not_before > now:
            raise Conflict(_("This visit is waiting for its next attempt at %(at)s.")
                           % {"at": timezone.localtime(task.not_before).strftime("%Y-%m-%d %H:%M")})
        return _move(task, actor, "claim", now, assignee=actor, claimed_at=now)


def visit_task_claim_next(*, actor) -> VisitTask | None:
    """Take the most urgent claimable task of the actor's queue, or None when the queue is empty.

    Many agents claim from one queue at once. On PostgreSQL each claim locks the first pending row nobody else
    is claiming (SKIP LOCKED: agents pass over each other's rows instead of queueing behind them) and takes it.
    Only that one row: an agent locking a batch of candidates would hide the whole batch from the others, who
    would be told the queue is empty while it is not. Elsewhere (SQLite serialises writers) a few candidates
    are read and the first is taken with a compare-and-set on its status; a lost race only means trying the
    next. Nobody gets a task twice and no task is skipped for good.
    """
    require_permission(actor, "visits.work_visit", "visits.visit_task_claim_next")
    skip_locked = connection.features.has_select_for_update_skip_locked
    for _attempt in range(10):
        with transaction.atomic():
            now = timezone.now()
            candidates = claimable_tasks(actor, now)
            if skip_locked:
                ids = list(candidates.select_for_update(skip_locked=True, of=("self",))
                           .values_list("pk", flat=True)[:1])
            else:
                ids = list(candidates.values_list("pk", flat=True)[:CLAIM_CANDIDATES])
            if not ids:
                return None
            for pk in ids:
                if VisitTask.objects.filter(pk=pk, status=TaskStatus.PENDING).update(
                        status=TaskStatus.CLAIMED, assignee=actor, claimed_at=now):
                    task = VisitTask.objects.select_related("programme", "customer").get(pk=pk)
                    visit_event_record(task, actor, "claim", now, old=TaskStatus.PENDING, new=TaskStatus.CLAIMED,
                                       details={"next_in_queue": True})
                    return task
    raise Conflict(_("Too many agents are claiming at once; try again."))


@refusals_audited
def visit_task_release(*, actor, task_id, note: str = "") -> VisitTask:
    """Give a claimed task back to its queue."""
    with transaction.atomic():
        task = _task_for_work(actor, task_id, "visits.visit_task_release")
        if not actor.has_perm("visits.assign_visit"):
            _require_holder(actor, task, "visits.visit_task_release")
        return _move(task, actor, "release", timezone.now(), note=_note(note), assignee=None, claimed_at=None)


# --- Calls and outcomes --------------------------------------------------------------------------------------

@refusals_audited
def visit_call_start(*, actor, task_id, call_ref: str = "") -> VisitAttempt:
    """The agent dials the client: a new attempt begins (its recording arrives later from the telephony)."""
    with transaction.atomic():
        task = _task_for_work(actor, task_id, "visits.visit_call_start")
        _require_holder(actor, task, "visits.visit_call_start")
        if task.attempts >= task.programme.max_attempts:
            raise Conflict(_("All %(n)d attempts have been made.") % {"n": task.programme.max_attempts})
        now = timezone.now()
        number = task.attempts + 1
        _move(task, actor, "start_call", now, details={"attempt": number}, attempts=number)
        return VisitAttempt.objects.create(task=task, agent=actor, number=number, started_at=now,
                                           call_ref=(call_ref or "").strip()[:64])


@dataclass(frozen=True)
class OutcomeInput:
    outcome: str
    answers: dict  # question id (as text) -> answer
    note: str = ""


def _checked_answers(task: VisitTask, data: OutcomeInput) -> dict[str, str]:
    """The answers to the programme's questions, each checked against its kind; every problem at once. A
    completed visit must answer every required question; other outcomes keep whatever was said."""
    errors = FieldErrors()
    answers: dict[str, str] = {}
    for question in task.programme.questions.all():
        key = str(question.pk)
        value = str(data.answers.get(key, "") or "").strip()
        field = f"q{question.pk}"
        if not value:
            if data.outcome == Outcome.COMPLETED and question.required:
                errors.add(field, _("“%(question)s” needs an answer.") % {"question": question.text})
            continue
        if question.kind == QuestionKind.YES_NO and value not in ("yes", "no"):
            errors.add(field, _("Answer yes or no."))
        elif question.kind == QuestionKind.CHOICE and value not in question.choices:
            errors.add(field, _("Choose one of the offered answers."))
        elif question.kind == QuestionKind.RATING and value not in ("1", "2", "3", "4", "5"):
            errors.add(field, _("Choose a rating from 1 to 5."))
        elif len(value) > ANSWER_LIMIT:
            errors.add(field, _("At most %(n)d characters.") % {"n": ANSWER_LIMIT})
        answers[key] = value
    unknown = set(map(str, data.answers)) - {str(q.pk) for q in task.programme.questions.all()}
    if unknown:
        errors.add("answers", _("Answers to questions this script does not ask: %(ids)s")
                   % {"ids": ", ".join(sorted(unknown))})
    errors.raise_if_any()
    return answers


@refusals_audited
def visit_outcome_record(*, actor, task_id, data: OutcomeInput) -> VisitTask:
    """End the current call with its outcome.

    Completed: the answers are kept, findings go to compliance as tickets, a complaint callback closes its
    ticket with the client's satisfaction. Unreachable: tried again after the programme's retry delay, until
    the attempts are used up. Refused and wrong number end the task.
    """
    if data.outcome not in Outcome.values:
        raise ValidationFailed(details={"outcome": [_("Choose an outcome.")]})
    with transaction.atomic():
        task = _task_for_work(actor, task_id, "visits.visit_outcome_record")
        _require_holder(actor, task, "visits.visit_outcome_record")
        attempt = task.calls.filter(number=task.attempts, ended_at__isnull=True).first()
        if task.status != TaskStatus.IN_CALL or attempt is None:
            raise Conflict(_("Start the call before recording its outcome."))
        answers = _checked_answers(task, data)
        note = _note(data.note, required=data.outcome in (Outcome.REFUSED, Outcome.WRONG_NUMBER))
        now = timezone.now()
        attempt.ended_at, attempt.outcome, attempt.answers, attempt.note = now, data.outcome, answers, note
        attempt.save(update_fields=["ended_at", "outcome", "answers", "note"])
        details = {"attempt": attempt.number, "outcome": data.outcome}
        if data.outcome == Outcome.UNREACHABLE:
            if task.attempts < task.programme.max_attempts:
                retry_at = now + timedelta(hours=task.programme.retry_delay_hours(task.attempts))
                details["retry_at"] = retry_at.isoformat()
                task = _move(task, actor, "retry", now, note=note, details=details, not_before=retry_at,
                             assignee=None, claimed_at=None)
            else:
                task = _move(task, actor, "unreachable", now, note=note, details=details,
                             outcome=Outcome.UNREACHABLE, finished_at=now)
                client_notices.visit_unreachable_notify(task)
        else:
            satisfaction = callbacks.satisfaction_of(task, answers)
            task = _move(task, actor, OUTCOME_ACTIONS[data.outcome], now, note=note, details=details,
                         outcome=data.outcome, finished_at=now, satisfaction=satisfaction)
        if data.outcome == Outcome.COMPLETED:
            findings.findings_report(task=task, attempt=attempt, answers=answers, actor=actor, now=now)
            callbacks.high_risk_sale_close(task=task, actor=actor)
        if task.status != TaskStatus.PENDING:
            callbacks.ticket_callback_close(task=task, attempt=attempt, actor=actor)
        return task


# --- Supervision ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReassignInput:
    """Exactly one target: an agent (the task becomes theirs), a contact center's queue, or the client's branch
    queue."""

    agent_id: int | None = None
    center_id: int | None = None
    to_branch: bool = False
    note: str = ""


@refusals_audited
def visit_task_reassign(*, actor, task_id, data: ReassignInput) -> VisitTask:
    targets = [data.agent_id is not None, data.center_id is not None, data.to_branch]
    if sum(targets) != 1:
        raise ValidationFailed(details={"target": [_("Choose one agent, one center or the client's branch.")]})
    with transaction.atomic():
        task = _task_for_work(actor, task_id, "visits.visit_task_reassign", "visits.assign_visit")
        note = _note(data.note, required=True)
        now = timezone.now()
        center_id = task.center_id
        details: dict = {"from_center": task.center_id, "from_agent": task.assignee_id}
        agent = None
        if data.agent_id is not None:
            agent = _agent_for(task, data.agent_id)
            center_id = agent.center_id if agent.scope == Scope.CENTER else None
            details["to_agent"] = agent.pk
        elif data.center_id is not None:
            center = ContactCenter.objects.filter(pk=database_id(data.center_id)).first()
            if center is None:
                raise ValidationFailed(details={"center": [_("Unknown contact center.")]})
            center_id = details["to_center"] = center.pk
        else:
            center_id, details["to_branch"] = None, task.branch_id
        if not actor.sees_all_branches and center_id is not None:
            raise Refused(_("Only HQ and center supervisors may move a visit to a contact center."), actor=actor,
                           task_id=task.pk, details={"attempted": "visits.visit_task_reassign", "why": "not HQ"})
        return _move(task, actor, "reassign", now, note=note, details=details, to_agent=agent is not None,
                     assignee=agent, center_id=center_id, claimed_at=now if agent else None)


def _agent_for(task: VisitTask, agent_id) -> Staff:
    """An active staff member who may work visits and could see the task's client."""
    agent = Staff.objects.filter(pk=database_id(agent_id), is_active=True).first()
    ok = agent is not None and agent.has_perm("visits.work_visit") and (
        agent.scope in (Scope.COMPANY, Scope.CENTER) or agent.branch_id == task.branch_id)
    if not ok:
        raise ValidationFailed(details={"agent": [_("This person cannot work this client's visits.")]})
    return agent


@refusals_audited
def visit_task_cancel(*, actor, task_id, note: str) -> VisitTask:
    with transaction.atomic():
        task = _task_for_work(actor, task_id, "visits.visit_task_cancel", "visits.assign_visit")
        now = timezone.now()
        return _move(task, actor, "cancel", now, note=_note(note, required=True), finished_at=now)

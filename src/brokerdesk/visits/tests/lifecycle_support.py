"""Test helpers for the task lifecycle: tasks put in a queue as generation would, answers that pass a script,
and a call worked from claim to outcome through the services."""

import itertools
from datetime import timedelta

from django.utils import timezone

from brokerdesk.visits.choices import QuestionKind, TaskStatus
from brokerdesk.visits.models import Programme, VisitTask
from brokerdesk.visits.services import (
    OutcomeInput,
    visit_call_start,
    visit_outcome_record,
    visit_task_claim,
)

_cycles = itertools.count(1)


def programme(code: str) -> Programme:
    return Programme.objects.prefetch_related("questions").get(code=code)


def make_task(code: str, customer, *, center=None, due_in_days: int = 5, priority: int | None = None,
              source_ref: str = "", status: str = TaskStatus.PENDING, **fields) -> VisitTask:
    """A pending task of the programme for the client, in a center's queue (center given) or the client's
    branch's."""
    prog = Programme.objects.get(code=code)
    today = timezone.localdate()
    return VisitTask.objects.create(
        programme=prog, customer=customer, cycle=f"test-{next(_cycles)}", branch=customer.home_branch,
        center=center, status=status, priority=prog.priority if priority is None else priority,
        source_ref=source_ref, business_date=today, due_on=today + timedelta(days=due_in_days), **fields)


def clean_answer(question) -> str:
    """An answer of the right kind that is not a finding."""
    if question.kind == QuestionKind.YES_NO:
        return "no" if "yes" in (question.finding_answers or []) else "yes"
    if question.kind == QuestionKind.CHOICE:
        return next(c for c in question.choices if c not in (question.finding_answers or []))
    if question.kind == QuestionKind.RATING:
        return "4"
    return "没有其他意见"


def clean_answers(task: VisitTask, **overrides) -> dict[str, str]:
    """Answers to every question that pass the script and find nothing; overrides by position, e.g.
    clean_answers(task, p40="yes")."""
    answers = {str(q.pk): clean_answer(q) for q in task.programme.questions.all()}
    for key, value in overrides.items():
        question = task.programme.questions.get(position=int(key.removeprefix("p")))
        if value is None:
            answers.pop(str(question.pk), None)
        else:
            answers[str(question.pk)] = value
    return answers


def question_at(task: VisitTask, position: int):
    return task.programme.questions.get(position=position)


def work(actor, task: VisitTask, outcome: str = "completed", *, answers: dict | None = None, note: str = "",
         call_ref: str = "", claim: bool = True) -> VisitTask:
    """Claim (unless already held), call and record the outcome, as the agent would."""
    if claim:
        visit_task_claim(actor=actor, task_id=task.pk)
    visit_call_start(actor=actor, task_id=task.pk, call_ref=call_ref)
    if answers is None:
        answers = clean_answers(task) if outcome == "completed" else {}
    return visit_outcome_record(actor=actor, task_id=task.pk, data=OutcomeInput(outcome=outcome, answers=answers,
                                                                                 note=note))

"""Building return-visit tasks for the page tests: straight from the model, as generation leaves them (pending,
in the client's branch queue or a center's), with the "generate" step in their history."""

import itertools
from datetime import timedelta

from django.utils import timezone

from brokerdesk.visits.models import Programme, VisitTask, VisitTaskEvent

_cycles = itertools.count(1)


def programme(code: str = "new_account") -> Programme:
    return Programme.objects.get(code=code)


def make_task(customer, code: str = "new_account", *, center=None, due_in_days: int = 10, **fields) -> VisitTask:
    now = timezone.now()
    today = timezone.localdate()
    task = VisitTask.objects.create(**{
        "programme": programme(code), "customer": customer, "cycle": f"test-{next(_cycles)}",
        "branch": customer.home_branch, "center": center, "business_date": today,
        "due_on": today + timedelta(days=due_in_days), "priority": programme(code).priority, **fields})
    VisitTaskEvent.objects.create(task=task, at=now, action="generate", to_status=task.status)
    return task


def answers_for(task, **by_position) -> dict:
    """Form data answering every question of the task's script: "yes" to yes/no questions (unless given by
    position, e.g. {"p40": "no"}), the first choice, rating 5, some text."""
    data = {}
    for question in task.programme.questions.order_by("position"):
        value = {"yes_no": "yes", "choice": (question.choices or [""])[0], "rating": "5", "text": "无"}[question.kind]
        if question.finding_answers and question.kind == "yes_no":
            value = "no" if "yes" in question.finding_answers else "yes"  # nothing to report by default
        data[f"q{question.pk}"] = by_position.get(f"p{question.position}", value)
    return data

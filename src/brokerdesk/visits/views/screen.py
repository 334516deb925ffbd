"""What the work screen shows besides the task itself: the client's summary (masked), the programme's script with
its placeholders filled, the calls with their answers as the client gave them, the history with retry times."""

from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.errors import NotFound, PermissionDenied
from brokerdesk.core.masking import mask_name
from brokerdesk.customers.choices import PermissionKind
from brokerdesk.customers.presenters import customer_card
from brokerdesk.visits.choices import QuestionKind, RecordingSource
from brokerdesk.visits.forms import RATINGS, YES_NO

TICKET_PREFIX = "ticket:"


def client_summary(actor, customer) -> dict:
    """The client as the agent needs them for the call, masked: the customers app's card (branch, client manager,
    risk level and expiry, investor category, latest assets, masked phones), held permissions, tier and groups."""
    from brokerdesk.service_plans.selectors.permissions import held_permissions

    card = customer_card(customer)
    labels = dict(PermissionKind.choices)
    return {
        "card": card, "name": mask_name(customer.name, customer.kind),
        "investor_category": customer.get_investor_category_display() if customer.investor_category else "",
        "permissions": [(labels.get(kind, kind), granted_on)
                        for kind, granted_on in sorted(held_permissions(customer).items())],
        "segments": _segments(actor, customer),
    }


def _segments(actor, customer) -> list:
    from brokerdesk.segmentation.selectors import customer_segments

    try:
        current, _history = customer_segments(actor, customer.pk)
    except (NotFound, PermissionDenied):
        return []
    return [membership.segment for membership in current]


def ticket_number(actor, source_ref: str) -> str:
    """The number of the ticket a task was made for ("ticket:<id>"), if the actor may see it."""
    from brokerdesk.tickets.selectors import ticket_get_for_actor

    if not source_ref.startswith(TICKET_PREFIX):
        return ""
    try:
        return str(ticket_get_for_actor(actor, source_ref[len(TICKET_PREFIX):]))
    except NotFound:
        return ""


def placeholders(actor, task, customer) -> dict[str, str]:
    """The script's placeholders: the client's masked name, the company's short name, the calling agent's
    employee number, the client's branch and the ticket number of a complaint callback."""
    worker = task.assignee or actor
    company = task.branch.company
    return {
        "{客户姓名}": mask_name(customer.name, customer.kind),
        "{公司}": company.short_name or company.name,
        "{工号}": worker.employee_no or worker.username,
        "{营业部}": task.branch.name,
        "{工单号}": ticket_number(actor, task.source_ref) or "—",
    }


def fill(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def answer_label(question, value: str) -> str:
    if question is not None and question.kind == QuestionKind.YES_NO:
        return str(dict(YES_NO).get(value, value))
    if question is not None and question.kind == QuestionKind.RATING:
        return str(dict(RATINGS).get(value, value))
    return value


def call_rows(task, questions, texts: dict) -> list[dict]:
    """Each call with its agent, times, outcome, the answers (question text, answer) and the recording."""
    by_id = {str(q.pk): q for q in questions}
    rows = []
    for attempt in task.calls.select_related("agent").order_by("number"):
        answers = [(texts.get(by_id[key].pk, by_id[key].text) if key in by_id else key,
                    answer_label(by_id.get(key), value))
                   for key, value in sorted(attempt.answers.items(),
                                            key=lambda kv: by_id[kv[0]].position if kv[0] in by_id else 10**6)]
        uploaded = attempt.recording_source == RecordingSource.UPLOAD and attempt.recording_ref
        rows.append({"attempt": attempt, "answers": answers, "recording_url": reverse(
            "visits:recording", args=[task.pk, attempt.number]) if uploaded else ""})
    return rows


def history_rows(task) -> list[dict]:
    """The task's events, oldest first, with the retry time an unreachable call scheduled."""
    rows = []
    for event in task.events.select_related("actor").order_by("at", "id"):
        retry_at = None
        if event.details.get("retry_at"):
            try:
                retry_at = datetime.fromisoformat(event.details["retry_at"])
            except ValueError:
                retry_at = None
        rows.append({"event": event, "retry_at": retry_at})
    return rows


def retry_notice(task) -> str:
    """'Retry scheduled: 2026-05-06 16:00' for a task waiting to be called again."""
    if task.status != "pending" or task.not_before is None or not task.attempts:
        return ""
    return _("Retry scheduled: %(at)s") % {
        "at": timezone.localtime(task.not_before).strftime("%Y-%m-%d %H:%M")}

"""What a visit's outcome means for the apps that asked for it: a complaint's satisfaction callback closes its
ticket; the extra return visit of a high-risk sale ends the sale's cooling-off.

Both run inside visit_outcome_record's transaction, after the task has moved: the visit and its consequences
are recorded together or not at all.
"""

import logging

from django.utils.translation import gettext as _

from brokerdesk.core.errors import ValidationFailed
from brokerdesk.service_plans.choices import ServiceEventKind
from brokerdesk.service_plans.models import ServiceEvent
from brokerdesk.service_plans.services.subscriptions import cooling_off_end_after_visit
from brokerdesk.tickets.choices import TicketStatus
from brokerdesk.tickets.models import Ticket
from brokerdesk.tickets.selectors import tickets_visible_to
from brokerdesk.tickets.services import LIMITS, ticket_satisfaction_record
from brokerdesk.visits.choices import Outcome, Purpose, QuestionKind, TaskStatus
from brokerdesk.visits.models import ScriptQuestion, VisitAttempt, VisitTask

log = logging.getLogger(__name__)
TICKET_REF = "ticket:"  # source_ref of a complaint callback: ticket:<ticket id>
HIGH_RISK_SALE_REF = f"event:{ServiceEventKind.HIGH_RISK_SALE}:"  # event:high_risk_sale:<service event id>


def _ref_id(source_ref: str, prefix: str) -> int | None:
    if not source_ref.startswith(prefix):
        return None
    tail = source_ref[len(prefix):]
    return int(tail) if tail.isdigit() and 0 < int(tail) < 2**63 else None


def rating_question(task: VisitTask) -> ScriptQuestion | None:
    """The script's satisfaction question: its first rating question."""
    return next((q for q in task.programme.questions.all() if q.kind == QuestionKind.RATING), None)


def satisfaction_of(task: VisitTask, answers: dict[str, str]) -> int | None:
    """The client's rating (1-5) of the programme's first rating question, for any programme that asks one.

    Decided so: a complaint callback's rating is the complaint's satisfaction, and the annual sample's and core
    clients' scripts ask an overall satisfaction too, which the figures report per programme. None when the
    script asks no rating or the client gave none.
    """
    question = rating_question(task)
    value = answers.get(str(question.pk), "") if question else ""
    return int(value) if value in ("1", "2", "3", "4", "5") else None


def _callback_comment(task: VisitTask, attempt: VisitAttempt) -> tuple[bool, str]:
    """(reached, the comment for the ticket) by how the visit ended."""
    note = attempt.note
    if task.status == TaskStatus.COMPLETED:
        return True, note
    if task.status == TaskStatus.UNREACHABLE:
        why = _("The client could not be reached on the satisfaction callback (%(n)d attempts).") % {
            "n": task.attempts}
    elif task.status == TaskStatus.REFUSED:
        why = _("The client declined the satisfaction callback.")
    else:
        why = _("The satisfaction callback reached a wrong number.")
    return False, f"{why}\n{note}" if note else why


def ticket_callback_close(*, task: VisitTask, attempt: VisitAttempt, actor) -> None:
    """A complaint callback's visit has ended: record the client's satisfaction on the ticket and close it.

    Completed: the rating of the script (required: a complaint cannot close without it). Unreachable after the
    last attempt, refused, wrong number: closed as not reached, saying why. Other programmes: nothing.

    The agent records it as themselves when they may work the ticket (center agents see every ticket). Staff who
    cannot see it (the visit was moved to the client's branch, the ticket was dispatched to another branch)
    still record the visit they were given: the ticket then closes as a step of the system, its history naming
    the visit task and the agent. A ticket no longer awaiting its callback (reopened, closed by hand) is left
    alone.
    """
    if task.programme.purpose != Purpose.COMPLAINT_CALLBACK or task.status == TaskStatus.PENDING:
        return
    ticket_id = _ref_id(task.source_ref, TICKET_REF)
    if ticket_id is None:
        return
    status = Ticket.objects.filter(pk=ticket_id).values_list("status", flat=True).first()
    if status != TicketStatus.SATISFACTION_CALLBACK:
        log.info("visit task %s: ticket %s is %s, not awaiting its callback; left alone", task.pk, ticket_id, status)
        return
    reached, comment = _callback_comment(task, attempt)
    satisfaction = task.satisfaction if reached else None
    if reached and satisfaction is None:
        question = rating_question(task)
        field = f"q{question.pk}" if question else "answers"
        raise ValidationFailed(details={field: [_("The client's satisfaction (1-5) is needed to close the "
                                                  "complaint.")]})
    may_work_ticket = (actor is not None and actor.has_perm("tickets.work_ticket")
                       and tickets_visible_to(actor).filter(pk=ticket_id).exists())
    ticket_satisfaction_record(
        actor=actor if may_work_ticket else None, ticket_id=ticket_id, satisfaction=satisfaction,
        comment=comment[:LIMITS["note"]], reached=reached,
        details={"visit_task": task.pk, "attempt": attempt.number, "agent": getattr(actor, "pk", None)})


def high_risk_sale_close(*, task: VisitTask, actor) -> int:
    """The extra return visit of a high-risk sale to an ordinary investor was completed and found nothing: the
    sale's cooling-off ends now (DOMAIN.md: ≥ 24 h cooling-off *or* one extra return visit). Returns how many
    subscriptions took effect; a visit with findings, or not completed, changes nothing."""
    event_id = _ref_id(task.source_ref, HIGH_RISK_SALE_REF)
    if event_id is None or task.status != TaskStatus.COMPLETED or task.outcome != Outcome.COMPLETED \
            or task.findings.exists():
        return 0
    payload = (ServiceEvent.objects.filter(pk=event_id, kind=ServiceEventKind.HIGH_RISK_SALE)
               .values_list("payload", flat=True).first()) or {}
    check_id = payload.get("check_id")
    if not isinstance(check_id, int):
        return 0
    note = _("Return visit %(task)s completed with nothing found: cooling-off ended early.") % {"task": task.pk}
    return cooling_off_end_after_visit(check_id=check_id, note=note)

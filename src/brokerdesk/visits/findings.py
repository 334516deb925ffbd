"""Findings of a completed visit (staff misconduct, risks not understood) -> compliance (DOMAIN.md "Return visits":
findings of staff misconduct go to compliance).

A script question with a finding kind reports a finding when the client's answer is one of its finding answers
("yes" to "did anyone from the firm trade on your behalf?"). All findings of one visit go into one ticket (kind
"return-visit finding", channel "return visit", for the visit's client), which the system sends at once to the
compliance department as a supervision ticket (tickets.services.ticket_dispatch with no actor: the rule
dispatches, not the agent, and branch staff who work branch visits may not dispatch at all). Everything runs in
visit_outcome_record's transaction: the visit, its findings and the ticket are recorded together or not at all.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from brokerdesk.core.masking import mask_name
from brokerdesk.org.choices import DepartmentKind
from brokerdesk.org.models import Department
from brokerdesk.tickets.choices import Priority, TicketChannel, TicketKind
from brokerdesk.tickets.services import LIMITS, TicketInput, ticket_create, ticket_dispatch
from brokerdesk.visits.choices import FindingKind, QuestionKind
from brokerdesk.visits.models import ScriptQuestion, VisitAttempt, VisitFinding, VisitTask

log = logging.getLogger(__name__)
# The compliance department's reply (its findings and measures) is due within these working days; the ticket's
# resolution clock (SLA policy "return-visit finding", 5 working days) leaves HQ time to review it.
REPLY_WORKING_DAYS = 3


def findings_of(task: VisitTask, answers: dict[str, str]) -> list[tuple[ScriptQuestion, str]]:
    """The (question, answer) pairs of the answers that are findings, in script order."""
    return [(question, answers[str(question.pk)]) for question in task.programme.questions.all()
            if question.finding_kind and str(question.pk) in answers
            and answers[str(question.pk)] in (question.finding_answers or [])]


def findings_report(*, task: VisitTask, attempt: VisitAttempt, answers: dict[str, str], actor,
                    now: datetime) -> list[VisitFinding]:
    """Record the visit's findings and send them to compliance in one ticket; [] when the visit found nothing."""
    from brokerdesk.visits.services import visit_event_record  # services calls this module

    found = findings_of(task, answers)
    if not found:
        return []
    department = (Department.objects.filter(kind=DepartmentKind.COMPLIANCE, company_id=task.branch.company_id)
                  .order_by("code").first())
    with translation.override(settings.LANGUAGE_CODE):  # a record for compliance, whatever the agent's language
        data = _ticket_input(task, attempt, found, actor, now)
        instructions = _("A return visit found possible staff misconduct (see the description). Look into it "
                         "and reply with what you found and the measures taken.")
    # Accepted at once when it can be dispatched (dispatching needs an accepted ticket); with no compliance
    # department configured it waits as new in HQ's queue, on the policy's first-response clock.
    ticket = ticket_create(actor=None, data=data, accept=department is not None)
    if department is not None:
        ticket_dispatch(actor=None, ticket_id=ticket.pk, instructions=instructions, department_id=department.pk,
                        reply_within_days=REPLY_WORKING_DAYS)
    else:
        log.warning("visit task %s: no compliance department; finding ticket %s waits in the queue", task.pk,
                    ticket.number)
    results = []
    for question, answer in found:
        finding = VisitFinding.objects.create(task=task, attempt=attempt, kind=question.finding_kind,
                                              question=question, answer=answer, ticket=ticket, created_at=now)
        visit_event_record(task, actor, "finding", now, details={
            "finding": finding.pk, "kind": finding.kind, "question": question.pk, "answer": answer,
            "ticket": ticket.pk, "ticket_number": ticket.number,
            "department": department.pk if department else None})
        results.append(finding)
    return results


def _answer_label(question: ScriptQuestion, answer: str) -> str:
    if question.kind == QuestionKind.YES_NO:
        return _("Yes") if answer == "yes" else _("No")
    return answer


def _ticket_input(task: VisitTask, attempt: VisitAttempt, found: list[tuple[ScriptQuestion, str]], actor,
                  now: datetime) -> TicketInput:
    customer = task.customer
    kinds = list(dict.fromkeys(FindingKind(question.finding_kind).label for question, _answer in found))
    subject = _("Return-visit finding: %(findings)s (client %(name)s)") % {
        "findings": _list_separator().join(str(kind) for kind in kinds),
        "name": mask_name(customer.name, customer.kind)}
    lines = [_("Return visit “%(programme)s” (task %(task)s, call %(attempt)d on %(at)s by %(agent)s) found:") % {
        "programme": task.programme.name, "task": task.pk, "attempt": attempt.number,
        "at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"), "agent": _agent_name(actor)}, ""]
    for i, (question, answer) in enumerate(found, start=1):
        lines += [f"{i}. {FindingKind(question.finding_kind).label}",
                  "   " + _("Question: %(text)s") % {"text": question.text},
                  "   " + _("Answer: %(answer)s") % {"answer": _answer_label(question, answer)}]
    if attempt.note:
        lines += ["", _("Agent's note: %(note)s") % {"note": attempt.note}]
    description = "\n".join(lines)[:LIMITS["description"]]
    return TicketInput(kind=TicketKind.VISIT_FINDING, channel=TicketChannel.RETURN_VISIT,
                       subject=subject[:LIMITS["subject"]], description=description, customer_id=customer.pk,
                       interaction_ref=attempt.call_ref[:LIMITS["interaction_ref"]], source_ref=f"visit_task:{task.pk}",
                       priority=Priority.HIGH)


def _list_separator() -> str:
    return "、" if (translation.get_language() or "").startswith("zh") else ", "


def _agent_name(actor) -> str:
    if actor is None:
        return _("the system")
    name = getattr(actor, "display_name", "") or actor.get_username()
    employee_no = getattr(actor, "employee_no", "")
    return f"{name} ({employee_no})" if employee_no else name

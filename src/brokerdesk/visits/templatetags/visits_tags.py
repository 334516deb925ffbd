"""Template filters of the return-visit pages."""

from django import template
from django.utils import timezone

from brokerdesk.core.masking import mask_name

register = template.Library()


@register.filter
def masked_name(customer) -> str:
    """A client's name as lists show it (张**)."""
    return mask_name(customer.name, customer.kind) if customer is not None else ""


@register.filter
def is_overdue(task) -> bool:
    """An open task past its due date."""
    return bool(task.is_open and task.due_on < timezone.localdate())


@register.filter
def finding_answer(finding) -> str:
    """A finding's answer as the script offers it (是 / 否 for yes-no questions)."""
    from brokerdesk.visits.views.screen import answer_label

    return answer_label(finding.question, finding.answer)

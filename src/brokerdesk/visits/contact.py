"""The number to dial for a return visit: masked on the page, shown in full on request, every such read audited.

Staff who may unmask clients (customers.unmask_customer: branch staff, client managers...) go through the
customers app's own unmask (the same audit event, "pii.unmask"). Call-center agents do not hold that
permission, yet must dial the client of the visit they are working: the holder of an open task (claimed or in
call) may read that one client's phone numbers, and nothing else of the client; the read is audited as
"pii.unmask" with the fields ["phones"] and the task. Anyone else is refused (and the refusal audited).
"""

from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import NotFound, PermissionDenied
from brokerdesk.core.permissions import require_permission
from brokerdesk.core.scoping import database_id
from brokerdesk.customers.services import customer_unmask
from brokerdesk.visits.choices import TaskStatus
from brokerdesk.visits.selectors import tasks_visible_to

DIALLING_STATUSES = (TaskStatus.CLAIMED, TaskStatus.IN_CALL)


def visit_phone_reveal(*, actor, task_id) -> list[str]:
    """The full phone numbers of the task's client, primary first."""
    require_permission(actor, "visits.view_visittask", "visits.visit_phone_reveal")
    task = tasks_visible_to(actor).select_related("customer").filter(pk=database_id(task_id)).first()
    if task is None:
        raise NotFound()
    reason = _("Return visit %(task)s") % {"task": task.pk}
    if actor.has_perm("customers.unmask_customer"):
        return list(customer_unmask(actor=actor, customer_id=task.customer_id, reason=reason).phones)
    if task.assignee_id != actor.pk or task.status not in DIALLING_STATUSES or not actor.has_perm(
            "visits.work_visit"):
        audit_record(actor=actor, action="access.denied", object_type="visit_task", object_id=task.pk,
                     details={"attempted": "visits.visit_phone_reveal", "why": "not the open task's holder"})
        raise PermissionDenied(_("Only the agent working this visit may see the number."))
    phones = list(task.customer.phones.order_by("-is_primary", "pk").values_list("number", flat=True))
    audit_record(actor=actor, action="pii.unmask", object_type="customer", object_id=task.customer_id,
                 details={"fields": ["phones"], "reason": reason, "visit_task": task.pk})
    return phones

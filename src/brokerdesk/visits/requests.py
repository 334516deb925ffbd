"""Return visits requested one client at a time: an agent during a call ("call the client back about it"), branch
staff after a conversation. The programme is an on-request one (seeded: "requested", 预约回访); its policy says who
works the task (the call center serving the client's branch, or the branch) and its due window how soon."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.errors import Conflict, FieldErrors
from brokerdesk.core.permissions import require_permission
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.visits.choices import OPEN_STATUSES, AssigneePolicy, Audience, TaskAction, TaskStatus
from brokerdesk.visits.generate import add_working_days, business_today
from brokerdesk.visits.models import Programme, VisitTask
from brokerdesk.visits.services import visit_event_record

REQUESTED = "requested"
MAX_NOTE = 500


def requestable_programmes():
    return Programme.objects.filter(is_active=True, audience=Audience.ON_REQUEST).order_by("priority", "code")


def visit_task_request(*, actor, customer_id, note: str, programme_code: str = REQUESTED,
                       source_ref: str = "") -> VisitTask:
    """One pending task for the client in the programme's queue, due within its window; Conflict when the client
    already has an open task of that programme."""
    require_permission(actor, "visits.work_visit", "visits.visit_task_request")
    customer = customer_get_for_actor(actor, customer_id)
    note = (note or "").strip()
    errors = FieldErrors()
    if not note:
        errors.add("note", _("Say what the visit is about."))
    elif len(note) > MAX_NOTE:
        errors.add("note", _("At most %(n)d characters.") % {"n": MAX_NOTE})
    programme = requestable_programmes().filter(code=programme_code).first()
    if programme is None:
        errors.add("programme", _("No active on-request programme has this code."))
    errors.raise_if_any()
    now = timezone.now()
    day = business_today()
    branch = customer.home_branch
    center_id = branch.serving_center_id if programme.assignee_policy == AssigneePolicy.CALL_CENTER else None
    if VisitTask.objects.filter(programme=programme, customer=customer, status__in=OPEN_STATUSES).exists():
        raise Conflict(_("The client already has an open “%(programme)s” visit.") % {"programme": programme.name})
    try:
        with transaction.atomic():
            task = VisitTask.objects.create(
                programme=programme, customer=customer, cycle=f"request:{now:%Y%m%dT%H%M%S.%f}", branch=branch,
                center_id=center_id, status=TaskStatus.PENDING, priority=programme.priority,
                source_ref=source_ref[:60], business_date=day,
                due_on=add_working_days(day, programme.due_working_days))
            visit_event_record(task, actor, TaskAction.REQUEST, now, new=TaskStatus.PENDING, note=note)
    except IntegrityError:  # a concurrent request for the same client (one open task per programme and client)
        raise Conflict(_("The client already has an open “%(programme)s” visit.")
                       % {"programme": programme.name}) from None
    return task

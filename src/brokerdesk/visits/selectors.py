"""Return-visit reads, each starting from tasks_visible_to(actor): branch staff see their branch's clients'
tasks; center and HQ staff see all. "Not yours" is NotFound."""

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from brokerdesk.core.errors import NotFound
from brokerdesk.core.scoping import database_id, visible_to
from brokerdesk.org.choices import Scope
from brokerdesk.org.models import Branch, ContactCenter, Staff
from brokerdesk.org.selectors import branch_choices, staff_holding
from brokerdesk.visits.choices import TaskStatus
from brokerdesk.visits.models import Programme, VisitTask


def tasks_visible_to(actor) -> QuerySet[VisitTask]:
    if actor is None or not actor.has_perm("visits.view_visittask"):
        return VisitTask.objects.none()
    return visible_to(actor, VisitTask.objects.all(), branch_field="branch_id")


def task_get_for_actor(actor, task_id) -> VisitTask:
    task = (tasks_visible_to(actor)
            .select_related("programme", "customer", "customer__home_branch", "branch", "center", "assignee")
            .filter(pk=database_id(task_id)).first())
    if task is None:
        raise NotFound()
    return task


def queue_of(actor) -> Q:
    """The queue an actor works: a center agent their center's tasks, branch staff their branch's (those not
    given to a center), company-scoped staff any."""
    if actor.scope == Scope.COMPANY:
        return Q()
    if actor.scope == Scope.CENTER:
        return Q(center_id=actor.center_id) if actor.center_id else Q(pk__in=[])
    return Q(center__isnull=True, branch_id=actor.branch_id) if actor.branch_id else Q(pk__in=[])


def claimable_tasks(actor, now: datetime | None = None) -> QuerySet[VisitTask]:
    """Pending tasks of the actor's queue that may be called now (a retry waits for its not_before), in
    claiming order: due first, then priority."""
    now = now or timezone.now()
    if actor is None or not actor.has_perm("visits.work_visit"):
        return VisitTask.objects.none()
    return (tasks_visible_to(actor).filter(queue_of(actor), status=TaskStatus.PENDING)
            .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
            .order_by("due_on", "priority", "id"))


def tasks_in_hand(actor) -> QuerySet[VisitTask]:
    """The actor's claimed and in-call tasks."""
    return (tasks_visible_to(actor).filter(assignee=actor, status__in=(TaskStatus.CLAIMED, TaskStatus.IN_CALL))
            .select_related("programme", "customer").order_by("due_on", "priority", "id"))


def may_work(actor, task: VisitTask) -> bool:
    """Whether the task lies in the actor's queue (claiming, calling)."""
    if actor.scope == Scope.COMPANY:
        return True
    if actor.scope == Scope.CENTER:
        return task.center_id is not None and task.center_id == actor.center_id
    return task.center_id is None and task.branch_id == actor.branch_id


def programmes_active() -> QuerySet[Programme]:
    return Programme.objects.filter(is_active=True).prefetch_related("questions")


STAFF_LIST_LIMIT = 500


def visit_workers(actor, *, branch_id: int | None = None) -> list[Staff]:
    """Staff who work return visits and whom the actor may name: everyone for HQ and center staff, else the
    actor's branch. With branch_id, only those who could work that branch's clients (center and HQ staff, and
    that branch's own staff), as the reassignment service requires."""
    workers = staff_holding("visits", "work_visit")
    if not actor.sees_all_branches:
        workers = workers.filter(scope=Scope.BRANCH, branch_id=actor.branch_id)
    if branch_id is not None:
        workers = workers.filter(Q(scope__in=(Scope.COMPANY, Scope.CENTER)) | Q(branch_id=branch_id))
    return list(workers.select_related("center", "branch").distinct()
                .order_by("center__code", "branch__code", "username")[:STAFF_LIST_LIMIT])


def visible_branches(actor) -> QuerySet[Branch]:
    branches = branch_choices()
    return branches if actor.sees_all_branches else branches.filter(pk=actor.branch_id)


def contact_centers() -> QuerySet[ContactCenter]:
    return ContactCenter.objects.order_by("code")

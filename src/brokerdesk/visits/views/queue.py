"""The return-visit queue: what the agent holds, what their team's queue offers now (and the retries waiting for
their time), "claim next"; for supervisors and reviewers, every task in their scope with filters."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from brokerdesk.core.errors import ApplicationError
from brokerdesk.visits import selectors, services
from brokerdesk.visits.choices import OPEN_STATUSES, TaskStatus
from brokerdesk.visits.models import Programme
from brokerdesk.visits.views.common import flag, int_or_none, page_number, paged

IN_HAND_LIMIT = 50
WAITING_LIMIT = 20
UNASSIGNED = "none"


@dataclass(frozen=True)
class TaskFilter:
    status: str = "open"  # "open", "all" or one TaskStatus
    programme: int | None = None
    branch: int | None = None
    center: int | None = None
    assignee: str = ""  # "", "none" (nobody) or a staff id
    overdue: bool = False


def _task_filter(request) -> TaskFilter:
    status = request.GET.get("status", "open")
    assignee = request.GET.get("assignee", "")
    return TaskFilter(
        status=status if status in ("open", "all", *TaskStatus.values) else "open",
        programme=int_or_none(request.GET.get("programme")), branch=int_or_none(request.GET.get("branch")),
        center=int_or_none(request.GET.get("center")),
        assignee=assignee if assignee == UNASSIGNED or int_or_none(assignee) else "",
        overdue=flag(request, "overdue"))


def _filtered(tasks, filters: TaskFilter, today):
    if filters.status == "open":
        tasks = tasks.filter(status__in=OPEN_STATUSES)
    elif filters.status in TaskStatus.values:
        tasks = tasks.filter(status=filters.status)
    if filters.programme:
        tasks = tasks.filter(programme_id=filters.programme)
    if filters.branch:
        tasks = tasks.filter(branch_id=filters.branch)
    if filters.center:
        tasks = tasks.filter(center_id=filters.center)
    if filters.assignee == UNASSIGNED:
        tasks = tasks.filter(assignee__isnull=True)
    elif filters.assignee:
        tasks = tasks.filter(assignee_id=int(filters.assignee))
    if filters.overdue:
        tasks = tasks.filter(due_on__lt=today, status__in=OPEN_STATUSES)
    return tasks


def _views_of(user) -> tuple[bool, bool]:
    """(may work a queue, may see every task in scope): supervisors and reviewers (visits.assign_visit) see
    all; so does anyone who may look at visits without working them (compliance)."""
    can_work = user.has_perm("visits.work_visit")
    return can_work, user.has_perm("visits.assign_visit") or not can_work


@login_required
@permission_required("visits.view_visittask", raise_exception=True)
@require_GET
def queue(request):
    user = request.user
    can_work, can_see_all = _views_of(user)
    view = "all" if not can_work or (can_see_all and request.GET.get("view") == "all") else "mine"
    now = timezone.now()
    today = timezone.localdate()
    filters = _task_filter(request)
    page = page_number(request)
    context = {"view": view, "can_work": can_work, "can_see_all": can_see_all, "filters": filters, "today": today,
               "programmes": Programme.objects.order_by("priority", "code"), "now": now}
    if view == "mine":
        claimable = selectors.claimable_tasks(user, now)
        if filters.programme:
            claimable = claimable.filter(programme_id=filters.programme)
        if filters.overdue:
            claimable = claimable.filter(due_on__lt=today)
        context |= {
            "in_hand": list(selectors.tasks_in_hand(user).select_related("customer__home_branch")[:IN_HAND_LIMIT]),
            "page": paged(claimable.select_related("programme", "customer", "branch", "center"), page),
            "waiting": list(selectors.tasks_visible_to(user)
                            .filter(selectors.queue_of(user), status=TaskStatus.PENDING, not_before__gt=now)
                            .select_related("programme", "customer").order_by("not_before", "id")[:WAITING_LIMIT]),
        }
    else:
        tasks = _filtered(selectors.tasks_visible_to(user), filters, today)
        order = ("due_on", "priority", "id") if filters.status in ("open", *OPEN_STATUSES) else ("-id",)
        context |= {
            "page": paged(tasks.select_related("programme", "customer", "branch", "center", "assignee")
                          .order_by(*order), page),
            "statuses": TaskStatus.choices, "branches": selectors.visible_branches(user),
            "centers": selectors.contact_centers(),
            "assignees": selectors.visit_workers(user),
        }
    query = request.GET.copy()
    query.pop("page", None)
    context["query"] = query.urlencode()
    return render(request, "visits/queue.html", context)


@login_required
@permission_required("visits.work_visit", raise_exception=True)
@require_POST
def claim_next(request):
    """The queue's "claim next": the most urgent claimable task of the agent's queue, opened at once."""
    try:
        task = services.visit_task_claim_next(actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("visits:queue")
    if task is None:
        messages.info(request, _("Nothing to claim: your queue is empty for now."))
        return redirect("visits:queue")
    return redirect("visits:detail", task.pk)

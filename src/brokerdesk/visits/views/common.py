"""What the return-visit pages share: paging without counting, lenient parsing of query values, the staff and
teams a task can be given to."""

from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.http import Http404

from brokerdesk.core.errors import NotFound
from brokerdesk.org.choices import Scope
from brokerdesk.org.models import Branch, ContactCenter, Staff
from brokerdesk.visits import selectors
from brokerdesk.visits.models import VisitTask

PAGE_SIZE = 25
STAFF_LIST_LIMIT = 500


@dataclass
class Page:
    items: list
    page: int
    has_next: bool


def paged(queryset: QuerySet, page: int, page_size: int = PAGE_SIZE) -> Page:
    """One page and whether another follows, from page_size + 1 rows: no COUNT(*) over a queue that may hold
    hundreds of thousands of tasks (the pager offers "next" when one more row exists)."""
    offset = (page - 1) * page_size
    rows = list(queryset[offset:offset + page_size + 1])
    return Page(items=rows[:page_size], page=page, has_next=len(rows) > page_size)


def page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), 100_000))
    except ValueError:
        return 1


def flag(request, name: str) -> bool:
    return request.GET.get(name) in ("1", "on", "true")


def int_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def task_or_404(user, task_id) -> VisitTask:
    try:
        return selectors.task_get_for_actor(user, task_id)
    except NotFound:
        raise Http404 from None


def _holders_of(codename: str) -> QuerySet[Staff]:
    permission = Permission.objects.filter(content_type__app_label="visits", codename=codename).first()
    if permission is None:
        return Staff.objects.none()
    return Staff.objects.filter(Q(groups__permissions=permission) | Q(user_permissions=permission)
                                | Q(is_superuser=True), is_active=True)


def visit_workers(actor, *, branch_id: int | None = None) -> list[Staff]:
    """Staff who work return visits and whom the actor may name: everyone for HQ and center staff, else the
    actor's branch. With branch_id, only those who could work that branch's clients (center and HQ staff, and
    that branch's own staff), as the reassignment service requires."""
    workers = _holders_of("work_visit")
    if not actor.sees_all_branches:
        workers = workers.filter(scope=Scope.BRANCH, branch_id=actor.branch_id)
    if branch_id is not None:
        workers = workers.filter(Q(scope__in=(Scope.COMPANY, Scope.CENTER)) | Q(branch_id=branch_id))
    return list(workers.select_related("center", "branch").distinct()
                .order_by("center__code", "branch__code", "username")[:STAFF_LIST_LIMIT])


def visible_branches(actor) -> QuerySet[Branch]:
    branches = Branch.objects.filter(is_active=True).order_by("code")
    return branches if actor.sees_all_branches else branches.filter(pk=actor.branch_id)


def contact_centers() -> QuerySet[ContactCenter]:
    return ContactCenter.objects.order_by("code")

"""What the return-visit pages share: paging without counting, lenient parsing of query values, the task or
404."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from brokerdesk.core.errors import NotFound
from brokerdesk.visits import selectors
from brokerdesk.visits.models import VisitTask

PAGE_SIZE = 25


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

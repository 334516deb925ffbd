"""Ticket reads, each starting from tickets_visible_to(actor): branch staff see their branch's tickets (their
clients' and those dispatched to them); HQ and center staff see all. "Not yours" is NotFound."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from brokerdesk.core.errors import NotFound
from brokerdesk.core.scoping import database_id, visible_to
from brokerdesk.org.choices import Role, Scope
from brokerdesk.org.models import Branch, Department, Staff
from brokerdesk.tickets.choices import OPEN_STATUSES, SupervisionStatus, TicketStatus
from brokerdesk.tickets.models import SupervisionOrder, Ticket

QUEUE_PAGE_SIZE = 50


def tickets_visible_to(actor) -> QuerySet[Ticket]:
    if actor is None or not actor.has_perm("tickets.view_ticket"):
        return Ticket.objects.none()
    return visible_to(actor, Ticket.objects.all(), branch_field="branch_id")


def ticket_get_for_actor(actor, ticket_id) -> Ticket:
    ticket = (tickets_visible_to(actor)
              .select_related("customer", "customer__home_branch", "branch", "department", "owner", "created_by",
                              "category")
              .filter(pk=database_id(ticket_id)).first())
    if ticket is None:
        raise NotFound()
    return ticket


@dataclass(frozen=True)
class QueueFilter:
    status: str = "open"  # "open", "all", or one TicketStatus value
    kind: str = ""
    mine: bool = False
    overdue: bool = False
    major: bool = False
    branch_id: int | None = None
    query: str = ""  # a ticket number, or a subject fragment


@dataclass
class QueuePage:
    items: list
    page: int
    has_next: bool


def ticket_queue(actor, filters: QueueFilter, *, page: int = 1, page_size: int = QUEUE_PAGE_SIZE,
                 now: datetime | None = None) -> QueuePage:
    """The work queue, most urgent first (resolution due, then id), one page at a time.

    No total count: counting a million-row queue on every page view costs more than the page itself; the
    pager offers the next page when one more row exists. The order matches the queue indexes (ticket_queue_*).
    """
    now = now or timezone.now()
    tickets = tickets_visible_to(actor)
    if filters.status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif filters.status in TicketStatus.values:
        tickets = tickets.filter(status=filters.status)
    if filters.kind:
        tickets = tickets.filter(kind=filters.kind)
    if filters.mine:
        tickets = tickets.filter(owner=actor)
    if filters.overdue:
        tickets = tickets.filter(resolution_due__lt=now)
    if filters.major:
        tickets = tickets.filter(is_major=True)
    if filters.branch_id:
        tickets = tickets.filter(branch_id=filters.branch_id)
    query = filters.query.strip()
    if query:
        tickets = tickets.filter(number=query.upper()) if query.upper().startswith("TK") else \
            tickets.filter(subject__icontains=query)
    page = max(1, page)
    offset = (page - 1) * page_size
    rows = list(tickets.select_related("customer", "branch", "owner", "category")
                .order_by("resolution_due", "id")[offset:offset + page_size + 1])
    return QueuePage(items=rows[:page_size], page=page, has_next=len(rows) > page_size)


def supervision_queue(actor) -> QuerySet[SupervisionOrder]:
    """Supervision tickets awaiting this actor's branch (or department): what the branch must answer."""
    orders = SupervisionOrder.objects.filter(
        status__in=[SupervisionStatus.OPEN, SupervisionStatus.RETURNED]).select_related("ticket", "target_branch")
    if actor.sees_all_branches:
        return orders.order_by("reply_by", "id")
    return orders.filter(Q(target_branch_id=actor.branch_id) | Q(target_department_id=actor.department_id)
                         if actor.department_id else Q(target_branch_id=actor.branch_id)).order_by("reply_by", "id")


def ticket_history(ticket: Ticket):
    return ticket.events.select_related("actor").order_by("at", "id")


def handover_candidates(actor, ticket: Ticket, *, limit: int = 200) -> list[Staff]:
    """Who actor may hand the ticket over to: active staff who work on tickets and can see this one (HQ and center
    staff, or staff of its branch). ticket_handover checks the same again."""
    may_see = Q(scope__in=[Scope.COMPANY, Scope.CENTER]) | Q(branch_id=ticket.branch_id) if ticket.branch_id \
        else Q(scope__in=[Scope.COMPANY, Scope.CENTER])
    workers = Staff.objects.filter(is_active=True, groups__permissions__content_type__app_label="tickets",
                                   groups__permissions__codename="work_ticket")
    return list(workers.filter(may_see).exclude(pk=actor.pk).distinct().order_by("username")[:limit])


def dispatch_branches(actor) -> QuerySet[Branch]:
    """The branches HQ may dispatch a supervision ticket to (nothing for staff who may not dispatch)."""
    if not (actor.has_perm("tickets.dispatch_ticket") and actor.sees_all_branches):
        return Branch.objects.none()
    return Branch.objects.filter(is_active=True).order_by("code")


def dispatch_departments(actor) -> QuerySet[Department]:
    if not (actor.has_perm("tickets.dispatch_ticket") and actor.sees_all_branches):
        return Department.objects.none()
    return Department.objects.order_by("code")


def supervisors_for(ticket: Ticket) -> list[Staff]:
    """Who hears of a breach besides the owner: the supervisors of the owner's center (or of every center when
    the ticket has no owner yet)."""
    supervisors = Staff.objects.filter(is_active=True, groups__name=Role.SUPERVISOR)
    if ticket.owner_id and ticket.owner.center_id:
        supervisors = supervisors.filter(center_id=ticket.owner.center_id)
    return list(supervisors.distinct())


def customer_tickets(actor, customer, limit: int = 20) -> list[Ticket]:
    return list(tickets_visible_to(actor).filter(customer=customer).order_by("-created_at")[:limit])

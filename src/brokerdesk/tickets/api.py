"""/api/v1/tickets: intake from WeChat, web chat and other systems; reading tickets, scoped like the pages."""

from ninja import Query, Router, Schema
from pydantic import Field

from brokerdesk.core.api_types import ERROR_RESPONSES, CleanStr, Page, PageNumber, PageSize
from brokerdesk.core.errors import ValidationFailed
from brokerdesk.customers.selectors import customers_visible_to
from brokerdesk.org.api_auth import require_scope
from brokerdesk.tickets import selectors, services
from brokerdesk.tickets.choices import TicketChannel, TicketKind
from brokerdesk.tickets.models import TicketCategory
from brokerdesk.tickets.schemas import NoteIn, TicketDetailOut, TicketIn, TicketOut

router = Router(tags=["tickets"])
API_CHANNELS = (TicketChannel.WECHAT, TicketChannel.WEB_CHAT, TicketChannel.API)
API_KINDS = (TicketKind.CONSULTATION, TicketKind.COMPLAINT, TicketKind.SUGGESTION, TicketKind.SERVICE_REQUEST)


class QueueQuery(Schema):
    status: str = Field("open", description="open, all, or one status")
    kind: str = ""
    q: CleanStr = Field("", max_length=60)
    page: PageNumber = 1
    page_size: PageSize = 50


@router.post("", response={201: TicketOut, **ERROR_RESPONSES}, summary="Create a ticket (WeChat, web chat, API)")
def ticket_create(request, payload: TicketIn):
    require_scope(request, "tickets:write")
    problems = {}
    if payload.channel not in API_CHANNELS:
        problems["channel"] = [f"one of: {', '.join(API_CHANNELS)}"]
    if payload.kind not in API_KINDS:
        problems["kind"] = [f"one of: {', '.join(API_KINDS)} (regulator referrals are recorded on the page)"]
    category = None
    if payload.category:
        category = TicketCategory.objects.filter(code=payload.category, is_active=True).first()
        if category is None:
            problems["category"] = ["unknown category code"]
    customer_id = None
    if payload.customer_no:
        customer_id = customers_visible_to(request.user).filter(customer_no=payload.customer_no).values_list(
            "pk", flat=True).first()
        if customer_id is None:
            problems["customer_no"] = ["no client with this number"]
    if problems:
        raise ValidationFailed(details=problems)
    ticket = services.ticket_create(actor=request.user, data=services.TicketInput(
        kind=payload.kind, channel=payload.channel, subject=payload.subject, description=payload.description,
        category_id=category.pk if category else None, customer_id=customer_id,
        contact_name=payload.contact_name, contact_phone=payload.contact_phone, contact_email=payload.contact_email,
        source_ref=payload.source_ref, amount_involved=payload.amount_involved))
    return 201, ticket


@router.get("", response={200: Page[TicketOut], **ERROR_RESPONSES}, summary="The ticket queue, most urgent first")
def ticket_list(request, query: Query[QueueQuery]):
    require_scope(request, "tickets:read")
    page = selectors.ticket_queue(request.user, selectors.QueueFilter(status=query.status, kind=query.kind,
                                                                      query=query.q),
                                  page=query.page, page_size=query.page_size)
    # No total (see ticket_queue); count says how many are on this page, plus one when another page follows.
    return {"items": page.items, "count": (query.page - 1) * query.page_size + len(page.items) + page.has_next,
            "page": page.page, "page_size": query.page_size}


@router.get("/{int:ticket_id}", response={200: TicketDetailOut, **ERROR_RESPONSES}, summary="A ticket with history")
def ticket_detail(request, ticket_id: int):
    require_scope(request, "tickets:read")
    ticket = selectors.ticket_get_for_actor(request.user, ticket_id)
    ticket.history = [{"at": e.at, "action": e.action, "from_status": e.from_status, "to_status": e.to_status,
                       "by": str(e.actor or ""), "note": e.note} for e in selectors.ticket_history(ticket)]
    return ticket


@router.post("/{int:ticket_id}/notes", response={201: TicketDetailOut, **ERROR_RESPONSES}, summary="Add a note")
def ticket_note_add(request, ticket_id: int, payload: NoteIn):
    require_scope(request, "tickets:write")
    services.ticket_note_add(actor=request.user, ticket_id=ticket_id, note=payload.note)
    return 201, ticket_detail(request, ticket_id)

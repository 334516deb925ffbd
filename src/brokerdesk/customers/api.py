"""/api/v1/customers: search, screen-pop lookup, 360, create, notes, audited unmask."""

from dataclasses import asdict

from django.conf import settings
from ninja import Query, Router, Schema
from pydantic import Field

from brokerdesk.core.api_types import ERROR_RESPONSES, CleanStr, Page, PageNumber, PageSize
from brokerdesk.core.errors import ValidationFailed
from brokerdesk.customers import selectors, services
from brokerdesk.customers.identity import InvalidValue, normalize_phone
from brokerdesk.customers.presenters import customer_card
from brokerdesk.customers.schemas import (
    Customer360Out,
    CustomerCardOut,
    CustomerIn,
    NoteIn,
    NoteOut,
    UnmaskIn,
)
from brokerdesk.org.api_auth import require_scope

router = Router(tags=["customers"])


class SearchQuery(Schema):
    q: CleanStr = Field("", max_length=100, description="Name, phone, ID number, capital or shareholder account")
    page: PageNumber = 1
    page_size: PageSize = 20


class LookupQuery(Schema):
    phone: CleanStr = Field(max_length=30, description="Caller number as the PBX delivers it")


@router.get("", response={200: Page[CustomerCardOut], **ERROR_RESPONSES}, summary="Search customers")
def customer_search(request, query: Query[SearchQuery]):
    require_scope(request, "customers:read")
    found = selectors.customer_search(request.user, query.q, page=query.page, page_size=query.page_size)
    return {
        "items": [customer_card(c).as_dict() for c in found.items],
        "count": found.count,
        "page": found.page,
        "page_size": found.page_size,
    }


@router.post("", response={201: CustomerCardOut, **ERROR_RESPONSES}, summary="Create a customer")
def customer_create(request, payload: CustomerIn):
    require_scope(request, "customers:write")
    data = payload.dict()
    data["shareholder_accounts"] = [services.ShareholderAccountInput(**h) for h in data["shareholder_accounts"]]
    customer = services.customer_create(actor=request.user, data=services.CustomerInput(**data))
    return 201, customer_card(customer).as_dict()


@router.get("/lookup", response={200: list[CustomerCardOut], **ERROR_RESPONSES},
            summary="Screen-pop: customers by caller phone number")
def customer_lookup(request, query: Query[LookupQuery]):
    require_scope(request, "customers:read")
    try:
        number = normalize_phone(query.phone, settings.PHONE_DEFAULT_REGION)
    except InvalidValue as exc:
        raise ValidationFailed(details={"phone": [str(exc)]}) from None
    return [customer_card(c).as_dict() for c in selectors.customers_by_phone(request.user, number)]


@router.get("/{int:customer_id}", response={200: Customer360Out, **ERROR_RESPONSES}, summary="Customer 360")
def customer_detail(request, customer_id: int):
    require_scope(request, "customers:read")
    view = selectors.customer_360(request.user, customer_id)
    view["card"] = view["card"].as_dict()
    view["timeline"] = [{**asdict(e), "title": str(e.title)} for e in view["timeline"]]
    return view


@router.post("/{int:customer_id}/unmask", response={200: CustomerCardOut, **ERROR_RESPONSES},
             summary="Unmasked personal data (audited)")
def customer_unmask(request, customer_id: int, payload: UnmaskIn):
    require_scope(request, "pii:unmask")
    return services.customer_unmask(actor=request.user, customer_id=customer_id, reason=payload.reason).as_dict()


@router.post("/{int:customer_id}/notes", response={201: NoteOut, **ERROR_RESPONSES}, summary="Add a note")
def customer_note_add(request, customer_id: int, payload: NoteIn):
    require_scope(request, "customers:write")
    note = services.customer_note_add(actor=request.user, customer_id=customer_id, body=payload.body)
    return 201, {"id": note.pk, "body": note.body, "created_at": note.created_at}

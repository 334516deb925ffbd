from datetime import datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from brokerdesk.core.api_types import CleanStr, InputSchema


class TicketIn(InputSchema):
    """A ticket from another system: WeChat, web chat, a partner portal. The client is found by client number,
    else by phone or email; a ticket whose client cannot be found is still recorded, with the contact details."""

    kind: str = Field(description="consultation, complaint, suggestion, service_request")
    channel: str = Field("api", description="wechat, web_chat or api")
    subject: CleanStr = Field(max_length=200)
    description: CleanStr = Field(max_length=10000)
    category: str = Field("", description="A category code, e.g. fees")
    customer_no: CleanStr = Field("", max_length=20)
    contact_name: CleanStr = Field("", max_length=60)
    contact_phone: CleanStr = Field("", max_length=30)
    contact_email: CleanStr = Field("", max_length=254)
    source_ref: CleanStr = Field("", max_length=120, description="The chat session or message id")
    amount_involved: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)


class TicketOut(Schema):
    id: int
    number: str
    kind: str
    channel: str
    status: str
    priority: str
    is_major: bool
    subject: str
    customer_id: int | None
    branch_id: int | None
    owner_id: int | None
    created_at: datetime
    first_response_due: datetime | None
    resolution_due: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


class TicketDetailOut(TicketOut):
    description: str
    resolution: str
    satisfaction: int | None
    history: list[dict]


class NoteIn(InputSchema):
    note: CleanStr = Field(min_length=1, max_length=5000)

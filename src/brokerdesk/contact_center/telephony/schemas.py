"""Request and response bodies of the telephony API (docs/telephony.md)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AwareDatetime, Field, StringConstraints

from brokerdesk.core.api_types import CleanStr, InputSchema

EventId = Annotated[CleanStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
CallRef = Annotated[CleanStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Extension = Annotated[CleanStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Digit = Annotated[str, StringConstraints(pattern=r"^[0-9*#]{1,2}$")]
At = Annotated[AwareDatetime | None, Field(None, description="When it happened (ISO 8601 with a UTC offset); "
                                                             "default: when brokerdesk receives it.")]


class EventIn(InputSchema):
    event_id: EventId = Field(description="Unique per PBX event: the same event_id again is answered from the "
                                          "first time and changes nothing.")
    at: At = None


class CallEventIn(EventIn):
    call_ref: CallRef = Field(description="The PBX's id of the call (Asterisk linkedid / UNIQUEID).")


class OfferedIn(CallEventIn):
    caller: Annotated[CleanStr, StringConstraints(strip_whitespace=True, max_length=40)] = Field(
        description="The caller's number as the PBX sees it (CALLERID(num)); may be empty when withheld.")
    dialled: Annotated[CleanStr, StringConstraints(strip_whitespace=True, max_length=32)] = Field(
        "", description="The number dialled (the national service number).")
    ivr: list[Digit] = Field(default_factory=list, max_length=10, description="The IVR keys pressed, in order.")


class RouteIn(CallEventIn):
    pass


class ExtensionEventIn(CallEventIn):
    extension: Extension


class TransferredIn(CallEventIn):
    command_id: int = Field(ge=1, le=2**62, description="The id of the transfer command the PBX carried out.")


class CallbackIn(CallEventIn):
    kind: Literal["callback", "voicemail"]
    recording_ref: Annotated[CleanStr, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class RecordingIn(CallEventIn):
    recording_ref: Annotated[CleanStr, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class AgentStateIn(EventIn):
    extension: Extension
    state: Literal["available", "break", "offline"]
    reason: Annotated[CleanStr, StringConstraints(strip_whitespace=True, max_length=20)] = Field(
        "", description="With state break: rest, meal, training, meeting, outbound or other (default other).")


class RouteAnswerOut(Schema):
    action: str = Field(description="agent (ring `extension`) | queue (hold, ask calls/route again after "
                                    "`recheck_after` s) | offer_callback | self_service | callback | voicemail | "
                                    "none (nothing to do: the call is over or already put through)")
    call_id: int
    reason: str = ""
    center: str = ""
    skill: str = ""
    priority: int = 0
    extension: str = ""
    recheck_after: float | None = None


class CallStateOut(Schema):
    call_id: int
    call_ref: str
    status: str
    center: str = ""
    extension: str = ""


class TransferredOut(Schema):
    command_id: int
    call_ref: str
    next: RouteAnswerOut = Field(description="What to do with the call now, as calls/route would answer.")


class CallbackOut(Schema):
    callback_id: int
    call_ref: str
    kind: str
    status: str


class RecordingOut(Schema):
    call_ref: str
    attached_to: str = Field(description="call (an inbound call) or visit (a return-visit call)")
    call_id: int | None = None
    visit_task_id: int | None = None
    attempt: int | None = None


class AgentStateOut(Schema):
    extension: str
    state: str
    break_reason: str = ""
    since: datetime


class CommandOut(Schema):
    id: int
    call_ref: str
    kind: str
    target: dict
    created_at: datetime


class CommandsQuery(Schema):
    after: int = Field(0, ge=0, le=2**62, description="Only commands with a larger id.")
    call_ref: Annotated[str, StringConstraints(max_length=64)] = Field(
        "", description="Only this call's commands (a PBX node handling its own calls).")
    limit: int = Field(50, ge=1, le=200)


class SelfServiceIn(InputSchema):
    call_ref: CallRef
    account_no: Annotated[CleanStr, StringConstraints(max_length=20)] = Field(
        description="The capital account number the caller keyed in")
    id_last4: Annotated[CleanStr, StringConstraints(max_length=4)] = Field(
        description="The last four characters of the caller's ID number")


class TradeOut(Schema):
    date: date
    side: str
    market: str
    security_code: str
    quantity: int
    price: Decimal


class SelfServiceOut(Schema):
    as_of: date | None
    total_assets: Decimal
    cash: Decimal
    market_value: Decimal
    recent_trades: list[TradeOut]


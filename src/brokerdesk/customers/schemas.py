from datetime import date, datetime
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from brokerdesk.core.api_types import CleanStr, InputSchema


class CustomerCardOut(Schema):
    id: int
    customer_no: str
    name: str
    kind: str
    kind_label: str
    client_class: str
    client_class_label: str
    status: str
    status_label: str
    id_type: str
    id_type_label: str
    id_number: str = Field(description="Masked (first 3 + last 4) unless read through /unmask")
    phones: list[str]
    branch_code: str
    branch_name: str
    client_manager: str
    investor_category: str
    risk_level: str
    risk_expires_on: date | None
    risk_status: str = Field(description="missing, expired, expiring or valid")
    total_assets: Decimal
    assets_as_of: date | None
    masked: bool
    gender: str
    gender_label: str
    risk_level_label: str
    birth_date: date | None
    email: str
    address: str


class ShareholderAccountIn(InputSchema):
    market: CleanStr = Field(max_length=2, description="SH, SZ or BJ")
    account_no: CleanStr = Field(max_length=20)


class CustomerIn(InputSchema):
    customer_no: CleanStr = Field(max_length=20)
    name: CleanStr = Field(max_length=120)
    id_type: CleanStr = Field(max_length=20, description="resident_id, uscc, passport, hk_macau_permit, other")
    id_number: CleanStr = Field(max_length=40)
    home_branch: CleanStr = Field(max_length=20, description="branch code")
    opened_on: date
    kind: CleanStr = Field("person", max_length=20)
    client_class: CleanStr = Field("mass", max_length=20)
    phones: list[CleanStr] = Field(default_factory=list, max_length=5)
    email: CleanStr = Field("", max_length=254)
    address: CleanStr = Field("", max_length=200)
    client_manager: CleanStr = Field("", max_length=150)
    investor_category: CleanStr = Field("ordinary", max_length=20)
    risk_level: CleanStr = Field("", max_length=2)
    risk_score: int | None = Field(None, ge=0, le=100)
    risk_assessed_on: date | None = None
    is_lowest_category: bool = False
    capital_accounts: list[CleanStr] = Field(default_factory=list, max_length=5)
    shareholder_accounts: list[ShareholderAccountIn] = Field(default_factory=list, max_length=6)


class AccountOut(Schema):
    account_no: str
    currency: str
    is_primary: bool
    status: str
    opened_on: date


class ShareholderAccountOut(Schema):
    market: str
    account_no: str


class PermissionOut(Schema):
    kind: str
    label: str
    granted_on: date
    revoked_on: date | None


class ConsentOut(Schema):
    channel: str
    label: str
    consented: bool
    changed_at: datetime


class HoldingOut(Schema):
    market: str
    security_code: str
    security_name: str
    quantity: int
    cost_price: Decimal
    market_value: Decimal
    as_of: date


class AssetPointOut(Schema):
    date: date
    total_assets: Decimal
    cash: Decimal
    market_value: Decimal


class TradeOut(Schema):
    date: date
    trade_time: str
    security_code: str
    security_name: str
    side: str
    quantity: int
    price: Decimal
    amount: Decimal
    commission: Decimal


class FundTransferOut(Schema):
    date: date
    transfer_time: str
    direction: str
    amount: Decimal
    bank: str


class TimelineEntryOut(Schema):
    at: datetime
    kind: str
    title: str
    body: str
    actor: str
    url: str


class Customer360Out(Schema):
    card: CustomerCardOut
    age: int | None
    capital_accounts: list[AccountOut]
    shareholder_accounts: list[ShareholderAccountOut]
    permissions: list[PermissionOut]
    consents: list[ConsentOut]
    holdings: list[HoldingOut]
    tags: list[str]
    asset_history: list[AssetPointOut]
    trades: list[TradeOut]
    fund_transfers: list[FundTransferOut]
    timeline: list[TimelineEntryOut]


class NoteIn(InputSchema):
    body: CleanStr = Field(min_length=1, max_length=2000)


class NoteOut(Schema):
    id: int
    body: str
    created_at: datetime


class UnmaskIn(InputSchema):
    reason: CleanStr = Field("", max_length=200, description="Why the full data is needed (kept in the audit)")

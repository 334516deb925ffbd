from datetime import date, datetime
from typing import Annotated

from ninja import Schema
from pydantic import Field

from brokerdesk.core.api_types import PageNumber
from brokerdesk.customers.schemas import CustomerCardOut

MembersPageSize = Annotated[int, Field(ge=1, le=500)]


class TrendPointOut(Schema):
    business_date: date
    members: int


class SegmentOut(Schema):
    id: int
    dimension: str = Field(description="tier, style, class, group or tag")
    dimension_label: str
    code: str
    label: str = Field(description="In the request's language (Chinese unless English was chosen)")
    label_zh: str
    label_en: str
    rank: int = Field(description="Order within the dimension; for tiers 0 is the highest")
    members: int = Field(description="Company-wide members after the latest successful run")
    entered: int = Field(description="Clients who entered the segment in that run")
    left: int = Field(description="Clients who left the segment in that run")
    trend: list[TrendPointOut] = Field(description="Members after each of the recent successful runs, oldest first")


class SegmentRefOut(Schema):
    id: int
    dimension: str
    code: str
    label: str
    active: bool = Field(description="False when the published rules no longer define the segment")


class SegmentMembersOut(Schema):
    segment: SegmentRefOut
    items: list[CustomerCardOut] = Field(description="Masked cards, in client-number order")
    count: int = Field(description="Current members the caller may see (the caller's branch scope)")
    page: int
    page_size: int
    pages: int


class SegmentRunOut(Schema):
    id: int
    business_date: date
    rule_set_version: int
    status: str = Field(description="running, succeeded or failed")
    trigger: str = Field(description="nightly, on_demand or command")
    started_by: str
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    clients: int
    entered: int = Field(description="Memberships opened by the run, all segments together")
    left: int = Field(description="Memberships closed by the run")
    message: str


class MembersQuery(Schema):
    page: PageNumber = 1
    page_size: MembersPageSize = 50


class RunsQuery(Schema):
    limit: Annotated[int, Field(ge=1, le=200)] = 30

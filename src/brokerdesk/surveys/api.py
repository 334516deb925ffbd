"""/api/v1/surveys: NPS figures by dimension and period, the branch x period table, response rates, verbatim
keyword themes, and the responses themselves page by page (an export for a BI tool). Every operation needs
surveys.view_nps and, with a token, the scope "surveys:read"; branch staff get their branch's figures only, and
a branch they may not see is 404. Client names are masked."""

from datetime import date, datetime

from ninja import Field, Query, Router, Schema

from brokerdesk.core.api_types import ERROR_RESPONSES, Page, PageNumber, PageSize
from brokerdesk.core.masking import mask_name
from brokerdesk.org.api_auth import require_scope
from brokerdesk.surveys import analytics

router = Router(tags=["surveys"])
SCOPE = "surveys:read"


class FilterQuery(Schema):
    from_: str = Field("", alias="from", max_length=10, description="First day, YYYY-MM-DD (default: 12 months)")
    to: str = Field("", max_length=10, description="Last day, YYYY-MM-DD, inclusive (default: today)")
    unit: str = Field("month", max_length=5, description="Period unit: month, week or day")
    branch: str = Field("", max_length=20, description="A branch id")
    theme: str = Field("", max_length=20, description="A theme id")
    channel: str = Field("", max_length=10, description="sms, email, web or phone")
    segment: str = Field("", max_length=20, description="A segment id (the clients currently in it)")

    def params(self) -> dict:
        return {"from": self.from_, "to": self.to, "unit": self.unit, "branch": self.branch, "theme": self.theme,
                "channel": self.channel, "segment": self.segment}


class NpsQuery(FilterQuery):
    by: str = Field("period", max_length=10, description="branch, segment, theme, channel or period")
    officers: bool = Field(False, description="Experience officers' responses instead of clients'")


class FiltersOut(Schema):
    first_day: date
    last_day: date
    unit: str
    branch: int | None
    theme: int | None
    channel: str
    segment: int | None


class FigureOut(Schema):
    responses: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None = Field(description="% promoters - % detractors, -100..100; null without responses")
    ci_low: float | None = Field(description="95 % confidence interval (normal approximation), clipped")
    ci_high: float | None
    small_sample: bool = Field(description="Fewer than 30 responses (adjusted variance)")


class NpsRowOut(FigureOut):
    key: int | str | None
    label: str


class NpsOut(Schema):
    filters: FiltersOut
    by: str
    officers: bool
    total: FigureOut
    rows: list[NpsRowOut]


class BranchPeriodRowOut(FigureOut):
    branch_id: int | None
    branch: str
    period: str
    period_start: date


class BranchPeriodOut(Schema):
    filters: FiltersOut
    rows: list[BranchPeriodRowOut]


class RateRowOut(Schema):
    key: int | str | None
    label: str
    invited: int
    responded: int
    suppressed: int
    rate: float | None


class RatesOut(Schema):
    filters: FiltersOut
    by: str
    total: RateRowOut
    rows: list[RateRowOut]


class RatesQuery(FilterQuery):
    by: str = Field("campaign", max_length=10, description="campaign or branch")


class ExampleOut(Schema):
    client: str
    branch: str
    score: int
    submitted_at: datetime
    comment: str


class KeywordOut(Schema):
    term: str
    count: int
    share: float
    examples: list[ExampleOut]


class VerbatimGroupOut(Schema):
    group: str
    label: str
    comments: int
    keywords: list[KeywordOut]


class VerbatimsOut(Schema):
    filters: FiltersOut
    officers: bool
    groups: list[VerbatimGroupOut]


class VerbatimQuery(FilterQuery):
    officers: bool = False


class ResponsesQuery(FilterQuery):
    officers: bool = Field(False, description="Experience officers' responses instead of clients'")
    page: PageNumber = 1
    page_size: PageSize = 100


class ResponseOut(Schema):
    id: int
    campaign_id: int
    survey_id: int
    theme_id: int
    branch_id: int | None
    customer_id: int | None
    customer_name: str = Field(description="Masked")
    channel: str
    submitted_at: datetime
    nps_score: int | None
    nps_group: str
    comment: str = Field(description="Phone and ID numbers masked")
    is_experience_officer: bool
    ticket_id: int | None


def _filters(request, query: FilterQuery) -> analytics.Filters:
    require_scope(request, SCOPE)
    analytics.require_view_nps(request.user)
    return analytics.parse_filters(request.user, query.params())


def _filters_out(f: analytics.Filters) -> dict:
    return {"first_day": f.first_day, "last_day": f.last_day, "unit": f.unit, "branch": f.branch_id,
            "theme": f.theme_id, "channel": f.channel, "segment": f.segment_id}


@router.get("/nps", response={200: NpsOut, **ERROR_RESPONSES},
            summary="NPS with its 95 % interval by branch, segment, theme, channel or period")
def surveys_nps(request, query: Query[NpsQuery]):
    filters = _filters(request, query)
    rows = analytics.nps_by(request.user, filters, query.by, officers=query.officers)
    total = analytics.nps_total(request.user, filters, officers=query.officers)
    return {"filters": _filters_out(filters), "by": query.by, "officers": query.officers,
            "total": total.as_dict(), "rows": [r.as_dict() for r in rows]}


@router.get("/nps/branch-period", response={200: BranchPeriodOut, **ERROR_RESPONSES},
            summary="NPS by branch x period (month, week or day)")
def surveys_nps_branch_period(request, query: Query[FilterQuery]):
    filters = _filters(request, query)
    return {"filters": _filters_out(filters), "rows": analytics.branch_month_table(request.user, filters)}


@router.get("/response-rates", response={200: RatesOut, **ERROR_RESPONSES},
            summary="Invited vs responded, by campaign or branch (clients' invitations created in the period)")
def surveys_response_rates(request, query: Query[RatesQuery]):
    filters = _filters(request, query)
    rows = analytics.response_rates(request.user, filters, query.by)
    return {"filters": _filters_out(filters), "by": query.by,
            "total": analytics.response_rate_total(rows).as_dict(), "rows": [r.as_dict() for r in rows]}


@router.get("/verbatims", response={200: VerbatimsOut, **ERROR_RESPONSES},
            summary="Comments grouped by jieba keyword themes, per detractors, passives and promoters")
def surveys_verbatims(request, query: Query[VerbatimQuery]):
    filters = _filters(request, query)
    groups = analytics.verbatims(request.user, filters, officers=query.officers)
    return {"filters": _filters_out(filters), "officers": query.officers,
            "groups": [{"group": g.group, "label": g.label, "comments": g.comments,
                        "keywords": [{"term": k.term, "count": k.count, "share": k.share,
                                      "examples": [e.__dict__ for e in k.examples]} for k in g.keywords]}
                       for g in groups]}


@router.get("/responses", response={200: Page[ResponseOut], **ERROR_RESPONSES},
            summary="Scored responses in the filters, newest first, page by page (masked)")
def surveys_responses(request, query: Query[ResponsesQuery]):
    filters = _filters(request, query)
    qs = analytics.scored_responses(request.user, filters, officers=query.officers)
    offset = (query.page - 1) * query.page_size
    rows = (qs.order_by("-submitted_at", "-pk")
            .values("id", "campaign_id", "survey_id", "theme_id", "branch_id", "customer_id", "customer__name",
                    "customer__kind", "channel", "submitted_at", "nps_score", "nps_group", "comment",
                    "is_experience_officer", "ticket_id")[offset:offset + query.page_size])
    items = []
    for r in rows:
        name, kind = r.pop("customer__name"), r.pop("customer__kind")
        items.append({**r, "customer_name": mask_name(name or "", kind or "person"),
                      "comment": analytics.mask_comment(r["comment"])})
    return {"items": items, "count": qs.count(), "page": query.page, "page_size": query.page_size}

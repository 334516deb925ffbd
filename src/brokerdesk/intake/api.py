"""/api/v1/intake: the batch history (status, counts, errors, duration) for operations and monitoring."""

from datetime import date, datetime

from ninja import Query, Router, Schema

from brokerdesk.core.api_types import ERROR_RESPONSES, Page, PageNumber, PageSize
from brokerdesk.intake import selectors

router = Router(tags=["intake"])


class BatchError(Schema):
    file: str
    row: int | None
    field: str
    value: str
    reason: str


class BatchOut(Schema):
    id: int
    business_date: date | None
    kind: str
    source: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    row_counts: dict[str, int]
    changes: dict[str, int]
    error_total: int
    errors_sample: list[BatchError]
    message: str


class ListQuery(Schema):
    page: PageNumber = 1
    page_size: PageSize = 20


@router.get("/batches", response={200: Page[BatchOut], **ERROR_RESPONSES}, summary="Batch history")
def batch_list(request, query: Query[ListQuery]):
    batches = selectors.batches_visible_to(request.user)
    offset = (query.page - 1) * query.page_size
    return {"items": list(batches[offset : offset + query.page_size]), "count": batches.count(),
            "page": query.page, "page_size": query.page_size}


@router.get("/batches/{int:batch_id}", response={200: BatchOut, **ERROR_RESPONSES}, summary="One batch")
def batch_detail(request, batch_id: int):
    return selectors.batch_get_for_actor(request.user, batch_id)

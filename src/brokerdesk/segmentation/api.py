"""/api/v1/segments: the segment catalogue with counts, a segment's members (scoped, masked), the run history."""

from ninja import Query, Router

from brokerdesk.core.api_types import ERROR_RESPONSES
from brokerdesk.customers.presenters import customer_card
from brokerdesk.org.api_auth import require_scope
from brokerdesk.segmentation import selectors
from brokerdesk.segmentation.schemas import MembersQuery, RunsQuery, SegmentMembersOut, SegmentOut, SegmentRunOut

router = Router(tags=["segments"])


@router.get("", response={200: list[SegmentOut], **ERROR_RESPONSES}, summary="Segment catalogue with counts")
def segment_list(request):
    require_scope(request, "customers:read")
    return [{
        "id": e.segment.pk, "dimension": e.segment.dimension, "dimension_label": e.segment.get_dimension_display(),
        "code": e.segment.code, "label": e.segment.label, "label_zh": e.segment.label_zh,
        "label_en": e.segment.label_en, "rank": e.segment.rank, "members": e.members, "entered": e.entered,
        "left": e.left, "trend": [{"business_date": day, "members": n} for day, n in e.trend],
    } for e in selectors.segment_catalogue(request.user)]


@router.get("/runs", response={200: list[SegmentRunOut], **ERROR_RESPONSES}, summary="Segmentation runs, newest first")
def segment_runs(request, query: Query[RunsQuery]):
    require_scope(request, "customers:read")
    return [{
        "id": run.pk, "business_date": run.business_date, "rule_set_version": run.rule_set.version,
        "status": run.status, "trigger": run.trigger, "started_by": run.started_by, "started_at": run.started_at,
        "finished_at": run.finished_at, "duration_seconds": run.duration_seconds, "clients": run.clients,
        "entered": sum(run.entered.values()), "left": sum(run.left.values()), "message": run.message,
    } for run in selectors.recent_runs(request.user, limit=query.limit)]


@router.get("/{int:segment_id}/members", response={200: SegmentMembersOut, **ERROR_RESPONSES},
            summary="A segment's current members (scoped, masked)")
def segment_members(request, segment_id: int, query: Query[MembersQuery]):
    require_scope(request, "customers:read")
    segment = selectors.segment_get_for_actor(request.user, segment_id)
    members = selectors.segment_members(request.user, segment)
    count = members.count()
    offset = (query.page - 1) * query.page_size
    page = members.select_related("home_branch", "client_manager").prefetch_related("phones")[
        offset : offset + query.page_size]
    return {
        "segment": {"id": segment.pk, "dimension": segment.dimension, "code": segment.code, "label": segment.label,
                    "active": segment.active},
        "items": [customer_card(c).as_dict() for c in page],
        "count": count,
        "page": query.page,
        "page_size": query.page_size,
        "pages": (count + query.page_size - 1) // query.page_size,
    }

"""Reads: the segment catalogue with counts and trends, a segment's members (scoped), a client's segments."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import QuerySet

from brokerdesk.core.errors import NotFound, PermissionDenied
from brokerdesk.core.scoping import database_id
from brokerdesk.customers.models import Customer
from brokerdesk.customers.selectors import customer_get_for_actor, customers_visible_to
from brokerdesk.segmentation.choices import DimensionChoice, RunStatus
from brokerdesk.segmentation.models import RuleSet, Segment, SegmentMembership, SegmentRun

TREND_RUNS = 30


def _may_view_segments(actor) -> bool:
    return actor is not None and actor.is_authenticated and actor.has_perm("customers.view_customer")


@dataclass
class CatalogueEntry:
    segment: Segment
    members: int  # after the latest successful run (company-wide count: no personal data)
    entered: int  # in that run
    left: int
    trend: list[tuple[str, int]]  # (business date, members) over the last TREND_RUNS runs, oldest first


def segment_catalogue(actor) -> list[CatalogueEntry]:
    if not _may_view_segments(actor):
        raise PermissionDenied()
    runs = list(SegmentRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-pk")
                .only("business_date", "members", "entered", "left")[:TREND_RUNS])
    latest = runs[0] if runs else None
    entries = []
    for segment in Segment.objects.filter(active=True):
        key = str(segment.pk)
        entries.append(CatalogueEntry(
            segment=segment,
            members=latest.members.get(key, 0) if latest else 0,
            entered=latest.entered.get(key, 0) if latest else 0,
            left=latest.left.get(key, 0) if latest else 0,
            trend=[(run.business_date.isoformat(), run.members.get(key, 0)) for run in reversed(runs)],
        ))
    return entries


def segment_get_for_actor(actor, segment_id: int) -> Segment:
    if not _may_view_segments(actor):
        raise NotFound()
    try:
        return Segment.objects.get(pk=database_id(segment_id))
    except Segment.DoesNotExist:
        raise NotFound() from None


def segment_members(actor, segment: Segment) -> QuerySet[Customer]:
    """The segment's current members that the actor may see, in client-number order."""
    current = SegmentMembership.objects.filter(segment=segment, valid_to__isnull=True).values("customer_id")
    return customers_visible_to(actor).filter(pk__in=current).order_by("customer_no")


def segment_members_page(actor, segment: Segment, *, page: int = 1, page_size: int = 50):
    # What the masked customer card shows: branch, client manager and phones, without a query per row.
    members = segment_members(actor, segment).select_related("home_branch", "client_manager").prefetch_related("phones")
    return Paginator(members, page_size).get_page(page)


def customer_segments(actor, customer_id: int) -> tuple[list[SegmentMembership], list[SegmentMembership]]:
    """(current memberships, full history newest first) of a client the actor may see (else NotFound)."""
    customer = customer_get_for_actor(actor, customer_id)
    rows = list(SegmentMembership.objects.filter(customer=customer).select_related("segment", "rule_set")
                .order_by("-valid_from", "segment__dimension", "segment__rank"))
    current = sorted((r for r in rows if r.valid_to is None), key=lambda r: (r.segment.dimension, r.segment.rank))
    return current, rows


def rule_sets(actor) -> QuerySet[RuleSet]:
    if not _may_view_segments(actor):
        raise PermissionDenied()
    return RuleSet.objects.select_related("created_by", "submitted_by", "decided_by")


def rule_set_get_for_actor(actor, rule_set_id: int) -> RuleSet:
    try:
        return rule_sets(actor).get(pk=database_id(rule_set_id))
    except (RuleSet.DoesNotExist, PermissionDenied):
        raise NotFound() from None


def recent_runs(actor, limit: int = 30) -> list[SegmentRun]:
    if not _may_view_segments(actor):
        raise PermissionDenied()
    return list(SegmentRun.objects.select_related("rule_set")[:limit])


def current_tier_memberships() -> QuerySet[SegmentMembership]:
    """Every client's current asset-tier membership (one row per tiered client). Callers scope it to the clients
    they may see (bulk reports) or filter it to one client they already scoped."""
    return SegmentMembership.objects.filter(valid_to__isnull=True, segment__dimension=DimensionChoice.TIER)


def current_tier(customer_id: int) -> Segment | None:
    """The asset tier a client is in now (None before the first run). For services that already scoped the client."""
    membership = current_tier_memberships().filter(customer_id=customer_id).select_related("segment").first()
    return membership.segment if membership else None


def tiers_by_code() -> dict[str, Segment]:
    """Every asset tier by code; rank 0 is the highest tier."""
    return {s.code: s for s in Segment.objects.filter(dimension=DimensionChoice.TIER)}

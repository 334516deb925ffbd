"""Segment-change events: what other apps subscribe to ("upgraded to diamond", "became dormant").

A run announces its changes after it commits, from a job (tasks.segment_changes_announce): one SegmentChange
per segment and direction, and for tiers one per move between two tiers. Receivers connect to
`segment_changed` in their AppConfig.ready() and read the clients concerned with `change.customer_ids()`,
which pages through the membership rows the run wrote. A receiver runs in the job worker, never inside the
run's transaction, so a slow or failing subscriber cannot hold up or undo segmentation.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import django.dispatch
from django.db import connection
from django.utils.translation import gettext as _

from brokerdesk.segmentation.choices import DimensionChoice
from brokerdesk.segmentation.models import Segment, SegmentMembership, SegmentRun

ENTERED, LEFT, UPGRADED, DOWNGRADED = "entered", "left", "upgraded", "downgraded"

# sender=SegmentRun, change=SegmentChange
segment_changed = django.dispatch.Signal()


@dataclass(frozen=True)
class SegmentChange:
    run_id: int
    business_date: date
    kind: str  # ENTERED / LEFT a segment; UPGRADED / DOWNGRADED between two tiers
    dimension: str
    segment_code: str  # the segment entered (or left, for LEFT)
    segment_id: int
    from_segment_code: str | None  # tiers: the tier the clients came from
    from_segment_id: int | None
    clients: int
    initial: bool  # the installation's first run: everyone "entered"; most subscribers skip it

    @property
    def summary(self) -> str:
        label = Segment.objects.get(pk=self.segment_id).label
        if self.kind == UPGRADED:
            return _("upgraded to %(segment)s") % {"segment": label}
        if self.kind == DOWNGRADED:
            return _("downgraded to %(segment)s") % {"segment": label}
        if self.kind == LEFT:
            return _("no longer %(segment)s") % {"segment": label}
        return _("became %(segment)s") % {"segment": label}

    def customer_ids(self, page_size: int = 10_000) -> Iterator[list[int]]:
        """The clients of this change, a page of ids at a time."""
        if self.kind == LEFT:
            rows = SegmentMembership.objects.filter(left_run_id=self.run_id, segment_id=self.segment_id)
        else:
            rows = SegmentMembership.objects.filter(entered_run_id=self.run_id, segment_id=self.segment_id)
        if self.from_segment_id is not None:
            moved = SegmentMembership.objects.filter(left_run_id=self.run_id, segment_id=self.from_segment_id)
            rows = rows.filter(customer_id__in=moved.values("customer_id"))
        last = 0
        while page := list(rows.filter(customer_id__gt=last).order_by("customer_id")
                           .values_list("customer_id", flat=True)[:page_size]):
            yield page
            last = page[-1]


def run_changes(run: SegmentRun) -> list[SegmentChange]:
    """The events of one run, from the counts it recorded and, for tiers, the moves between tiers."""
    segments = {s.pk: s for s in Segment.objects.all()}
    initial = not SegmentRun.objects.filter(status="succeeded", pk__lt=run.pk).exists()

    def change(kind: str, segment_id: int, clients: int, source: Segment | None = None) -> SegmentChange:
        segment = segments[segment_id]
        return SegmentChange(run_id=run.pk, business_date=run.business_date, kind=kind,
                             dimension=segment.dimension, segment_code=segment.code, segment_id=segment.pk,
                             from_segment_code=source.code if source else None,
                             from_segment_id=source.pk if source else None, clients=clients, initial=initial)

    changes = []
    for key, clients in sorted(run.entered.items()):
        changes.append(change(ENTERED, int(key), clients))
    for key, clients in sorted(run.left.items()):
        changes.append(change(LEFT, int(key), clients))
    for (to_id, from_id), clients in sorted(_tier_moves(run).items()):
        kind = UPGRADED if segments[to_id].rank < segments[from_id].rank else DOWNGRADED
        changes.append(change(kind, to_id, clients, segments[from_id]))
    return changes


def _tier_moves(run: SegmentRun) -> dict[tuple[int, int], int]:
    """(to tier, from tier) -> clients, for clients who left one tier and entered another in this run."""
    if not run.left:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.segment_id, l.segment_id, COUNT(*) FROM segmentation_segmentmembership AS e"
            " JOIN segmentation_segmentmembership AS l ON l.customer_id = e.customer_id AND l.left_run_id = %s"
            " JOIN segmentation_segment AS se ON se.id = e.segment_id AND se.dimension = %s"
            " JOIN segmentation_segment AS sl ON sl.id = l.segment_id AND sl.dimension = %s"
            " WHERE e.entered_run_id = %s GROUP BY e.segment_id, l.segment_id",
            [run.pk, DimensionChoice.TIER, DimensionChoice.TIER, run.pk],
        )
        return {(to_id, from_id): clients for to_id, from_id, clients in cursor.fetchall()}


def announce(run: SegmentRun) -> int:
    changes = run_changes(run)
    for item in changes:
        segment_changed.send(sender=SegmentRun, change=item)
    return len(changes)

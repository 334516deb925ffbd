"""Test helpers: put a client in an asset tier as a segmentation run would."""

from django.utils import timezone

from brokerdesk.segmentation.models import RuleSet, Segment, SegmentMembership, SegmentRun


def put_in_tier(customer, code: str) -> None:
    rule_set = RuleSet.objects.filter(status="published").first()
    run = SegmentRun.objects.create(business_date=timezone.localdate(), rule_set=rule_set, status="succeeded",
                                    trigger="manual", started_at=timezone.now())
    SegmentMembership.objects.filter(customer=customer, segment__dimension="tier", valid_to__isnull=True).update(
        valid_to=timezone.localdate(), left_run=run)
    SegmentMembership.objects.create(customer=customer, segment=Segment.objects.get(dimension="tier", code=code),
                                     valid_from=timezone.localdate(), rule_set=rule_set, entered_run=run)

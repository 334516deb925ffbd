"""Jobs: announce a run's segment changes, and the nightly run once the intake has loaded a newer date."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from brokerdesk.segmentation.choices import RunStatus, RunTrigger
from brokerdesk.segmentation.events import announce
from brokerdesk.segmentation.models import SegmentRun
from brokerdesk.segmentation.run import SegmentationBusy, last_successful_run, latest_business_date, segmentation_run

log = logging.getLogger(__name__)
NIGHTLY_ATTEMPTS = 3


@db_task(retries=3, retry_delay=60)
def segment_changes_announce(run_id: int) -> int:
    """Send the run's segment_changed events to the subscribers; returns how many were sent."""
    return announce(SegmentRun.objects.get(pk=run_id))


@db_periodic_task(crontab(minute="*/10", hour="0-8,18-23"))
def segment_nightly() -> int | None:
    """Every ten minutes through the night: segment the newest loaded date once the intake has loaded it.

    Polling the lake rather than being called by the intake keeps the intake free of segmentation (it sits
    below it in the layers), and catches up by itself after a missed night. Returns the run id, if it ran.
    """
    loaded = latest_business_date()
    done = last_successful_run()
    if loaded is None or (done is not None and done.business_date >= loaded):
        return None
    failed = SegmentRun.objects.filter(business_date=loaded, trigger=RunTrigger.NIGHTLY, status=RunStatus.FAILED)
    if failed.count() >= NIGHTLY_ATTEMPTS:  # an operator looks at the run history and runs it by hand
        return None
    try:
        run = segmentation_run(actor=None, business_date=loaded, trigger=RunTrigger.NIGHTLY,
                               progress=lambda message: log.info("segment %s: %s", loaded, message))
    except SegmentationBusy:
        return None
    return run.pk


@db_task()
def segment_on_demand(actor_id: int) -> int | None:
    """"Run now" from the segment catalogue: the same run, in the worker, as the staff member who asked."""
    from brokerdesk.org.models import Staff

    actor = Staff.objects.get(pk=actor_id)
    try:
        return segmentation_run(actor=actor, trigger=RunTrigger.ON_DEMAND).pk
    except SegmentationBusy:
        return None

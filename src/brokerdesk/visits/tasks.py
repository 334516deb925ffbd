"""Jobs: the daily return-visit generation, once the night's segmentation is done.

The receivers (receivers.py) generate event-driven programmes as their events come; this job runs every active
programme once per working day, in the morning.
"""

import logging
from datetime import datetime, time

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from brokerdesk.core.calendar import is_working_day
from brokerdesk.segmentation.run import last_successful_run, latest_business_date
from brokerdesk.visits.generate import SHANGHAI, business_today, visit_tasks_generate
from brokerdesk.visits.models import GenerationRun

log = logging.getLogger(__name__)
EARLIEST = time(6, 0)  # Shanghai time
# Without the night's segmentation by then, generate anyway (from the previous run's segments and features):
# the visits of new accounts, callbacks and the sample must not wait for a failed segmentation.
DEADLINE = time(10, 0)


def daily_generation_due(now: datetime) -> bool:
    """Whether the daily run should go now: a working day (Shanghai) from 06:00, no full run yet for today, and
    the segmentation of the newest loaded date has succeeded (or it is 10:00, or nothing is loaded). A morning
    missed (the worker was down) is caught up later the same day."""
    local = now.astimezone(SHANGHAI)
    today = local.date()
    if not is_working_day(today) or local.time() < EARLIEST:
        return False
    if GenerationRun.objects.filter(business_date=today, all_programmes=True, finished_at__isnull=False).exists():
        return False
    loaded = latest_business_date()
    done = last_successful_run()
    segmented = loaded is None or (done is not None and done.business_date >= loaded)
    return segmented or local.time() >= DEADLINE


@db_periodic_task(crontab(minute="*/10"))
def visits_generate_daily() -> int | None:
    """Every ten minutes: once a working day, generate today's visits after the night's segmentation
    (daily_generation_due). Returns the run id, if it ran. Idempotent in any case: a second run the same day
    creates nothing."""
    if not daily_generation_due(timezone.now()):
        return None
    run = visit_tasks_generate(actor=None, business_date=business_today())
    log.info("visits generated for %s: %s tasks in %.1f s", run.business_date, run.total_created, run.seconds)
    return run.pk

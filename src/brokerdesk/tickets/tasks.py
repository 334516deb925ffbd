"""Jobs: the SLA sweep, every minute. Idempotent by construction: each firing is claimed once (tickets.sla)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from brokerdesk.tickets.sla import sla_sweep

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def sla_sweep_periodic() -> int:
    """Fire the warnings and breaches that fell due since the last minute; returns how many fired."""
    fired = sla_sweep()
    if fired:
        log.info("SLA sweep: %d warning(s) or breach(es) fired", len(fired))
    return len(fired)

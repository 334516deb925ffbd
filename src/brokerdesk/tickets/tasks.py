"""Jobs: the SLA sweep, every minute. Idempotent by construction: each firing is claimed once (tickets.sla).
And the announcement of a satisfaction callback to the apps that carry it out (signals.ticket_callback_due)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from brokerdesk.tickets.sla import sla_sweep

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def sla_sweep_periodic() -> int:
    """Fire the warnings and breaches that fell due since the last minute; returns how many fired."""
    fired = sla_sweep()
    if fired:
        log.info("SLA sweep: %d warning(s) or breach(es) fired", len(fired))
    return len(fired)


@db_task(retries=3, retry_delay=30)
def ticket_callback_announce(ticket_id: int) -> None:
    """Tell the receivers (the return visits) that the ticket awaits its satisfaction callback."""
    from brokerdesk.tickets.models import Ticket
    from brokerdesk.tickets.signals import ticket_callback_due

    ticket_callback_due.send(sender=Ticket, ticket_id=ticket_id)

"""Receivers: segment changes, service events and tickets awaiting a satisfaction callback -> visit tasks.

Each signal is sent from a job after the commit of what caused it (segmentation.tasks, service_plans.events,
tickets.tasks), so these run in the job worker. Each one only picks the programmes the event concerns and runs
their generation (generate.visit_tasks_generate), which finds the clients itself and is idempotent: a client
gets one task per programme and cycle, so a resent event, a retried job or the next scheduled run creates
nothing twice. generate is imported when needed: it is the heaviest module of the app and these are connected
at start-up.
"""

import logging

from django.dispatch import receiver

from brokerdesk.segmentation.events import ENTERED, SegmentChange, segment_changed
from brokerdesk.service_plans.events import service_event
from brokerdesk.tickets.signals import ticket_callback_due
from brokerdesk.visits.choices import Audience
from brokerdesk.visits.models import Programme

log = logging.getLogger(__name__)


def _generate(codes: list[str], why: str):
    """Run the programmes' generation as the system; None when no programme is concerned."""
    if not codes:
        return None
    from brokerdesk.visits.generate import visit_tasks_generate

    run = visit_tasks_generate(actor=None, programme_codes=codes)
    log.info("visits generated for %s (%s): %s", why, ", ".join(codes), getattr(run, "total_created", None))
    return run


def _active(audience: str):
    return Programme.objects.filter(is_active=True, audience=audience).order_by("code")


def programmes_for_segment(change: SegmentChange) -> list[str]:
    """Codes of the active programmes visiting the clients who entered this segment (not on the installation's
    first run, when everyone "enters" everything)."""
    if change.kind != ENTERED or change.initial:
        return []
    return list(_active(Audience.SEGMENT_ENTERED).filter(segment_dimension=change.dimension,
                                                         segment_code=change.segment_code)
                .values_list("code", flat=True))


def programmes_for_service_event(kind: str) -> list[str]:
    """Codes of the active programmes visiting after events of this kind (few rows: filtered here, the same on
    SQLite and PostgreSQL whatever their JSON operators)."""
    return [code for code, kinds in _active(Audience.SERVICE_EVENT).values_list("code", "event_kinds")
            if isinstance(kinds, list) and kind in kinds]


def programmes_for_ticket_callbacks() -> list[str]:
    return list(_active(Audience.TICKET_CALLBACK).values_list("code", flat=True))


@receiver(segment_changed, dispatch_uid="visits.segment_changed")
def on_segment_changed(sender, change: SegmentChange, **kwargs):
    return _generate(programmes_for_segment(change), f"segment {change.dimension}/{change.segment_code}")


@receiver(service_event, dispatch_uid="visits.service_event")
def on_service_event(sender, event, **kwargs):
    return _generate(programmes_for_service_event(event.kind), f"service event {event.pk} {event.kind}")


@receiver(ticket_callback_due, dispatch_uid="visits.ticket_callback_due")
def on_ticket_callback_due(sender, ticket_id: int, **kwargs):
    return _generate(programmes_for_ticket_callbacks(), f"ticket {ticket_id} callback")

"""Service events other apps consume: a high-risk sale to an ordinary investor (the visits app opens the extra
return visit), an expired risk assessment, a trading permission granted (the special-business visit), a package
changed (push, research distribution).

`service_event_record` writes the event in the caller's transaction, so it exists exactly when what caused it
does; on commit a job sends `service_event` to the receivers and stamps `announced_at`. A receiver connects in
its AppConfig.ready() and must be idempotent: `announce_pending` resends whatever a crash left unannounced.
"""

import logging

import django.dispatch
from django.db import IntegrityError, transaction
from django.utils import timezone

from brokerdesk.service_plans.models import ServiceEvent

log = logging.getLogger(__name__)

# sender=ServiceEvent, event=ServiceEvent
service_event = django.dispatch.Signal()


def service_event_record(*, kind: str, customer, key: str, payload: dict | None = None) -> ServiceEvent | None:
    """Record one event (None if this kind/customer/key was recorded before) and announce it after commit."""
    try:
        with transaction.atomic():
            event = ServiceEvent.objects.create(kind=kind, customer=customer, key=key[:80], payload=payload or {},
                                                occurred_at=timezone.now())
    except IntegrityError:
        return None
    from brokerdesk.service_plans.tasks import service_events_announce

    transaction.on_commit(lambda: service_events_announce(event.pk))
    return event


def announce(event_id: int) -> bool:
    """Send one event to the receivers, once: the stamp is a compare-and-set, so two workers cannot both send."""
    event = ServiceEvent.objects.filter(pk=event_id, announced_at__isnull=True).first()
    if event is None:
        return False
    service_event.send(sender=ServiceEvent, event=event)
    return ServiceEvent.objects.filter(pk=event_id, announced_at__isnull=True).update(
        announced_at=timezone.now()) == 1


def announce_pending(limit: int = 1000) -> int:
    sent = 0
    for event_id in ServiceEvent.objects.filter(announced_at__isnull=True).order_by("id").values_list(
            "id", flat=True)[:limit]:
        sent += announce(event_id)
    return sent

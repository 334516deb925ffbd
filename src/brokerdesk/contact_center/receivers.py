"""Contacts on the messaging channels become Interactions; interactions join the client's contact timeline."""

from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from brokerdesk.contact_center.choices import InteractionChannel
from brokerdesk.contact_center.models import Interaction
from brokerdesk.customers.timeline import TimelineEntry, register_timeline_source
from brokerdesk.messaging.signals import contact_logged


@receiver(contact_logged, dispatch_uid="contact_center.contact_logged")
def interaction_from_contact(sender, *, direction, customer_id, started_at, summary, source_type, source_id,
                             ended_at=None, agent_id=None, disposition="", **kwargs) -> None:
    """Idempotent: a contact already recorded (same source) is left as it is."""
    if sender not in InteractionChannel.values:
        return
    if Interaction.objects.filter(source_type=source_type, source_id=source_id).exists():
        return
    try:
        with transaction.atomic():
            Interaction.objects.create(
                channel=sender, direction=direction, customer_id=customer_id, agent_id=agent_id,
                started_at=started_at, ended_at=ended_at, disposition=(disposition or "")[:40],
                summary=(summary or "")[:300], source_type=source_type, source_id=source_id)
    except IntegrityError:  # the same contact recorded by a concurrent delivery
        pass


def interactions_timeline(customer, actor, limit: int) -> list[TimelineEntry]:
    """The client's contacts on every channel and at every center (the 360 already scoped the client)."""
    if not actor.has_perm("contact_center.view_interaction"):
        return []
    rows = (Interaction.objects.filter(customer=customer).select_related("agent", "center", "branch", "call")
            .order_by("-started_at", "-pk")[:limit])
    entries = []
    for row in rows:
        where = row.branch or row.center
        title = _("%(channel)s, %(direction)s") % {"channel": row.get_channel_display(),
                                                  "direction": row.get_direction_display()}
        body = " · ".join(str(part) for part in (where, row.summary, row.disposition) if part)
        url = reverse("contact_center:interaction", args=[row.pk])
        entries.append(TimelineEntry(at=row.started_at, kind="interaction", title=title, body=body,
                                     actor=str(row.agent or ""), url=url))
    return entries


register_timeline_source("interactions", interactions_timeline)

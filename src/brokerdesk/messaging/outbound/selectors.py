"""Reads of the outbox: start from what the actor may see (the clients of their scope)."""

from django.db.models import QuerySet

from brokerdesk.core.errors import NotFound
from brokerdesk.core.scoping import database_id, visible_to
from brokerdesk.messaging.models import OutboundMessage


def outbound_messages_visible_to(actor) -> QuerySet[OutboundMessage]:
    if actor is None or not getattr(actor, "is_authenticated", False) \
            or not actor.has_perm("messaging.view_outboundmessage"):
        return OutboundMessage.objects.none()
    return visible_to(actor, OutboundMessage.objects.select_related("customer"),
                      branch_field="customer__home_branch_id")


def outbound_message_get_for_actor(actor, message_id) -> OutboundMessage:
    """The message, or NotFound whether it is missing or its client is outside the actor's scope."""
    message = outbound_messages_visible_to(actor).filter(pk=database_id(message_id)).first()
    if message is None:
        raise NotFound()
    return message


def outbox(actor, *, status: str = "", channel: str = "", purpose: str = "") -> QuerySet[OutboundMessage]:
    queryset = outbound_messages_visible_to(actor).defer("body")
    if status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel=channel)
    if purpose:
        queryset = queryset.filter(purpose=purpose)
    return queryset.order_by("-created_at", "-pk")

"""The channel-layer group of a chat session: both sides' sockets listen to it; services publish to it once
their transaction has committed."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def session_group(session_id: int) -> str:
    return f"web_chat.session.{int(session_id)}"


def publish(session_id: int, event: dict) -> None:
    """Send event ({"kind": "message"|"status", ...}) to the session's sockets after the commit."""

    def send():
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(session_group(session_id), {"type": "chat.event", "event": event})

    transaction.on_commit(send)

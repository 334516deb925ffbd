"""Who receives the inbound messages of a channel. Messaging imports no domain app: the domain app registers.

    # tickets/apps.py
    def ready(self):
        from brokerdesk.messaging.routing import register_inbound_handler
        from brokerdesk.tickets.inbound import ticket_from_email
        register_inbound_handler("email", ticket_from_email)

A handler is called as handler(message, parsed) with the stored InboundMessage (its parsed fields and the
matched client already set, message.customer may be None) and the channel's parse result (for email a
messaging.email.parse.ParsedEmail). It runs inside the processing transaction, in a savepoint: it returns
(object type, id) of what it created, e.g. ("ticket", 42), or None when it made nothing of the message (the
message stays "received" and says so). An exception it raises rolls back what it wrote and quarantines the
message with the exception's message ("handler_error"); the raw message is kept either way.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from brokerdesk.messaging.choices import Channel

InboundHandler = Callable[[Any, Any], "tuple[str, int] | None"]

_HANDLERS: dict[str, InboundHandler] = {}


def register_inbound_handler(channel: str, handler: InboundHandler) -> None:
    """One handler per channel; registering the same one again is harmless, a second one is a mistake."""
    if channel not in Channel.values:
        raise ImproperlyConfigured(f"Unknown inbound channel {channel!r}; known: {', '.join(Channel.values)}.")
    current = _HANDLERS.get(channel)
    if current is not None and current is not handler:
        raise ImproperlyConfigured(f"The {channel} channel already has a handler: {current!r}.")
    _HANDLERS[channel] = handler


def inbound_handler_for(channel: str) -> InboundHandler | None:
    return _HANDLERS.get(channel)


def handler_run(handler: InboundHandler, message, parsed) -> "tuple[str, int] | None":
    """Call a channel's handler in a savepoint and check what it returns; an exception (or a wrong result, as a
    TypeError) leaves after the savepoint's rollback, for the caller to quarantine the message."""
    with transaction.atomic():
        result = handler(message, parsed)
        if result is not None and not (isinstance(result, tuple) and len(result) == 2
                                       and isinstance(result[0], str) and isinstance(result[1], int)):
            raise TypeError(f"the handler returned {result!r}, not (type, id) or None")
    return result


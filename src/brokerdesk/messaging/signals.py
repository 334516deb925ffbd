"""What messaging tells the layers above it. Messaging imports no domain app; the apps above listen.

contact_logged: one contact with a client (or an unknown sender) happened on a messaging channel. Sent with
sender=<channel value> (messaging.choices.Channel, e.g. "sms") after the transaction that recorded it commits,
and with these keyword arguments:

    direction    "inbound" or "outbound"
    customer_id  the client's id, or None when the sender is not (uniquely) a client
    started_at   aware datetime; ended_at the same or later (a chat session's end), may be None
    summary      one line for the client's timeline (already masked where it needs to be)
    source_type  what recorded it, e.g. "outbound_message", "inbound_message", "chat_session"
    source_id    its primary key: (source_type, source_id) is unique, so a receiver can be idempotent
    agent_id     the staff member who handled it, or None (automatic answers, notifications)
    disposition  how it ended, free text code (e.g. "delivered", "answered_by_kb", "handed_off"), may be ""

contact_center records an Interaction for each (contact_center/receivers.py).
"""

from django.dispatch import Signal

contact_logged = Signal()

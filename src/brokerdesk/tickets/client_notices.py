"""What the client is told about their ticket, through the outbound messaging pipeline (messaging/outbound).

    registered  a complaint (or regulator referral) is recorded: an acknowledgement SMS with its number
    resolved    the ticket is resolved: a notice SMS

Called by the services after their commit (transaction.on_commit), as the system: the message is stored once per
ticket and event (dedupe_key "ticket:<id>:<event>"), so a repeated call sends nothing more. The client's
opt-out, quiet hours and delivery are messaging's business; a failure here never undoes the ticket's step.
The wording is the brokerage's client-facing text (Chinese, domain content).
"""

import logging

from django.conf import settings
from django.db import transaction

from brokerdesk.messaging.outbound.services import message_send
from brokerdesk.tickets.choices import TicketKind
from brokerdesk.tickets.models import Ticket

log = logging.getLogger(__name__)

ACKNOWLEDGED_KINDS = (TicketKind.COMPLAINT, TicketKind.REGULATOR_REFERRAL)
NOT_NOTIFIED_KINDS = (TicketKind.VISIT_FINDING,)  # internal: opened by the visits app for compliance

REGISTERED = "您的投诉已登记，编号 {number}。我们将尽快处理并与您联系。"
RESOLVED = "您的工单（编号 {number}）已办结。如有疑问请致电 {phone}。"


def _notify(ticket_pk: int, event: str, text: str) -> None:
    ticket = Ticket.objects.filter(pk=ticket_pk).select_related("customer").first()
    if ticket is None or ticket.customer is None or ticket.kind in NOT_NOTIFIED_KINDS:
        return
    try:
        message_send(actor=None, customer=ticket.customer, channel="sms", purpose="service",
                     body=text.format(number=ticket.number, phone=settings.MESSAGING_SERVICE_NUMBER),
                     source=("ticket", ticket.pk), dedupe_key=f"ticket:{ticket.pk}:{event}")
    except Exception:
        log.exception("the %s notice of ticket #%s could not be queued", event, ticket_pk)


def ticket_registered_notify(ticket: Ticket) -> None:
    """After the commit that recorded the ticket: acknowledge a complaint to its client."""
    if ticket.kind in ACKNOWLEDGED_KINDS and ticket.customer_id:
        pk = ticket.pk
        transaction.on_commit(lambda: _notify(pk, "registered", REGISTERED))


def ticket_resolved_notify(ticket: Ticket) -> None:
    """After the commit that resolved the ticket: tell the client."""
    if ticket.customer_id and ticket.kind not in NOT_NOTIFIED_KINDS:
        pk = ticket.pk
        transaction.on_commit(lambda: _notify(pk, "resolved", RESOLVED))

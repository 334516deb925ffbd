"""Tickets from inbound email: the messaging app stores every message first, then calls this handler.

The original message is kept on the ticket as an .eml attachment, with the files it carried, so nothing the
client sent is lost even when the text had to be shortened. One Message-ID makes one ticket: reprocessing a
message (or a mail server delivering it twice) finds the ticket it already made.
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.messaging.email.parse import attachment_bytes
from brokerdesk.tickets.attachments import attachment_store_bytes
from brokerdesk.tickets.choices import TicketChannel, TicketKind
from brokerdesk.tickets.models import Ticket
from brokerdesk.tickets.services import LIMITS, TicketInput, ticket_create

COMPLAINT_WORDS = ("投诉", "complaint")


def _kind(subject: str, body: str) -> str:
    text = f"{subject}\n{body}".lower()
    return TicketKind.COMPLAINT if any(word in text for word in COMPLAINT_WORDS) else TicketKind.CONSULTATION


def ticket_from_email(message, parsed) -> tuple[str, int]:
    if parsed.message_id:
        existing = Ticket.objects.filter(channel=TicketChannel.EMAIL, source_ref=parsed.message_id[:120]).first()
        if existing is not None:
            return "ticket", existing.pk
    subject = (parsed.subject or "").strip()[:LIMITS["subject"]] or _("(no subject)")
    body = parsed.body_text.strip() or _("(no text)")
    if len(body) > LIMITS["description"]:
        marker = "\n\n" + _("[shortened: the full message is attached]")
        body = body[:LIMITS["description"] - len(marker)] + marker
    ticket = ticket_create(actor=None, data=TicketInput(
        kind=_kind(subject, body), channel=TicketChannel.EMAIL, subject=subject, description=body,
        customer_id=message.customer_id, contact_name=(parsed.from_name or "")[:LIMITS["contact_name"]],
        contact_email=parsed.from_address if len(parsed.from_address) <= LIMITS["contact_email"] else "",
        source_ref=(parsed.message_id or "")[:LIMITS["source_ref"]]))
    now = timezone.now()
    raw = bytes(message.raw)
    attachment_store_bytes(ticket, filename=f"{ticket.number}.eml", content_type="message/rfc822", data=raw, now=now)
    for item in parsed.attachments:
        attachment_store_bytes(ticket, filename=item.filename, content_type=item.content_type,
                               data=attachment_bytes(raw, item.path), now=now)
    return "ticket", ticket.pk

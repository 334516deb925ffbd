"""Tickets from WeChat official-account messages: messaging.wechat stores every callback first, then calls this
handler for a follower's message (not for events or binding commands, which the WeChat app handles itself).

The client is the one the follower is bound to (message.customer), or none: an unbound follower's message still
makes a ticket, like an email from an unknown sender. The callback XML is kept on the ticket as an attachment.
One WeChat MsgId makes one ticket: a retry, or reprocessing the message, finds the ticket it already made. The
ticket number goes back to the follower in the passive reply (parsed.reply_reference).
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.messaging.wechat.protocol import ParsedWeChat
from brokerdesk.tickets.attachments import attachment_store_bytes
from brokerdesk.tickets.choices import TicketChannel, TicketKind
from brokerdesk.tickets.inbound import COMPLAINT_WORDS
from brokerdesk.tickets.models import Ticket
from brokerdesk.tickets.services import LIMITS, TicketInput, ticket_create

SUBJECT_CHARS = 40


def _subject(text: str) -> str:
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        return _("WeChat message")
    return first if len(first) <= SUBJECT_CHARS else first[:SUBJECT_CHARS - 1] + "…"


def ticket_from_wechat(message, parsed: ParsedWeChat) -> tuple[str, int]:
    source_ref = parsed.dedup_key[:LIMITS["source_ref"]]
    existing = Ticket.objects.filter(channel=TicketChannel.WECHAT, source_ref=source_ref).first()
    if existing is not None:
        parsed.reply_reference = existing.number
        return "ticket", existing.pk
    body = (message.body_text or "").strip() or _("(no text)")
    if len(body) > LIMITS["description"]:
        marker = "\n\n" + _("[shortened: the full message is attached]")
        body = body[:LIMITS["description"] - len(marker)] + marker
    kind = TicketKind.COMPLAINT if any(w in body.lower() for w in COMPLAINT_WORDS) else TicketKind.CONSULTATION
    ticket = ticket_create(actor=None, data=TicketInput(
        kind=kind, channel=TicketChannel.WECHAT, subject=_subject(body), description=body,
        customer_id=message.customer_id, source_ref=source_ref))
    attachment_store_bytes(ticket, filename=f"{ticket.number}-wechat.xml", content_type="application/xml",
                           data=bytes(message.raw), now=timezone.now())
    parsed.reply_reference = ticket.number
    return "ticket", ticket.pk

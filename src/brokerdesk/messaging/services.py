"""Inbound messages: the raw bytes are stored first, in their own transaction; processing comes after, apart.

    store (commit) --> process: parse -> match the client -> the channel's handler (routing.py)
                          received --> routed        the handler made something, e.g. ("ticket", 42)
                                   --> quarantined   unreadable, a duplicate, or the handler failed
                                   --> received      no handler (yet), or it made nothing; noted
    quarantined / received --reprocess (a supervisor)--> the same three

Nothing is ever deleted or overwritten: a quarantined message keeps its raw bytes and can be processed again
once the cause is fixed. Both steps are audited (the system as actor, or the supervisor who reprocesses).
"""

import hashlib
import ipaddress
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict
from brokerdesk.core.permissions import require_permission
from brokerdesk.customers.selectors import customer_ids_with_email
from brokerdesk.messaging.choices import Channel, CustomerMatch, InboundStatus
from brokerdesk.messaging.email.parse import ParsedEmail, Quarantine, clean_text, parse_email
from brokerdesk.messaging.models import InboundMessage
from brokerdesk.messaging.routing import handler_run, inbound_handler_for

logger = logging.getLogger(__name__)

# Quarantine reasons found here rather than by the parser (those are in email/parse.py REASON_CODES).
HANDLER_ERROR = "handler_error"
DUPLICATE = "duplicate"

PROCESSABLE = {InboundStatus.RECEIVED, InboundStatus.QUARANTINED}
# What processing writes: never raw, sha256, size or the envelope, which are fixed when the message is stored.
PROCESSED_FIELDS = ["message_id", "from_address", "from_name", "subject", "body_text", "attachments", "status",
                    "quarantine_code", "quarantine_message", "note", "attempts", "processed_at", "customer",
                    "customer_match", "routed_to_type", "routed_to_id"]


def _peer_ip(peer) -> str | None:
    """aiosmtpd gives (host, port); anything that is not an IP address is not stored as one."""
    host = peer[0] if isinstance(peer, tuple | list) and peer else peer
    try:
        return str(ipaddress.ip_address(str(host).split("%", 1)[0])) if host else None
    except ValueError:
        return None


def inbound_email_store(*, raw: bytes, peer=None, mail_from: str = "", rcpt_tos=()) -> InboundMessage:
    """Commit the raw bytes, untouched, before anything reads them. Raises only if they could not be stored."""
    raw = bytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    with transaction.atomic():
        message = InboundMessage.objects.create(
            channel=Channel.EMAIL, peer=_peer_ip(peer), envelope_from=clean_text(str(mail_from or ""))[:2000],
            envelope_to=[clean_text(str(r))[:500] for r in list(rcpt_tos)[:100]],
            raw=raw, sha256=digest, size=len(raw),
        )
        audit_record(actor=None, action="messaging.inbound_store", object_type="inbound_message",
                     object_id=message.pk, after={"channel": Channel.EMAIL, "size": len(raw), "sha256": digest,
                                                  "peer": message.peer})
    return message


def inbound_email_receive(*, raw: bytes, peer=None, mail_from: str = "", rcpt_tos=()) -> InboundMessage:
    """Store, then process. Raises only when storing failed (the sender must retry); once the bytes are
    stored, a failure while processing leaves the message "received" for a later attempt."""
    message = inbound_email_store(raw=raw, peer=peer, mail_from=mail_from, rcpt_tos=rcpt_tos)
    try:
        return inbound_message_process(message=message)
    except Exception:
        logger.exception("inbound message #%s is stored but could not be processed; it stays received", message.pk)
        return message  # as stored ("received"): no further query, the database may be what failed


def inbound_message_process(*, message: InboundMessage) -> InboundMessage:
    """Process a message that is still "received" (the system, right after storing it)."""
    return _process(message.pk, actor=None, allowed={InboundStatus.RECEIVED}, reprocess=False)


def inbound_message_reprocess(*, actor, message: InboundMessage) -> InboundMessage:
    """A supervisor sends a quarantined (or still unrouted) message through again, e.g. after the handler was
    fixed. A duplicate is routed this time: the supervisor has looked at it."""
    require_permission(actor, "messaging.reprocess_inboundmessage", "messaging.inbound_message_reprocess")
    if message.status not in PROCESSABLE:
        raise Conflict(_("This message was already routed to %(target)s; processing it again would do it twice.")
                       % {"target": message.routed_to})
    return _process(message.pk, actor=actor, allowed=PROCESSABLE, reprocess=True)


def _parse(message: InboundMessage):
    if message.channel != Channel.EMAIL:
        raise Quarantine("unsupported_channel", f"No parser for the {message.channel} channel yet.")
    return parse_email(bytes(message.raw), max_bytes=settings.MAIL_MAX_BYTES, max_parts=settings.MAIL_MAX_PARTS)


def _process(pk: int, *, actor, allowed: set, reprocess: bool) -> InboundMessage:
    seen = InboundMessage.objects.get(pk=pk)
    if seen.status not in allowed:
        raise Conflict(_("This message is %(status)s; it cannot be processed now.")
                       % {"status": seen.get_status_display()})
    # Parsing reads up to MAIL_MAX_BYTES: done before the row is locked.
    parsed, problem = None, None
    try:
        parsed = _parse(seen)
    except Quarantine as error:
        problem = error
    with transaction.atomic():
        message = InboundMessage.objects.select_for_update().defer("raw").get(pk=pk)
        if (message.status, message.attempts) != (seen.status, seen.attempts):
            raise Conflict(_("Someone else processed this message meanwhile; reload it."))
        message.raw = seen.raw  # stored once and never changed: the handler reads it without another query
        before = _state(message)
        message.attempts += 1
        message.processed_at = timezone.now()
        message.quarantine_code = message.quarantine_message = message.note = ""
        if problem is not None:
            _quarantine(message, problem.code, problem.message)
        else:
            _apply_parsed(message, parsed)
            _route(message, parsed, reprocess=reprocess)
        message.save(update_fields=PROCESSED_FIELDS)
        audit_record(actor=actor, action="messaging.inbound_reprocess" if reprocess else "messaging.inbound_process",
                     object_type="inbound_message", object_id=pk, before=before, after=_state(message))
    return message


def _state(message: InboundMessage) -> dict:
    return {"status": message.status, "quarantine_code": message.quarantine_code, "routed_to": message.routed_to,
            "customer_id": message.customer_id, "customer_match": message.customer_match}


def _quarantine(message: InboundMessage, code: str, text: str) -> None:
    message.status = InboundStatus.QUARANTINED
    message.quarantine_code = code
    message.quarantine_message = clean_text(text)[:2000]


def _add_note(message: InboundMessage, text: str) -> None:
    message.note = f"{message.note}\n{text}".strip()


def _apply_parsed(message: InboundMessage, parsed: ParsedEmail) -> None:
    message.message_id = parsed.message_id[:998]
    message.from_address = parsed.from_address[:320]
    message.from_name = parsed.from_name[:200]
    message.subject = parsed.subject
    message.body_text = parsed.body_text
    message.attachments = [a.as_dict() for a in parsed.attachments]
    for item in parsed.notes:
        _add_note(message, item)
    # Exactly one client with this address (case-insensitive) is linked; several is no link, only a note.
    # The From address is what the sender claims: a hint for staff, never proof of identity.
    matches = customer_ids_with_email(parsed.from_address, limit=20)
    message.customer_id = matches[0] if len(matches) == 1 else None
    message.customer_match = {0: CustomerMatch.NONE, 1: CustomerMatch.UNIQUE}.get(len(matches),
                                                                                 CustomerMatch.AMBIGUOUS)
    if len(matches) > 1:
        _add_note(message, f"{len(matches) if len(matches) < 20 else '20 or more'} clients share the sender's "
                           "address; none is linked")


def _route(message: InboundMessage, parsed: ParsedEmail, *, reprocess: bool) -> None:
    if not reprocess:
        earlier = (InboundMessage.objects.filter(sha256=message.sha256, status=InboundStatus.ROUTED)
                   .exclude(pk=message.pk).defer("raw").first())
        if earlier is not None:  # the sending server did not hear our 250 and sent it again
            _quarantine(message, DUPLICATE, f"The same bytes were already received as #{earlier.pk} and routed to "
                                            f"{earlier.routed_to}.")
            return
    handler = inbound_handler_for(message.channel)
    if handler is None:
        message.status = InboundStatus.RECEIVED
        _add_note(message, f"No handler is registered for the {message.channel} channel; the message waits to be "
                           "processed again.")
        return
    message.save(update_fields=PROCESSED_FIELDS)  # the handler sees the parsed fields and the client
    try:
        result = handler_run(handler, message, parsed)
    except Exception as error:
        logger.warning("inbound message #%s: the %s handler failed", message.pk, message.channel, exc_info=True)
        _quarantine(message, HANDLER_ERROR, f"{type(error).__name__}: {error}")
        return
    if result is None:
        message.status = InboundStatus.RECEIVED
        _add_note(message, "The handler made nothing of this message.")
        return
    message.status = InboundStatus.ROUTED
    message.routed_to_type, message.routed_to_id = result[0][:40], result[1]

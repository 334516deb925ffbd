"""Asking for an outbound message, retrying one by hand, and applying delivery receipts.

    message_send        permission -> address from master data -> policy -> stored (queued | suppressed)
                        -> dispatch on commit (or when the quiet hours end / the back-off is over)
    message_retry       a supervisor sends a failed message again (audited; an ambiguous email is the person's
                        call, see email/outbound.py)
    receipt_apply       the SMS gateway's delivery receipt: once per receipt id; sent -> delivered | failed

Status transitions are compare-and-set on (pk, status): TRANSITIONS lists every allowed one.
"""

import hashlib
import logging
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict, FieldErrors
from brokerdesk.core.masking import mask_email, mask_phone
from brokerdesk.core.permissions import require_permission
from brokerdesk.customers.choices import CustomerStatus, PhoneKind
from brokerdesk.customers.models import ChannelConsent, Customer, CustomerPhone
from brokerdesk.messaging.choices import OutboundChannel, OutboundStatus, Purpose
from brokerdesk.messaging.models import DeliveryReceipt, OutboundMessage
from brokerdesk.messaging.outbound import policy

log = logging.getLogger(__name__)

S = OutboundStatus
TRANSITIONS = {
    (S.QUEUED, S.SENDING), (S.QUEUED, S.SUPPRESSED), (S.QUEUED, S.EXPIRED),
    (S.SENDING, S.SENT), (S.SENDING, S.QUEUED), (S.SENDING, S.FAILED), (S.SENDING, S.DELIVERED),
    (S.SENT, S.DELIVERED), (S.SENT, S.FAILED),
    (S.FAILED, S.QUEUED),  # by hand only (message_retry)
}
COUNTED = (S.QUEUED, S.SENDING, S.SENT, S.DELIVERED)  # what counts against the frequency cap
SMS_MAX_CHARS = 500  # a long SMS is split by the carrier; beyond this it is a letter, not an SMS
SUBJECT_MAX = 200


def transition(message: OutboundMessage, new: str, **fields) -> bool:
    """Compare-and-set message from its current status to new; True when this caller made the change."""
    old = message.status
    if (old, new) not in TRANSITIONS:
        raise Conflict(_("An outbound message cannot go from %(old)s to %(new)s.") % {"old": old, "new": new})
    changed = OutboundMessage.objects.filter(pk=message.pk, status=old).update(status=new, **fields)
    if changed:
        message.status = new
        for name, value in fields.items():
            setattr(message, name, value)
    return bool(changed)


def masked_address(channel: str, address: str) -> str:
    return mask_email(address) if channel == OutboundChannel.EMAIL else mask_phone(address)


def body_digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def audit_summary(message: OutboundMessage) -> dict:
    """What the audit trail keeps of a message: no text and no address in clear."""
    return {"channel": message.channel, "purpose": message.purpose, "status": message.status,
            "suppression_reason": message.suppression_reason, "to": masked_address(message.channel,
                                                                                   message.to_address),
            "body_sha256": body_digest(message.body), "body_chars": len(message.body), "source": message.source,
            "dedupe_key": message.dedupe_key or "", "urgent": message.urgent,
            "next_attempt_at": message.next_attempt_at}


# --- the client's master data ------------------------------------------------------------------------------

def address_for(customer: Customer, channel: str) -> str:
    """The primary mobile for SMS (any mobile when none is marked primary), the email for email; "" if none."""
    if channel == OutboundChannel.EMAIL:
        return (customer.email or "").strip()
    number = (CustomerPhone.objects.filter(customer=customer, kind=PhoneKind.MOBILE)
              .order_by("-is_primary", "pk").values_list("number", flat=True).first())
    return number or ""


def consent_for(customer: Customer, channel: str) -> bool | None:
    return ChannelConsent.objects.filter(customer=customer, channel=channel).values_list(
        "consented", flat=True).first()


def _recent_capped(customer: Customer, channel: str, now: datetime) -> int:
    since = now - timedelta(hours=settings.MESSAGING_CAP_WINDOW_HOURS)
    return OutboundMessage.objects.filter(customer=customer, channel=channel, purpose__in=policy.CAPPED_PURPOSES,
                                          status__in=COUNTED, created_at__gte=since).count()


def quiet_hours_opening(channel: str, now: datetime) -> datetime | None:
    if channel not in settings.MESSAGING_QUIET_HOURS_CHANNELS:
        return None
    quiet = policy.QuietHours.parse(settings.MESSAGING_QUIET_HOURS)
    return quiet.opens_after(now) if quiet else None


# --- asking for a message ----------------------------------------------------------------------------------

def _validate(*, channel, purpose, body, subject, source, dedupe_key) -> None:
    errors = FieldErrors()
    if channel not in OutboundChannel.values:
        errors.add("channel", _("Choose one of: %(values)s.") % {"values": ", ".join(OutboundChannel.values)})
    if purpose not in Purpose.values:
        errors.add("purpose", _("Choose one of: %(values)s.") % {"values": ", ".join(Purpose.values)})
    if not (body or "").strip():
        errors.add("body", _("The message has no text."))
    elif channel == OutboundChannel.SMS and len(body) > SMS_MAX_CHARS:
        errors.add("body", _("An SMS has at most %(n)d characters.") % {"n": SMS_MAX_CHARS})
    if channel == OutboundChannel.EMAIL and not (subject or "").strip():
        errors.add("subject", _("An email needs a subject."))
    if len(subject or "") > SUBJECT_MAX:
        errors.add("subject", _("At most %(n)d characters.") % {"n": SUBJECT_MAX})
    if source is not None and not (isinstance(source, tuple | list) and len(source) == 2
                                   and isinstance(source[0], str) and isinstance(source[1], int)):
        errors.add("source", _("The source is a (type, id) pair, e.g. (\"ticket\", 42)."))
    if dedupe_key is not None and not (0 < len(dedupe_key) <= 200):
        errors.add("dedupe_key", _("Between 1 and 200 characters."))
    errors.raise_if_any()


def message_send(*, actor, customer: Customer, channel: str, body: str, purpose: str, subject: str = "",
                 source: tuple[str, int] | None = None, dedupe_key: str | None = None, urgent: bool = False,
                 expires_at: datetime | None = None) -> OutboundMessage:
    """Ask for one message to the client; returns it stored (queued or suppressed with the reason).

    With a dedupe_key ("ticket:42:resolved") the same logical message is stored once: asking again returns the
    first one, whatever became of it. Dispatch happens after the commit (or when its time comes).
    """
    require_permission(actor, "messaging.send_message", "messaging.message_send", system_allowed=True)
    _validate(channel=channel, purpose=purpose, body=body, subject=subject, source=source, dedupe_key=dedupe_key)
    if dedupe_key:
        existing = OutboundMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            return _create(actor=actor, customer=customer, channel=channel, body=body, purpose=purpose,
                           subject=subject, source=source, dedupe_key=dedupe_key, urgent=urgent,
                           expires_at=expires_at)
    except IntegrityError:
        if dedupe_key:  # asked for twice at the same moment: the other one won
            existing = OutboundMessage.objects.filter(dedupe_key=dedupe_key).first()
            if existing is not None:
                return existing
        raise


def _create(*, actor, customer, channel, body, purpose, subject, source, dedupe_key, urgent, expires_at):
    # One message at a time per client: the cap is counted under the client's row lock (PostgreSQL).
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    now = timezone.now()
    address = address_for(customer, channel)
    reason = policy.suppression(
        purpose=purpose, consent=consent_for(customer, channel), address=address,
        recent_capped=_recent_capped(customer, channel, now) if purpose in policy.CAPPED_PURPOSES else 0,
        cap=settings.MESSAGING_CAP_MESSAGES, closed=customer.status == CustomerStatus.CLOSED)
    opening = None if (urgent or reason) else quiet_hours_opening(channel, now)
    message = OutboundMessage.objects.create(
        customer=customer, channel=channel, purpose=purpose, urgent=urgent, to_address=address,
        subject=(subject or "").strip(), body=body, source_type=source[0] if source else "",
        source_id=source[1] if source else None, dedupe_key=dedupe_key or None,
        status=S.SUPPRESSED if reason else S.QUEUED, suppression_reason=reason,
        created_at=now, created_by=actor if getattr(actor, "pk", None) else None,
        next_attempt_at=None if reason else (opening or now), held_for_quiet_hours=opening is not None,
        expires_at=expires_at or now + timedelta(hours=settings.MESSAGING_VALIDITY_HOURS),
        finished_at=now if reason else None,
        note=_("Held for quiet hours until %(at)s.") % {"at": timezone.localtime(opening).strftime("%Y-%m-%d %H:%M")}
        if opening else "",
    )
    audit_record(actor=actor, action="messaging.outbound_suppress" if reason else "messaging.outbound_create",
                 object_type="outbound_message", object_id=message.pk, after=audit_summary(message))
    if not reason:
        pk, delay = message.pk, (opening - now).total_seconds() if opening else 0
        transaction.on_commit(lambda: _enqueue(pk, delay))
    return message


def _enqueue(pk: int, delay: float = 0) -> None:
    """Hand the dispatch to the job queue. Losing this is harmless: the minutely sweep sends what is due."""
    from brokerdesk.messaging.tasks import message_dispatch_task

    try:
        if delay > 0:
            message_dispatch_task.schedule(args=(pk,), delay=delay)
        else:
            message_dispatch_task(pk)
    except Exception:
        log.exception("outbound message #%s could not be queued; the sweep will send it", pk)


# --- by hand -----------------------------------------------------------------------------------------------

def message_retry(*, actor, message: OutboundMessage) -> OutboundMessage:
    """Send a failed message again now (a supervisor). The attempts start over; the key stays the same, so the
    SMS gateway still answers a message it had accepted with its first result."""
    require_permission(actor, "messaging.retry_outboundmessage", "messaging.message_retry")
    if message.status != S.FAILED:
        raise Conflict(_("Only a failed message can be sent again; this one is %(status)s.")
                       % {"status": message.get_status_display()})
    now = timezone.now()
    with transaction.atomic():
        before = audit_summary(message)
        if not transition(message, S.QUEUED, next_attempt_at=now, finished_at=None, claimed_at=None,
                          expires_at=max(message.expires_at or now, now + timedelta(hours=1)),
                          note=(message.note + "\n" + _("Sent again by hand.")).strip()):
            raise Conflict()
        message.refresh_from_db()
        audit_record(actor=actor, action="messaging.outbound_retry", object_type="outbound_message",
                     object_id=message.pk, before=before, after=audit_summary(message))
        pk = message.pk
        transaction.on_commit(lambda: _dispatch_by_hand(pk))
    return message


def _dispatch_by_hand(pk: int) -> None:
    from brokerdesk.messaging.tasks import message_dispatch_by_hand_task

    try:
        message_dispatch_by_hand_task(pk)
    except Exception:
        log.exception("outbound message #%s could not be queued; the sweep will send it", pk)


# --- delivery receipts -------------------------------------------------------------------------------------

RECEIPT_DELIVERED = {"delivered", "DELIVRD"}
RECEIPT_FAILED = {"undeliverable", "failed", "rejected", "expired", "UNDELIV", "REJECTD"}


def receipt_apply(*, payload: dict) -> tuple[DeliveryReceipt, bool]:
    """Store the receipt once (by receipt_id) and move its message: (receipt, False) when it was seen before.

    The message is found by our key (idempotency_key) or else the gateway's id. A receipt for a message we do
    not know is kept (applied=False) for the operator to look at.
    """
    receipt_id = str(payload.get("receipt_id") or "").strip()[:200]
    status = str(payload.get("status") or "").strip()[:20]
    errors = FieldErrors()
    if not receipt_id:
        errors.add("receipt_id", _("Required."))
    if status not in RECEIPT_DELIVERED | RECEIPT_FAILED:
        errors.add("status", _("Unknown delivery status."))
    errors.raise_if_any()
    seen = DeliveryReceipt.objects.filter(receipt_id=receipt_id).first()
    if seen is not None:
        return seen, False
    try:
        with transaction.atomic():
            message = _receipt_message(payload)
            receipt = DeliveryReceipt.objects.create(receipt_id=receipt_id, message=message, status=status,
                                                     payload=payload)
            if message is not None:
                receipt.applied = _apply(message, status, payload)
                if receipt.applied:
                    receipt.save(update_fields=["applied"])
            return receipt, True
    except IntegrityError:  # the same receipt posted twice at the same moment
        return DeliveryReceipt.objects.get(receipt_id=receipt_id), False


def _receipt_message(payload: dict) -> OutboundMessage | None:
    key = str(payload.get("idempotency_key") or "")
    queryset = OutboundMessage.objects.select_for_update()
    try:
        found = queryset.filter(key=uuid.UUID(key)).first() if key else None
    except ValueError:  # not one of our keys
        found = None
    if found is not None:
        return found
    provider_id = str(payload.get("id") or "")
    return queryset.filter(provider_id=provider_id, channel=OutboundChannel.SMS).first() if provider_id else None


def _apply(message: OutboundMessage, status: str, payload: dict) -> bool:
    now = timezone.now()
    before = audit_summary(message)
    if status in RECEIPT_DELIVERED:
        changed = message.status in (S.SENDING, S.SENT) and transition(message, S.DELIVERED, delivered_at=now)
    else:
        error = f"delivery failed: {payload.get('error_code') or status}"[:500]
        changed = message.status in (S.SENDING, S.SENT) and transition(message, S.FAILED, finished_at=now,
                                                                         last_error=error)
    if changed:
        audit_record(actor=None, action="messaging.outbound_receipt", object_type="outbound_message",
                     object_id=message.pk, before=before, after=audit_summary(message),
                     details={"receipt_status": status})
    return changed

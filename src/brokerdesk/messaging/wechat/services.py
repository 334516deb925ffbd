"""WeChat callbacks in, passive replies out; followers and their binding to clients.

    callback (signature and timestamp already checked by the view)
      -> parse (safely; unreadable: stored quarantined, refused)
      -> the same MsgId / event seen before?  yes: the reply it got, nothing new
      -> store the raw body (InboundMessage "wechat" + WeChatInbound with the de-duplication key), commit
      -> process: the follower (subscribe / unsubscribe tracked), the client it is bound to,
           an event or a binding command ("绑定 123456") -> routed to the follower
           any other message -> the channel's handler (tickets registers one) -> routed / quarantined
         the passive reply is stored with the message and sent; a contact_logged signal after commit.

messaging/services.py processes email only (its parser knows no other channel), so WeChat messages are processed
here, with the same states, fields and audit actions. Reprocessing a quarantined WeChat message goes through
wechat_inbound_reprocess (messaging's own reprocess would quarantine it as "unsupported_channel").
"""

import hashlib
import hmac
import ipaddress
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.errors import Conflict
from brokerdesk.core.permissions import require_permission
from brokerdesk.customers.selectors import customer_get_for_actor
from brokerdesk.messaging.choices import Channel, CustomerMatch, InboundStatus
from brokerdesk.messaging.email.parse import clean_text
from brokerdesk.messaging.models import InboundMessage
from brokerdesk.messaging.routing import handler_run, inbound_handler_for
from brokerdesk.messaging.signals import contact_logged
from brokerdesk.messaging.wechat import protocol
from brokerdesk.messaging.wechat.models import WeChatBindAttempt, WeChatBindingCode, WeChatFollower, WeChatInbound

logger = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
BIND_FAILURES_PER_HOUR = 5
HANDLER_ERROR = "handler_error"
PROCESSABLE = {InboundStatus.RECEIVED, InboundStatus.QUARANTINED}
PROCESSED_FIELDS = ["message_id", "from_address", "subject", "body_text", "status", "quarantine_code",
                    "quarantine_message", "note", "attempts", "processed_at", "customer", "customer_match",
                    "routed_to_type", "routed_to_id"]
FOLLOWER = "wechat_follower"


class CallbackRejected(Exception):
    """The body was stored (quarantined) but is not a message we answer; the view answers 400."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# --- Binding codes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once to the staff member, never stored
    expires_at: datetime
    record: WeChatBindingCode


def _code_hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"wechat-binding:{code}".encode(), hashlib.sha256).hexdigest()


def _usable_codes(now: datetime):
    return WeChatBindingCode.objects.filter(used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


def wechat_binding_code_issue(*, actor, customer_id) -> IssuedCode:
    """A new one-time code for a client the actor may see; earlier unused codes of the client are revoked."""
    require_permission(actor, "wechat.bind_wechatfollower", "wechat.binding_code_issue")
    customer = customer_get_for_actor(actor, customer_id)
    now = timezone.now()
    with transaction.atomic():
        for _attempt in range(20):  # two clients never hold the same usable code
            code = f"{secrets.randbelow(10**6):06d}"
            digest = _code_hash(code)
            if not _usable_codes(now).filter(code_hash=digest).exists():
                break
        else:  # pragma: no cover - a million codes in ten minutes
            raise Conflict(_("Too many binding codes are in use; try again in a few minutes."))
        revoked = _usable_codes(now).filter(customer=customer).update(revoked_at=now)
        record = WeChatBindingCode.objects.create(customer=customer, code_hash=digest, issued_by=actor,
                                                  issued_at=now, expires_at=now + CODE_TTL)
        audit_record(actor=actor, action="wechat.binding_code_issue", object_type="customer", object_id=customer.pk,
                     details={"code_id": record.pk, "expires_at": record.expires_at.isoformat(),
                              "revoked_earlier": revoked})
    return IssuedCode(code=code, expires_at=record.expires_at, record=record)


def _bind(follower: WeChatFollower, code: str, now: datetime) -> str:
    """Try a binding command; returns the reply. Runs in the processing transaction."""
    recent_failures = WeChatBindAttempt.objects.filter(openid=follower.openid, succeeded=False,
                                                       at__gt=now - timedelta(hours=1)).count()
    if recent_failures >= BIND_FAILURES_PER_HOUR:
        audit_record(actor=None, action="wechat.bind_refused", object_type=FOLLOWER, object_id=follower.pk,
                     details={"why": "too many attempts"})
        return _("Too many wrong codes. Please try again in an hour.")
    match = _usable_codes(now).filter(code_hash=_code_hash(code)).select_related("customer").first() if code else None
    claimed = match is not None and _usable_codes(now).filter(pk=match.pk).update(used_at=now, used_by=follower) == 1
    WeChatBindAttempt.objects.create(openid=follower.openid, at=now, succeeded=claimed)
    if not claimed:
        audit_record(actor=None, action="wechat.bind_refused", object_type=FOLLOWER, object_id=follower.pk,
                     details={"why": "wrong or expired code" if code else "no code"})
        return _("This code is wrong or has expired. Please check it, or ask our staff for a new one.")
    before = {"customer_id": follower.customer_id}
    follower.customer, follower.bound_at = match.customer, now
    follower.save(update_fields=["customer", "bound_at"])
    audit_record(actor=None, action="wechat.follower_bind", object_type=FOLLOWER, object_id=follower.pk,
                 before=before, after={"customer_id": follower.customer_id}, details={"code_id": match.pk})
    return _("Your WeChat is now linked to your account. Send us a message here any time.")


def wechat_follower_unbind(*, actor, follower: WeChatFollower) -> WeChatFollower:
    """Staff remove a follower's link to a client (a wrong binding, or the client asked)."""
    require_permission(actor, "wechat.bind_wechatfollower", "wechat.follower_unbind")
    if follower.customer_id:
        customer_get_for_actor(actor, follower.customer_id)  # NotFound: not a client the actor may see
    with transaction.atomic():
        changed = WeChatFollower.objects.filter(pk=follower.pk, customer_id=follower.customer_id).update(
            customer=None, bound_at=None)
        if not changed:
            raise Conflict()
        audit_record(actor=actor, action="wechat.follower_unbind", object_type=FOLLOWER, object_id=follower.pk,
                     before={"customer_id": follower.customer_id}, after={"customer_id": None})
    follower.customer, follower.bound_at = None, None
    return follower


# --- Callbacks ----------------------------------------------------------------------------------------


def _peer_ip(peer) -> str | None:
    try:
        return str(ipaddress.ip_address(str(peer))) if peer else None
    except ValueError:
        return None


def _store(raw: bytes, peer, *, status: str = InboundStatus.RECEIVED, code: str = "", why: str = "") -> InboundMessage:
    digest = hashlib.sha256(raw).hexdigest()
    message = InboundMessage.objects.create(
        channel=Channel.WECHAT, peer=_peer_ip(peer), raw=raw, sha256=digest, size=len(raw), status=status,
        quarantine_code=code, quarantine_message=clean_text(why)[:2000],
        processed_at=timezone.now() if code else None, attempts=1 if code else 0)
    audit_record(actor=None, action="messaging.inbound_store", object_type="inbound_message", object_id=message.pk,
                 after={"channel": Channel.WECHAT, "size": len(raw), "sha256": digest, "peer": message.peer,
                        **({"quarantine_code": code} if code else {})})
    return message


def wechat_callback_receive(*, raw: bytes, peer=None) -> str:
    """The body to answer a signed, fresh callback with: a passive reply XML, or "success".

    Raises CallbackRejected for a body that is not a readable WeChat message (stored quarantined first).
    """
    raw = bytes(raw)
    try:
        parsed = protocol.parse_message(raw, max_bytes=settings.WECHAT_MAX_BYTES)
    except protocol.XmlRejected as error:
        with transaction.atomic():
            message = _store(raw[:settings.WECHAT_MAX_BYTES], peer, status=InboundStatus.QUARANTINED,
                             code=error.code, why=error.message)
        logger.warning("wechat callback stored as #%s and refused: %s", message.pk, error.message)
        raise CallbackRejected(error.code, error.message) from None
    seen = _seen(parsed.dedup_key)
    if seen is not None:
        return seen
    try:
        with transaction.atomic():
            message = _store(raw, peer)
            record = WeChatInbound.objects.create(
                inbound=message, dedup_key=parsed.dedup_key, openid=parsed.openid, to_account=parsed.to_user,
                msg_type=parsed.msg_type[:20], event=parsed.event[:40])
    except IntegrityError:  # a retry arrived while the first delivery was being stored
        return _seen(parsed.dedup_key) or protocol.SUCCESS
    return _process_and_reply(record, parsed)


def _seen(dedup_key: str) -> str | None:
    """The reply a message already got, counting the retry; None when the message is new."""
    record = WeChatInbound.objects.filter(dedup_key=dedup_key).first()
    if record is None:
        return None
    WeChatInbound.objects.filter(pk=record.pk).update(retries=F("retries") + 1)
    if record.reply:
        return record.reply
    # Stored but never processed (the process crashed before): the platform's retry drives it once more.
    message = InboundMessage.objects.get(pk=record.inbound_id)
    if message.status == InboundStatus.RECEIVED and message.attempts == 0:
        parsed = protocol.parse_message(bytes(message.raw), max_bytes=settings.WECHAT_MAX_BYTES)
        return _process_and_reply(record, parsed)
    return protocol.SUCCESS


def _process_and_reply(record: WeChatInbound, parsed: protocol.ParsedWeChat) -> str:
    try:
        return _process(record, parsed, actor=None, allowed={InboundStatus.RECEIVED}, reprocess=False)
    except Conflict:
        return WeChatInbound.objects.get(pk=record.pk).reply or protocol.SUCCESS
    except Exception:
        logger.exception("wechat message #%s is stored but could not be processed; it stays received",
                         record.inbound_id)
        return protocol.SUCCESS


def wechat_inbound_reprocess(*, actor, message: InboundMessage) -> InboundMessage:
    """A supervisor sends a quarantined (or unrouted) WeChat message through again. No reply goes out: the
    platform's 5 seconds are long over."""
    require_permission(actor, "messaging.reprocess_inboundmessage", "wechat.inbound_reprocess")
    record = WeChatInbound.objects.filter(inbound_id=message.pk).first()
    if record is None or message.status not in PROCESSABLE:
        raise Conflict(_("Only a stored WeChat message that is quarantined or unrouted can be processed again."))
    parsed = protocol.parse_message(bytes(InboundMessage.objects.get(pk=message.pk).raw),
                                    max_bytes=settings.WECHAT_MAX_BYTES)
    _process(record, parsed, actor=actor, allowed=PROCESSABLE, reprocess=True)
    return InboundMessage.objects.defer("raw").get(pk=message.pk)


def _follower_for(openid: str, now: datetime) -> WeChatFollower:
    follower, _created = WeChatFollower.objects.get_or_create(openid=openid, defaults={"first_seen_at": now})
    return WeChatFollower.objects.select_for_update().get(pk=follower.pk)


def _at(parsed: protocol.ParsedWeChat, now: datetime) -> datetime:
    """When the platform says it happened; our clock if that is far off (the timestamp is the sender's)."""
    try:
        at = datetime.fromtimestamp(parsed.create_time, tz=UTC)
    except (OverflowError, ValueError, OSError):
        return now
    return at if abs((at - now).total_seconds()) < 86400 else now


def _event(follower: WeChatFollower, parsed: protocol.ParsedWeChat, now: datetime) -> tuple[str, str]:
    """(reply text or "", disposition) for an event; follows subscriptions."""
    event, at = parsed.event.lower(), _at(parsed, now)
    if event == "subscribe":
        follower.subscribed, follower.subscribed_at = True, at
        follower.save(update_fields=["subscribed", "subscribed_at"])
        audit_record(actor=None, action="wechat.follower_subscribe", object_type=FOLLOWER, object_id=follower.pk)
        return _("Welcome! Send us your question here and our service team will answer. To link your WeChat to "
                 "your account, send 绑定 followed by the 6-digit code our staff gave you."), "subscribed"
    if event == "unsubscribe":
        follower.subscribed, follower.unsubscribed_at = False, at
        follower.save(update_fields=["subscribed", "unsubscribed_at"])
        audit_record(actor=None, action="wechat.follower_unsubscribe", object_type=FOLLOWER, object_id=follower.pk)
        return "", "unsubscribed"  # nothing reaches an unsubscribed user
    return "", f"event_{event}"[:40]


def _process(record: WeChatInbound, parsed: protocol.ParsedWeChat, *, actor, allowed: set, reprocess: bool) -> str:
    pk = record.inbound_id
    seen = InboundMessage.objects.defer("raw").get(pk=pk)
    if seen.status not in allowed:
        raise Conflict(_("This message is %(status)s; it cannot be processed now.")
                       % {"status": seen.get_status_display()})
    now = timezone.now()
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        message = InboundMessage.objects.select_for_update().defer("raw").get(pk=pk)
        if (message.status, message.attempts) != (seen.status, seen.attempts):
            raise Conflict(_("Someone else processed this message meanwhile; reload it."))
        before = _state(message)
        follower = _follower_for(parsed.openid, now)
        message.attempts += 1
        message.processed_at = now
        message.quarantine_code = message.quarantine_message = message.note = ""
        message.message_id = parsed.dedup_key
        message.from_address = parsed.openid
        message.subject = f"WeChat {parsed.msg_type}"[:200]
        message.body_text = clean_text(parsed.describe())[:20000]
        reply, disposition = "", ""
        code = protocol.binding_code_in(parsed.content) if parsed.msg_type == "text" else None
        if parsed.msg_type == protocol.EVENT:
            reply, disposition = _event(follower, parsed, now)
            _routed(message, FOLLOWER, follower.pk)
        elif code is not None:
            reply, disposition = _bind(follower, code, now), "binding"
            _routed(message, FOLLOWER, follower.pk)
        if not follower.subscribed and parsed.msg_type != protocol.EVENT:
            # A message from someone we saw leave: they are back (the platform sends no subscribe for that).
            follower.subscribed = True
            follower.save(update_fields=["subscribed"])
        message.customer = follower.customer
        message.customer_match = CustomerMatch.UNIQUE if follower.customer_id else CustomerMatch.NONE
        if not disposition:
            reply, disposition = _handle(message, parsed)
        message.save(update_fields=PROCESSED_FIELDS)
        audit_record(actor=actor, action="messaging.inbound_reprocess" if reprocess else "messaging.inbound_process",
                     object_type="inbound_message", object_id=pk, before=before, after=_state(message))
        body = protocol.SUCCESS
        if reply and not reprocess:
            body = protocol.text_reply(to_openid=parsed.openid, from_account=parsed.to_user, content=reply,
                                       create_time=int(now.timestamp()))
        if not reprocess:
            WeChatInbound.objects.filter(pk=record.pk).update(reply=body)
        summary = _summary(parsed, message, disposition)
        contact = {"direction": "inbound", "customer_id": message.customer_id, "started_at": _at(parsed, now),
                   "ended_at": None, "summary": summary, "source_type": "inbound_message", "source_id": pk,
                   "agent_id": None, "disposition": disposition}
        transaction.on_commit(lambda: contact_logged.send_robust(sender=Channel.WECHAT, **contact))
    return body


def _routed(message: InboundMessage, kind: str, pk: int) -> None:
    message.status = InboundStatus.ROUTED
    message.routed_to_type, message.routed_to_id = kind, pk


def _handle(message: InboundMessage, parsed: protocol.ParsedWeChat) -> tuple[str, str]:
    """A message for the channel's handler (tickets): (reply, disposition)."""
    handler = inbound_handler_for(Channel.WECHAT)
    received = _("We have received your message; our service team will reply within one working day.")
    if handler is None:
        message.status = InboundStatus.RECEIVED
        message.note = "No handler is registered for the wechat channel; the message waits to be processed again."
        return received, "received"
    message.save(update_fields=PROCESSED_FIELDS)  # the handler sees the parsed fields and the client
    try:
        result = handler_run(handler, message, parsed)
    except Exception as error:
        logger.warning("wechat message #%s: the handler failed", message.pk, exc_info=True)
        message.status = InboundStatus.QUARANTINED
        message.quarantine_code = HANDLER_ERROR
        message.quarantine_message = clean_text(f"{type(error).__name__}: {error}")[:2000]
        return received, HANDLER_ERROR
    if result is None:
        message.status = InboundStatus.RECEIVED
        message.note = "The handler made nothing of this message."
        return received, "received"
    _routed(message, result[0][:40], result[1])
    if parsed.reply_reference:
        return (_("We have received your message (ticket %(number)s); our service team will reply within one "
                  "working day.") % {"number": parsed.reply_reference}), f"{result[0][:30]}_created"
    return received, f"{result[0][:30]}_created"


def _summary(parsed: protocol.ParsedWeChat, message: InboundMessage, disposition: str) -> str:
    """One line for the timeline, without the client's words (they may hold personal data)."""
    what = parsed.event or parsed.msg_type
    if parsed.reply_reference:
        return _("WeChat %(what)s message: ticket %(number)s") % {"what": what, "number": parsed.reply_reference}
    return _("WeChat %(what)s (%(result)s)") % {"what": what, "result": disposition}


def _state(message: InboundMessage) -> dict:
    return {"status": message.status, "quarantine_code": message.quarantine_code, "routed_to": message.routed_to,
            "customer_id": message.customer_id, "customer_match": message.customer_match}

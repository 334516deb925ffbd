"""Handing queued messages to their channel, with the guarantees of docs/messaging.md "Never twice".

    message_dispatch(pk)   due? expired? -> claim (compare-and-set queued -> sending, one worker wins)
                           -> sender.send() outside any transaction -> record the attempt and the outcome:
                              accepted   -> sent (contact_logged after the commit)
                              temporary  -> queued again after the back-off (1 min, 5 min, 30 min, 2 h), then failed
                              permanent  -> failed
                              ambiguous  -> failed, with the reason; only a person sends it again
    messages_dispatch_due()  the sweep (every minute): what is due, and claims a crashed worker left behind
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.messaging.choices import AttemptOutcome, OutboundChannel, OutboundStatus
from brokerdesk.messaging.models import OutboundAttempt, OutboundMessage
from brokerdesk.messaging.outbound import policy
from brokerdesk.messaging.outbound.senders import SendResult, sender_for
from brokerdesk.messaging.outbound.services import audit_summary, masked_address, transition
from brokerdesk.messaging.signals import contact_logged

log = logging.getLogger(__name__)
S = OutboundStatus
SWEEP_BATCH = 500


def message_dispatch(pk: int, *, by_hand: bool = False, now: datetime | None = None) -> str:
    """Try to hand message pk over once. Returns what happened (a status, or "not_due" / "taken" / "gone").

    Safe to call any number of times, from any number of workers: only the one whose claim succeeds sends."""
    now = now or timezone.now()
    message = OutboundMessage.objects.filter(pk=pk).first()
    if message is None:
        return "gone"
    if message.status != S.QUEUED:
        return message.status
    if message.next_attempt_at and message.next_attempt_at > now:
        return "not_due"
    if message.expires_at and message.expires_at <= now:
        return _expire(message, now)
    number = message.attempt_count + 1
    claimed = OutboundMessage.objects.filter(pk=pk, status=S.QUEUED, attempt_count=message.attempt_count).update(
        status=S.SENDING, claimed_at=now, attempt_count=F("attempt_count") + 1, held_for_quiet_hours=False)
    if not claimed:
        return "taken"
    message.status, message.claimed_at, message.attempt_count = S.SENDING, now, number
    started = timezone.now()
    try:
        result = sender_for(message.channel).send(message)
    except Exception as error:  # a sender must classify, but a bug in one must not strand the message
        log.exception("the %s sender raised for outbound message #%s", message.channel, pk)
        result = SendResult(AttemptOutcome.AMBIGUOUS if message.channel == OutboundChannel.EMAIL
                            else AttemptOutcome.TRANSIENT, error=f"{type(error).__name__}: {error}")
    return _finish(message, number, result, started, by_hand=by_hand)


def _finish(message: OutboundMessage, number: int, result: SendResult, started: datetime, *, by_hand: bool) -> str:
    now = timezone.now()
    with transaction.atomic():
        # get_or_create: a worker slower than its lease finds its attempt already closed by the sweep
        OutboundAttempt.objects.get_or_create(message=message, number=number, defaults={
            "started_at": started, "finished_at": now, "outcome": result.outcome, "error": result.error[:4000],
            "response": result.response, "by_hand": by_hand})
        before = audit_summary(message)
        if result.outcome == AttemptOutcome.ACCEPTED:
            fields = {"sent_at": now, "provider_id": result.provider_id, "last_error": "", "claimed_at": None}
            if not transition(message, S.SENT, **fields):
                # A delivery receipt overtook the answer (sending -> delivered): keep what it said, add the id.
                OutboundMessage.objects.filter(pk=message.pk).update(**fields)
                message.refresh_from_db()
            action = "messaging.outbound_sent"
            pk = message.pk
            transaction.on_commit(lambda: _log_contact(pk))
        elif result.outcome == AttemptOutcome.TRANSIENT:
            delay = policy.backoff_delay(number, settings.MESSAGING_RETRY_BACKOFF_SECONDS)
            if delay is None:
                transition(message, S.FAILED, finished_at=now, claimed_at=None,
                           last_error=_("Gave up after %(n)d attempts: %(error)s") % {"n": number,
                                                                                       "error": result.error})
                action = "messaging.outbound_failed"
            else:
                transition(message, S.QUEUED, next_attempt_at=now + delay, claimed_at=None,
                           last_error=result.error)
                action = "messaging.outbound_retry_scheduled"
                pk, seconds = message.pk, delay.total_seconds()
                transaction.on_commit(lambda: _schedule(pk, seconds))
        else:  # permanent, or ambiguous: never sent again by itself
            transition(message, S.FAILED, finished_at=now, claimed_at=None, last_error=result.error)
            action = "messaging.outbound_failed"
        audit_record(actor=None, action=action, object_type="outbound_message", object_id=message.pk,
                     before=before, after=audit_summary(message),
                     details={"attempt": number, "outcome": result.outcome})
    return message.status


def _schedule(pk: int, seconds: float) -> None:
    from brokerdesk.messaging.tasks import message_dispatch_task

    try:
        message_dispatch_task.schedule(args=(pk,), delay=seconds)
    except Exception:
        log.exception("the retry of outbound message #%s could not be scheduled; the sweep will send it", pk)


def _expire(message: OutboundMessage, now: datetime) -> str:
    with transaction.atomic():
        before = audit_summary(message)
        if transition(message, S.EXPIRED, finished_at=now,
                      note=(message.note + "\n" + _("Expired: not sent before %(at)s.") % {
                          "at": timezone.localtime(message.expires_at).strftime("%Y-%m-%d %H:%M")}).strip()):
            audit_record(actor=None, action="messaging.outbound_expired", object_type="outbound_message",
                         object_id=message.pk, before=before, after=audit_summary(message))
    return message.status


def _log_contact(pk: int) -> None:
    message = OutboundMessage.objects.filter(pk=pk).first()
    if message is None:
        return
    purpose = message.get_purpose_display()
    summary = f"{message.get_channel_display()} → {masked_address(message.channel, message.to_address)}: {purpose}"
    if message.source:
        summary += f" ({message.source})"
    contact_logged.send_robust(
        sender=message.channel, direction="outbound", customer_id=message.customer_id,
        started_at=message.sent_at or timezone.now(), ended_at=message.sent_at, summary=summary,
        source_type="outbound_message", source_id=message.pk, agent_id=message.created_by_id, disposition="sent")


def stale_claims_release(now: datetime | None = None) -> int:
    """Claims older than the lease belong to a worker that died mid-send. SMS goes back to the queue (the gateway
    answers a repeated key with its first result); email is failed as ambiguous (it may have gone out)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.MESSAGING_CLAIM_LEASE_SECONDS)
    released = 0
    for message in OutboundMessage.objects.filter(status=S.SENDING, claimed_at__lt=cutoff)[:SWEEP_BATCH]:
        if message.channel == OutboundChannel.SMS:
            result = SendResult(AttemptOutcome.TRANSIENT, error="the worker sending it stopped; sent again "
                                                                "with the same idempotency key")
        else:
            result = SendResult(AttemptOutcome.AMBIGUOUS, error="the worker sending it stopped mid-send; it may "
                                                                "have gone out")
        _finish(message, message.attempt_count, result, message.claimed_at or now, by_hand=False)
        released += 1
    return released


def due_message_ids(now: datetime | None = None, *, limit: int = SWEEP_BATCH) -> list[int]:
    now = now or timezone.now()
    return list(OutboundMessage.objects.filter(status=S.QUEUED)
                .filter(Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True))
                .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])


def messages_dispatch_due(now: datetime | None = None) -> dict:
    """The sweep: release dead claims, then dispatch what is due (held messages whose quiet hours ended, retries
    whose back-off is over, anything whose job was lost)."""
    released = stale_claims_release(now)
    outcomes: dict[str, int] = {}
    for pk in due_message_ids(now):
        outcome = message_dispatch(pk, now=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return {"released": released, **outcomes}

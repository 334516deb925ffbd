"""Inbound messages from every channel, stored raw before anything reads them.

Where the raw bytes live: in the row (a BinaryField), not in a file under VAR_DIR. The listener answers
"250 accepted" only once the bytes are committed, and one database commit is the only thing that makes
"the row exists" and "the bytes exist" true together: a file plus a row can be left half-written by a crash
between the two, and a file on one machine is missing for the web and worker processes on the others
(production runs several machines against one PostgreSQL). Backups, retention and the audit trail then all
cover the mail as one thing. The size is bounded (settings.MAIL_SMTP_MAX_BYTES, 20 MB by default), well
inside what PostgreSQL bytea and SQLite blobs hold; lists and the admin defer the column. sha256 is kept
beside the bytes so that any later change to them can be detected and duplicates found.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brokerdesk.customers.models import Customer
from brokerdesk.messaging.choices import (
    AttemptOutcome,
    Channel,
    CustomerMatch,
    InboundStatus,
    OutboundChannel,
    OutboundStatus,
    Purpose,
    SuppressionReason,
)


class InboundMessage(models.Model):
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    peer = models.GenericIPAddressField(_("sent from (IP)"), null=True, blank=True)
    # The SMTP envelope: who the sending server says it is from and to (not the headers).
    envelope_from = models.TextField(_("envelope sender"), blank=True)
    envelope_to = models.JSONField(_("envelope recipients"), default=list, blank=True)

    raw = models.BinaryField(_("raw message"), editable=False)
    sha256 = models.CharField(_("SHA-256 of the raw message"), max_length=64, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)

    # What the parser read (empty until the message has been parsed).
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    from_address = models.CharField(_("from address"), max_length=320, blank=True)
    from_name = models.CharField(_("from name"), max_length=200, blank=True)
    subject = models.TextField(_("subject"), blank=True)
    body_text = models.TextField(_("text"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)  # parse.Attachment.as_dict()

    status = models.CharField(_("status"), max_length=12, choices=InboundStatus.choices,
                              default=InboundStatus.RECEIVED)
    quarantine_code = models.CharField(_("quarantine reason"), max_length=40, blank=True)
    quarantine_message = models.TextField(_("quarantine details"), blank=True)
    note = models.TextField(_("processing notes"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    processed_at = models.DateTimeField(_("last processed at"), null=True, blank=True)

    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="inbound_messages", verbose_name=_("client"))
    customer_match = models.CharField(_("client match"), max_length=10, choices=CustomerMatch.choices,
                                      blank=True, default=CustomerMatch.NOT_LOOKED_UP)
    # What the channel's handler made of it, e.g. ("ticket", 42); see routed_to.
    routed_to_type = models.CharField(_("routed to (type)"), max_length=40, blank=True)
    routed_to_id = models.PositiveBigIntegerField(_("routed to (id)"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        indexes = [
            models.Index(fields=["status", "received_at"], name="inbound_status_received_idx"),
            models.Index(fields=["sha256"], name="inbound_sha256_idx"),
        ]
        permissions = [("reprocess_inboundmessage", "Can process a quarantined inbound message again")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk} {self.from_address or self.envelope_from}"

    @property
    def routed_to(self) -> str:
        """"ticket:42", or "" when nothing was made of the message yet."""
        return f"{self.routed_to_type}:{self.routed_to_id}" if self.routed_to_type else ""


# --- Outbound (docs/messaging.md) --------------------------------------------------------------------------


class OutboundMessage(models.Model):
    """One message to one client on one channel, from the moment it is asked for until it is delivered (or why
    not). Never deleted: a suppressed or expired message stays, with its reason, so the outbox shows why.

    key is our unique id for the message: the SMS gateway's idempotency key and the email's Message-ID, so a
    retry after an unclear failure can never become a second message at the client.
    """

    key = models.UUIDField(_("message key"), default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="outbound_messages",
                                 verbose_name=_("client"))
    channel = models.CharField(_("channel"), max_length=10, choices=OutboundChannel.choices)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    urgent = models.BooleanField(_("urgent (ignores quiet hours)"), default=False)
    # The address resolved from the client's master data when the message was asked for.
    to_address = models.CharField(_("to"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    # What asked for it, e.g. ("ticket", 42); and the logical message it is, e.g. "ticket:42:resolved".
    source_type = models.CharField(_("source (type)"), max_length=40, blank=True)
    source_id = models.PositiveBigIntegerField(_("source (id)"), null=True, blank=True)
    dedupe_key = models.CharField(_("de-duplication key"), max_length=200, null=True, blank=True)

    status = models.CharField(_("status"), max_length=12, choices=OutboundStatus.choices,
                              default=OutboundStatus.QUEUED)
    suppression_reason = models.CharField(_("suppressed because"), max_length=20,
                                          choices=SuppressionReason.choices, blank=True)
    note = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("asked for at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("asked for by"))
    # Not before (quiet hours hold a message until the window opens; a retry waits out its back-off).
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    held_for_quiet_hours = models.BooleanField(_("held for quiet hours"), default=False)
    expires_at = models.DateTimeField(_("useless after"), null=True, blank=True)
    attempt_count = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("failed, suppressed or expired at"), null=True, blank=True)
    provider_id = models.CharField(_("gateway's id"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        constraints = [
            models.UniqueConstraint(fields=["key"], name="outbound_unique_key"),
            models.UniqueConstraint(fields=["dedupe_key"], name="outbound_unique_dedupe_key"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_due_idx"),
            models.Index(fields=["customer", "channel", "created_at"], name="outbound_customer_idx"),
            models.Index(fields=["source_type", "source_id"], name="outbound_source_idx"),
            models.Index(fields=["provider_id"], name="outbound_provider_idx"),
        ]
        permissions = [
            ("send_message", "Can send a message to a client"),
            ("retry_outboundmessage", "Can send a failed outbound message again"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk} ({self.get_status_display()})"

    @property
    def source(self) -> str:
        return f"{self.source_type}:{self.source_id}" if self.source_type else ""


class OutboundAttempt(models.Model):
    """One try at handing a message over (to the SMS gateway or the SMTP server): kept for every try."""

    message = models.ForeignKey(OutboundMessage, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=AttemptOutcome.choices)
    error = models.TextField(_("error"), blank=True)
    response = models.JSONField(_("gateway response"), default=dict, blank=True)
    by_hand = models.BooleanField(_("retried by hand"), default=False)

    class Meta:
        ordering = ["message", "number"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        constraints = [models.UniqueConstraint(fields=["message", "number"], name="outbound_attempt_unique")]

    def __str__(self) -> str:
        return f"#{self.message_id} attempt {self.number}: {self.outcome}"


class DeliveryReceipt(models.Model):
    """A delivery receipt from the SMS gateway, stored once per receipt id (the gateway may post it again)."""

    receipt_id = models.CharField(_("receipt id"), max_length=200)
    message = models.ForeignKey(OutboundMessage, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="receipts")
    status = models.CharField(_("status"), max_length=20)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    payload = models.JSONField(_("payload"), default=dict)
    applied = models.BooleanField(_("changed the message"), default=False)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("delivery receipt")
        verbose_name_plural = _("delivery receipts")
        constraints = [models.UniqueConstraint(fields=["receipt_id"], name="receipt_unique_id")]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.status}"

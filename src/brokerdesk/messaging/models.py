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

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from brokerdesk.customers.models import Customer
from brokerdesk.messaging.choices import Channel, CustomerMatch, InboundStatus


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

"""Ticket attachments: stored by SHA-256 outside the web root, served only after the ticket's access check.

The file name on disk is the content hash, so equal files are stored once and nothing in a URL points at a file
directly. Downloads carry a sandboxing Content-Security-Policy; HTML, SVG and anything not known to be safe to
show inline are served as downloads, so an uploaded page can never run script in the platform's origin.
"""

from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from brokerdesk.core.audit import audit_record
from brokerdesk.core.blobs import BlobStore, BlobTooLarge, blob_response, safe_filename
from brokerdesk.core.errors import NotFound, ValidationFailed
from brokerdesk.core.scoping import database_id
from brokerdesk.tickets.models import Attachment
from brokerdesk.tickets.selectors import ticket_get_for_actor
from brokerdesk.tickets.services import ticket_action_check, ticket_event_record, ticket_lock_for_actor

# Shown in the browser; everything else is a download.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "application/pdf", "audio/mpeg", "audio/wav",
                          "audio/x-wav", "text/plain"})
CHUNK = 1024 * 1024


def _store_root() -> BlobStore:
    return BlobStore(Path(settings.ATTACHMENT_DIR), settings.ATTACHMENT_MAX_BYTES)


def blob_path(sha256: str) -> Path:
    """Where the file with this content lives."""
    return _store_root().path(sha256)


def _safe_filename(name: str) -> str:
    return safe_filename(name, "attachment")


def _store(chunks) -> tuple[str, int]:
    """Write the chunks to their content-addressed place (atomically) and return (sha256, size)."""
    try:
        return _store_root().store(chunks)
    except BlobTooLarge:
        raise ValidationFailed(details={"file": [_("The file is larger than the limit of %(mb)d MB.")
                                                  % {"mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}]}) from None


def attachment_add(*, actor, ticket_id, upload) -> Attachment:
    if upload is None or upload.size == 0:
        raise ValidationFailed(details={"file": [_("Choose a file that is not empty.")]})
    sha, size = _store(upload.chunks(CHUNK))
    with transaction.atomic():
        ticket = ticket_lock_for_actor(actor, ticket_id, "tickets.work_ticket", "tickets.attachment_add")
        ticket_action_check("attach", ticket)
        now = timezone.now()
        attachment = Attachment.objects.create(
            ticket=ticket, filename=_safe_filename(upload.name), size=size, sha256=sha, uploaded_by=actor,
            uploaded_at=now, content_type=(upload.content_type or "application/octet-stream")[:100])
        ticket_event_record(ticket, actor, "attach", now, details={
            "attachment": attachment.pk, "filename": attachment.filename, "sha256": sha, "size": size})
    return attachment


def attachment_store_bytes(ticket, *, filename: str, content_type: str, data: bytes, now) -> Attachment:
    """A file that arrived with the ticket (an email's attachments, the email itself), stored by the system inside
    the caller's transaction."""
    sha, size = _store([data])
    return Attachment.objects.create(ticket=ticket, filename=_safe_filename(filename), size=size, sha256=sha,
                                     uploaded_at=now, content_type=(content_type or "application/octet-stream")[:100])


def attachment_response(*, actor, ticket_id, attachment_id) -> FileResponse:
    """The file, if the actor may see the ticket; the same NotFound for another's ticket or a wrong id."""
    ticket = ticket_get_for_actor(actor, ticket_id)
    attachment = ticket.attachments.filter(pk=database_id(attachment_id)).first()
    path = blob_path(attachment.sha256) if attachment else None
    if attachment is None or not path.exists():
        raise NotFound()
    audit_record(actor=actor, action="tickets.attachment_read", object_type="ticket", object_id=ticket.pk,
                 details={"attachment": attachment.pk, "sha256": attachment.sha256})
    return blob_response(path, filename=attachment.filename, content_type=attachment.content_type,
                         inline_types=INLINE_TYPES)

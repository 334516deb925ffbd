"""Retention: closed tickets kept past the retention period are deleted (`brokerdesk tickets_archive`).

Complaint files are kept at least 3 years (DOMAIN.md "Complaints"); settings.TICKET_RETENTION_YEARS (environment
BROKERDESK_TICKET_RETENTION_YEARS, never below 3) says how long. A ticket goes when it is closed and its
closed_at is older than that; a ticket in any other state never goes, however old. With it go its history,
clocks, supervision tickets, escalations, accountability records and attachment rows; an attachment's file goes
only when no remaining attachment has the same content (files are stored once per SHA-256).
"""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from brokerdesk.core.audit import audit_record
from brokerdesk.tickets.attachments import blob_path
from brokerdesk.tickets.choices import TicketStatus
from brokerdesk.tickets.models import Attachment, Ticket

BATCH = 500


def years_before(moment: datetime, years: int) -> datetime:
    """The same local date and time `years` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def retention_cutoff(now: datetime | None = None) -> datetime:
    return years_before(timezone.localtime(now or timezone.now()), max(3, settings.TICKET_RETENTION_YEARS))


def expired_tickets(cutoff: datetime):
    """Closed tickets closed before the cutoff, the oldest first."""
    return Ticket.objects.filter(status=TicketStatus.CLOSED, closed_at__lt=cutoff).order_by("closed_at", "id")


def _remove_unreferenced(hashes: set[str]) -> list[str]:
    """Delete the files whose content no attachment references any more; checked again now, after the commit."""
    still_used = set(Attachment.objects.filter(sha256__in=hashes).values_list("sha256", flat=True))
    removed = []
    for sha in sorted(hashes - still_used):
        try:
            blob_path(sha).unlink()
        except FileNotFoundError:
            continue
        removed.append(sha)
    return removed


def tickets_archive(*, cutoff: datetime) -> tuple[list[str], set[str]]:
    """Delete the expired tickets in one transaction with its audit event; returns (numbers, attachment hashes).
    The files are removed after the commit, so a rollback never loses a file a ticket still needs."""
    numbers: list[str] = []
    hashes: set[str] = set()
    with transaction.atomic():
        ids = list(expired_tickets(cutoff).values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            # Locked and checked again: a ticket reopened meanwhile is no longer closed and stays.
            batch = list(Ticket.objects.select_for_update().filter(
                pk__in=ids[start:start + BATCH], status=TicketStatus.CLOSED, closed_at__lt=cutoff)
                .order_by("closed_at", "id").values_list("pk", "number"))
            pks = [pk for pk, _ in batch]
            numbers += [number or f"#{pk}" for pk, number in batch]
            hashes |= set(Attachment.objects.filter(ticket_id__in=pks).values_list("sha256", flat=True))
            Ticket.objects.filter(pk__in=pks).delete()
        if numbers:
            audit_record(actor=None, action="tickets.archive", object_type="ticket",
                         details={"count": len(numbers), "numbers": numbers, "closed_before": cutoff.isoformat(),
                                  "retention_years": settings.TICKET_RETENTION_YEARS,
                                  "attachment_hashes": sorted(hashes)})
        transaction.on_commit(lambda: _remove_unreferenced(hashes))
    return numbers, hashes

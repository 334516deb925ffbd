"""Staff notifications: rows in each recipient's inbox, plus an email after commit when they have an address.

Callers are services inside their own transaction: the rows commit or roll back with the change they announce,
and no email leaves for a change that did not happen.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from brokerdesk.org.models import Notification, Staff


def notify(recipients: Iterable[Staff], *, kind: str, title: str, body: str = "", url: str = "") -> int:
    """Notify each active recipient once; returns how many were notified."""
    unique = {staff.pk: staff for staff in recipients if staff is not None and staff.is_active}
    Notification.objects.bulk_create(
        Notification(recipient=staff, kind=kind, title=title[:200], body=body, url=url) for staff in unique.values()
    )
    addresses = [staff.email for staff in unique.values() if staff.email]
    if addresses:
        link = f"\n\n{settings.BROKERDESK_BASE_URL}{url}" if url else ""
        messages = [(title, body + link, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses]
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=True))
    return len(unique)


def unread_count(staff: Staff) -> int:
    return Notification.objects.filter(recipient=staff, read_at__isnull=True).count()

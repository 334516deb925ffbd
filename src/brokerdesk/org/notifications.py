"""Staff notifications: rows in each recipient's inbox, plus an email after commit when they have an address.

Callers are services inside their own transaction: the rows commit or roll back with the change they announce,
and no email leaves for a change that did not happen.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from brokerdesk.org.models import Notification, Staff


@dataclass(frozen=True)
class Message:
    recipients: list[Staff]
    kind: str
    title: str
    body: str = ""
    url: str = ""


def notify(recipients: Iterable[Staff], *, kind: str, title: str, body: str = "", url: str = "") -> int:
    """Notify each active recipient once; returns how many were notified."""
    return notify_many([Message(list(recipients), kind, title, body, url)])


def notify_many(messages: list[Message]) -> int:
    """Several notifications in one insert (and one batch of emails after commit); returns how many rows.

    The inbox row is the record; email is a courtesy copy, so a mail server that is down must not undo the change
    being announced (fail_silently) — the staff member still finds it in the inbox.
    """
    rows, emails = [], []
    for message in messages:
        unique = {staff.pk: staff for staff in message.recipients if staff is not None and staff.is_active}
        link = f"\n\n{settings.BROKERDESK_BASE_URL}{message.url}" if message.url else ""
        for staff in unique.values():
            rows.append(Notification(recipient=staff, kind=message.kind, title=message.title[:200],
                                     body=message.body, url=message.url))
            if staff.email:
                emails.append((message.title, message.body + link, settings.DEFAULT_FROM_EMAIL, [staff.email]))
    Notification.objects.bulk_create(rows)
    if emails:
        transaction.on_commit(lambda: send_mass_mail(emails, fail_silently=True))
    return len(rows)

